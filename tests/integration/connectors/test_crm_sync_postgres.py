"""The CRM sync against a real PostgreSQL CRM (a database of its own per test, dropped
after): pushed with an upsert keyed by Sphere's record id, a re-push idempotent, a
withdrawal and an erasure remove the rows; the CRM down (a wrong URL) is retried and
dead-lettered with nothing lost, and requeued once it is back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from sphere.domain import FrozenClock, LegalBasis, Purpose
from sphere.rights.crm_sync import drain, requeue, status
from sphere.rights.erasure import erase_contact
from sphere.rights.withdrawal import delete_consent_based_records
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.crm_sync import queue_pushes
from tests.integration.connectors.conftest import LiveSystem
from tests.integration.rights.scenario import CUSTOMER_NUMBER, EMAIL, seed_customer
from tests.runtimes import SOURCES, runtime_for_tests

pytestmark = [pytest.mark.postgres]

TABLE = """CREATE TABLE sphere_records (
  sphere_id VARCHAR(36) PRIMARY KEY, customer_no TEXT, email TEXT, channel TEXT, body TEXT,
  reference TEXT, purpose TEXT, legal_basis TEXT, keep_until TIMESTAMPTZ,
  synced_at TIMESTAMPTZ)"""
SYNC = """\
retry:
  max_attempts: 2
  backoff_seconds: 30
sync:
  table: sphere_records
  columns:
    record_id: sphere_id
    customer_number: customer_no
    email: email
    channel: channel
    text: body
    reference: reference
    purpose: purpose
    legal_basis: legal_basis
    retention_until: keep_until
    synced_at: synced_at
