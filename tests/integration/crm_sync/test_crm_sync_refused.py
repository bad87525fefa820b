"""A record the CRM refuses (a value its table rejects) does not stop the rest of its
batch: the others reach the CRM, the refused one goes through the back-off to the dead
letter with a reason naming the record, column and constraint and no value of it - in
``sphere crm status``, in the log and the audit trail - and ``sphere crm requeue``
brings it over once the table is fixed. SQLite CRM here; PostgreSQL and MariaDB in
tests/integration/connectors/test_crm_sync_{postgres,mariadb}.py."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sphere.cli import crm as crm_cli
from sphere.domain import FrozenClock
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.tables import AuditEntryRow
from tests.conftest import TEST_MASTER_KEY, TEST_PSEUDONYM_SECRET
from tests.integration.crm_sync.test_crm_sync import SYNC_YAML, TABLE, crm_rows, sync, sync_status
from tests.integration.rights.scenario import CUSTOMER_NUMBER, EMAIL, seed_customer
from tests.runtimes import SOURCES, runtime_for_tests

# The CRM keeps bodies to 46 characters: Lena's post to the company (47) is refused.
REFUSING = TABLE.replace(
    "body TEXT,", "body TEXT CONSTRAINT body_short CHECK (length(body) <= 46),"
)
LONG_POST = "@optiklinse mein Tele 70-200 klappert bei Kälte"


@pytest.fixture
def rt(
    settings: Settings, migrated_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    directory = tmp_path / "connectors"
    directory.mkdir()
    with sqlite3.connect(directory / "crm.sqlite") as db:
        db.execute(REFUSING)
    (directory / "crm.yaml").write_text(SYNC_YAML, encoding="utf-8")
    settings = settings.model_copy(update={"connectors_dir": directory})
    with runtime_for_tests(
        settings, migrated_db_url, sources=SOURCES[:2], clock=FrozenClock()
    ) as runtime:
        for name, value in {
            "SPHERE_ENV": "test",
            "SPHERE_HOME": str(runtime.settings.home),
            "SPHERE_DATABASE_URL": migrated_db_url,
            "SPHERE_CONNECTORS_DIR": str(directory),
            "SPHERE_MASTER_KEY": TEST_MASTER_KEY,
            "SPHERE_PSEUDONYM_SECRET": TEST_PSEUDONYM_SECRET,
        }.items():
            monkeypatch.setenv(name, value)
        yield runtime


def _cli(*args: str) -> str:
    result = CliRunner().invoke(crm_cli.app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _fix_the_table(rt: Runtime) -> None:
    """The CRM's admin lifts the limit (SQLite: the table rebuilt without the CHECK)."""
    with sqlite3.connect(rt.settings.resolved_connectors_dir / "crm.sqlite") as db:
        db.execute("ALTER TABLE sphere_records RENAME TO old_records")
        db.execute(TABLE)
        db.execute("INSERT INTO sphere_records SELECT * FROM old_records")
        db.execute("DROP TABLE old_records")


def test_a_refused_record_does_not_stop_the_rest_and_is_requeued_after_the_fix(
    rt: Runtime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    customer = seed_customer(rt, tmp_path)
    with caplog.at_level(logging.WARNING):
        result = sync(rt)  # batch_size 2: the refused record's batch goes on without it
    assert result.refused == 1 and result.pushed == 2 and not result.errors
    rows = crm_rows(rt)
    refused = next(i for i in customer.interaction_ids if i not in rows)
    assert len(rows) == 2 and all(body != LONG_POST for _, _, _, body, *_ in rows.values())
    state = sync_status(rt)
    assert state["failed"] == 1 and state["pending"] == 0 and state["synced"] == 2
    (failing,) = state["failing"]
    assert failing["record_id"] == refused and failing["state"] == "failed"
    reason = failing["error"]
    assert reason.startswith(f"record {refused} refused: column body (text) constraint body_short")
    assert "IntegrityError" in reason
    for personal in (LONG_POST, "klappert", EMAIL, CUSTOMER_NUMBER):
        assert personal not in reason and personal not in caplog.text
    assert refused in caplog.text  # the log names the record, not its content
    # its back-off, then the dead letter (max_attempts 2); the others are not held up
    assert sync(rt).batches == 0
    rt.clock.advance(timedelta(seconds=61))
    assert sync(rt).dead_letter == 1
    shown = _cli("status")
    assert "dead_letter=1" in shown and f"dead_letter push interaction {refused}" in shown
    assert "body_short" in shown and LONG_POST not in shown
    with rt.session() as session:
        refusals = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "crm.sync_refused")
        ).all()
    assert len(refusals) == 2 and refusals[-1].details["dead_letter"] == 1
    _fix_the_table(rt)
    assert "1 entry requeued" in _cli("requeue")
    assert "pushed=1" in _cli("sync")
    assert refused in crm_rows(rt) and crm_rows(rt)[refused][3] == LONG_POST
    after = sync_status(rt)
    assert after["dead_letter"] == after["failed"] == 0 and after["failing"] == []
    assert after["synced"] == 3
