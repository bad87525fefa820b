"""The CRM sync's MariaDB path (``ON DUPLICATE KEY UPDATE``): the shop database of the
connector tests as the sync target - pushed, re-pushed idempotently, removed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sphere.domain import FrozenClock
from sphere.rights.crm_sync import drain, retry_now, status
from sphere.rights.erasure import erase_contact
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.crm_sync import queue_pushes
from tests.integration.connectors.conftest import LiveSystem
from tests.integration.rights.scenario import EMAIL, seed_customer
from tests.runtimes import SOURCES, runtime_for_tests

pytestmark = [pytest.mark.mariadb]

TABLE = """CREATE TABLE sphere_records (
  sphere_id VARCHAR(36) PRIMARY KEY, email VARCHAR(254), channel VARCHAR(40), body TEXT,
  purpose VARCHAR(40), legal_basis VARCHAR(40), keep_until DATETIME)"""
SYNC = """\
sync:
  table: sphere_records
  columns:
    record_id: sphere_id
    email: email
    channel: channel
    text: body
    purpose: purpose
    legal_basis: legal_basis
    retention_until: keep_until
"""


@pytest.fixture
def rt(
    settings: Settings, migrated_db_url: str, tmp_path: Path, shop: LiveSystem
) -> Iterator[Runtime]:
    with shop.engine.connect() as connection:
        connection.execute(text(TABLE))
    directory = tmp_path / "connectors"
    path = shop.write(directory)
    path.write_text(path.read_text(encoding="utf-8") + SYNC, encoding="utf-8")
    settings = settings.model_copy(update={"connectors_dir": directory})
    with runtime_for_tests(
        settings, migrated_db_url, sources=SOURCES[:2], clock=FrozenClock()
    ) as runtime:
        yield runtime


def test_upsert_re_push_and_removal_on_mariadb(rt: Runtime, shop: LiveSystem, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    systems = rt.connected_systems()
    assert systems.sync_target() == "shop"
    assert drain(rt.factory, rt.keyring, systems, now=rt.clock.now, actor="t").pushed == 3
    rows = shop.rows("SELECT sphere_id, email, channel, body, purpose FROM sphere_records "
                     "ORDER BY sphere_id")  # fmt: skip
    assert len(rows) == 3 and sum(1 for r in rows if r[1] == EMAIL) == 2
    with rt.session() as session:
        session.execute(text("DELETE FROM crm_synced"))
        queue_pushes(session, "interaction", list(customer.interaction_ids), at=rt.clock.now())
    assert drain(rt.factory, rt.keyring, systems, now=rt.clock.now, actor="t").pushed == 2
    assert shop.rows("SELECT sphere_id, email, channel, body, purpose FROM sphere_records "
                     "ORDER BY sphere_id") == rows  # fmt: skip
    with rt.session() as session:
        erase_contact(session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="t")
    drain(rt.factory, rt.keyring, systems, now=rt.clock.now, actor="t")
    assert shop.scalar(f"SELECT count(*) FROM sphere_records WHERE email = '{EMAIL}'") == 0
    assert shop.scalar("SELECT count(*) FROM sphere_records") == 1


def test_a_refused_record_does_not_stop_the_rest_on_mariadb(
    rt: Runtime, shop: LiveSystem, tmp_path
) -> None:
    """MariaDB (strict mode) refuses a body longer than its column (error 1406): the
    rest goes, the refused one waits with its reason and is requeued after the fix."""
    with shop.engine.connect() as connection:
        connection.execute(text("ALTER TABLE sphere_records MODIFY body VARCHAR(46)"))
    customer = seed_customer(rt, tmp_path)
    systems = rt.connected_systems()
    result = drain(rt.factory, rt.keyring, systems, now=rt.clock.now, actor="t")
    assert result.refused == 1 and result.pushed == 2 and not result.errors
    held = {r[0] for r in shop.rows("SELECT sphere_id FROM sphere_records")}
    (refused,) = set(customer.interaction_ids) - held
    with rt.session() as session:
        (failing,) = status(session, rt.keyring, systems)["failing"]
    assert failing["record_id"] == refused
    assert failing["error"].startswith(f"record {refused} refused: column body (text): DataError")
    assert "klappert" not in failing["error"] and EMAIL not in failing["error"]
    with shop.engine.connect() as connection:
        connection.execute(text("ALTER TABLE sphere_records MODIFY body TEXT"))
    with rt.session() as session:
        assert retry_now(session, rt.keyring, at=rt.clock.now(), actor="dpo") == 1
    assert drain(rt.factory, rt.keyring, systems, now=rt.clock.now, actor="t").pushed == 1
    assert shop.scalar("SELECT count(*) FROM sphere_records") == 3