"""


@pytest.fixture
def rt(
    settings: Settings, migrated_db_url: str, tmp_path: Path, crm: LiveSystem
) -> Iterator[Runtime]:
    with crm.engine.connect() as connection:
        connection.execute(text(TABLE))
    directory = tmp_path / "connectors"
    path = crm.write(directory)
    path.write_text(path.read_text(encoding="utf-8") + SYNC, encoding="utf-8")
    settings = settings.model_copy(update={"connectors_dir": directory})
    with runtime_for_tests(
        settings, migrated_db_url, sources=SOURCES[:2], clock=FrozenClock()
    ) as runtime:
        yield runtime


def _sync(rt: Runtime):
    return drain(rt.factory, rt.keyring, rt.connected_systems(), now=rt.clock.now, actor="test")


def _rows(crm: LiveSystem) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in crm.rows(
            "SELECT sphere_id, customer_no, email, channel, purpose, legal_basis, keep_until, "
            "body FROM sphere_records"
        )
    }


def test_push_re_push_withdrawal_and_erasure(rt: Runtime, crm: LiveSystem, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    assert _sync(rt).pushed == 3
    rows = _rows(crm)
    first, second = customer.interaction_ids
    customer_no, email, channel, purpose, basis, keep, body = rows[first]
    assert (customer_no, email, channel) == (CUSTOMER_NUMBER, EMAIL, "mastodon")
    assert purpose and basis and keep is not None and body
    with rt.session() as session:  # the same batch again: the upsert leaves the same rows
        session.execute(text("DELETE FROM crm_synced"))
        queue_pushes(session, "interaction", [first, second], at=rt.clock.now())
    assert _sync(rt).pushed == 2 and _rows(crm) == rows
    with rt.session() as session:
        session.execute(
            text("UPDATE decisions SET legal_basis = :b, purpose = :p WHERE id = "
                 "(SELECT decision_id FROM interactions WHERE id = :i)"),
            {"b": LegalBasis.CONSENT.value, "p": Purpose.ENRICHMENT.value, "i": first},
        )  # fmt: skip
        delete_consent_based_records(
            session, rt.keyring, customer.contact_id, Purpose.ENRICHMENT, at=rt.clock.now(),
            actor="test",
        )  # fmt: skip
    assert _sync(rt).removed == 1
    assert first not in _rows(crm) and second in _rows(crm)
    with rt.session() as session:
        erase_contact(session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="test")
    _sync(rt)
    assert second not in _rows(crm) and len(_rows(crm)) == 1  # Max's post stays


def test_crm_down_is_dead_lettered_and_requeued_with_nothing_lost(
    rt: Runtime, crm: LiveSystem, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = seed_customer(rt, tmp_path)
    good = os.environ["CRM_DATABASE_URL"]
    monkeypatch.setenv("CRM_DATABASE_URL", good.rsplit("/", 1)[0] + "/no_such_crm_database")
    rt.forget_connected_systems()
    first = _sync(rt)
    assert first.failed == 3 and first.errors and "unavailable" in first.errors[0]
    rt.clock.advance(timedelta(seconds=31))
    assert _sync(rt).dead_letter == 3
    with rt.session() as session:
        state = status(session, rt.keyring, rt.connected_systems())
    assert state["dead_letter"] == 3 and state["synced"] == 0 and _rows(crm) == {}
    monkeypatch.setenv("CRM_DATABASE_URL", good)
    rt.forget_connected_systems()
    with rt.session() as session:
        assert requeue(session, rt.keyring, at=rt.clock.now(), actor="dpo") == 3
    assert _sync(rt).pushed == 3
    assert set(customer.interaction_ids) <= set(_rows(crm))


def test_a_refused_record_and_a_refused_removal_do_not_stop_the_rest(
    rt: Runtime, crm: LiveSystem, tmp_path
) -> None:
    """PostgreSQL refuses a body longer than its column (DataError, no column named: the
    reason finds it) and a removal a row of the CRM's own still refers to (a foreign key);
    the rest goes, each refused one waits with its reason and is requeued after the fix."""
    with crm.engine.connect() as connection:
        connection.execute(text("ALTER TABLE sphere_records ALTER COLUMN body TYPE VARCHAR(46)"))
    customer = seed_customer(rt, tmp_path)
    result = _sync(rt)
    assert result.refused == 1 and result.pushed == 2 and not result.errors
    (refused,) = set(customer.interaction_ids) - set(_rows(crm))
    with rt.session() as session:
        (failing,) = status(session, rt.keyring, rt.connected_systems())["failing"]
    assert failing["record_id"] == refused
    assert failing["error"] == (f"record {refused} refused: column body (text): "
                                "StringDataRightTruncation: value too long for type "
                                "character varying(46)")  # fmt: skip
    assert "klappert" not in failing["error"] and EMAIL not in failing["error"]
    rt.clock.advance(timedelta(seconds=31))
    assert _sync(rt).dead_letter == 1  # max_attempts 2
    with crm.engine.connect() as connection:
        connection.execute(text("ALTER TABLE sphere_records ALTER COLUMN body TYPE TEXT"))
    with rt.session() as session:
        assert requeue(session, rt.keyring, at=rt.clock.now(), actor="dpo") == 1
    assert _sync(rt).pushed == 1 and refused in _rows(crm)
    # A note of the CRM's own refers to one of Lena's rows: its removal is refused.
    kept = customer.interaction_ids[0]
    with crm.engine.connect() as connection:
        connection.execute(
            text(
                "CREATE TABLE notes (id SERIAL PRIMARY KEY, record VARCHAR(36) "
                "CONSTRAINT notes_record REFERENCES sphere_records(sphere_id))"
            )
        )
        connection.execute(text("INSERT INTO notes (record) VALUES (:r)"), {"r": kept})
    with rt.session() as session:
        erase_contact(session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="test")
    result = _sync(rt)
    assert result.removed == 1 and result.refused == 1
    assert kept in _rows(crm) and customer.interaction_ids[1] not in _rows(crm)
    with rt.session() as session:
        state = status(session, rt.keyring, rt.connected_systems())
    (failing,) = state["failing"]
    assert failing["op"] == "remove" and failing["record_id"] == kept
    assert "constraint notes_record" in failing["error"]
    assert "ForeignKeyViolation" in failing["error"]
