"""The retention run erases a contact past its deadline in the connected systems too
(issue 15): a request of channel ``retention`` with a task per system, carried out at
once (the demo's SQLite CRM: the person's name and e-mail gone there), audited; the CRM
sync's copy of the contact's records removed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sphere.audit import latest
from sphere.demo._connected import write_crm
from sphere.domain import FrozenClock, IdentityKind
from sphere.rights.crm_sync import drain
from sphere.rights.requests import get_request
from sphere.rights.retention import run_retention
from sphere.rights.systems import request_tasks
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.contacts import ContactRepository
from tests.integration.rights.scenario import seed_customer
from tests.runtimes import SOURCES, runtime_for_tests

MAX = "max.muster@example.org"  # Lena has a valid consent: retention keeps her


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    directory = tmp_path / "connectors"
    write_crm(directory, [{"customer_number": "K-1002", "email": MAX,
                           "first_name": "Max", "last_name": "Muster"}])  # fmt: skip
    settings = settings.model_copy(update={"connectors_dir": directory})
    with runtime_for_tests(
        settings, migrated_db_url, sources=SOURCES[:2], clock=FrozenClock()
    ) as runtime:
        yield runtime


def _crm(rt: Runtime, sql: str) -> list[tuple]:
    with sqlite3.connect(rt.settings.resolved_connectors_dir / "crm.sqlite") as db:
        return db.execute(sql).fetchall()


def test_retention_erases_a_contact_in_the_connected_crm_too(rt: Runtime, tmp_path) -> None:
    seed_customer(rt, tmp_path)
    with rt.session() as session:
        contact = ContactRepository(session, rt.keyring).find_by_identity(IdentityKind.EMAIL, MAX)
        assert contact is not None
        max_id = contact.id
    systems = rt.connected_systems()
    drain(rt.factory, rt.keyring, systems, now=rt.clock.now, actor="test")
    assert len(_crm(rt, f"SELECT * FROM sphere_records WHERE email = '{MAX}'")) == 1
    # Years later: first his records go, then (next run) the contact itself.
    for _ in range(2):
        rt.clock.advance(timedelta(days=4 * 365))
        with rt.session() as session:
            result = run_retention(
                session, rt.keyring, now=rt.clock.now(), actor="system:retention", systems=systems
            )
    assert result.contacts >= 1
    drain(rt.factory, rt.keyring, systems, now=rt.clock.now, actor="test")
    assert _crm(rt, f"SELECT * FROM sphere_records WHERE email = '{MAX}'") == []
    assert _crm(rt, f"SELECT * FROM contacts WHERE email = '{MAX}'") == []
    assert _crm(rt, "SELECT first_name, last_name FROM contacts") == [(None, None)]
    with rt.session() as session:
        entry = next(
            e for e in latest(session, limit=200) if e.action == "retention.contact_erased"
            and e.subject_id == max_id
        )  # fmt: skip
        [request_id] = entry.object_ids
        request = get_request(session, request_id)
        assert (request.type, request.channel, request.state) == (
            "erasure", "retention", "completed",
        )  # fmt: skip
        [task] = request_tasks(session, request_id)
        assert (task.system, task.state) == ("crm", "done")
        assert entry.details["systems"] == 1 and entry.details["completed"] is True
