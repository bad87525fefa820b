"""Rights across connected systems: an erasure request reaches the MariaDB shop and the
PostgreSQL CRM, with a status per system, retries with back-off, a dead letter that
keeps the request open, and an access export with a section per system."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sphere.audit import latest, verify
from sphere.connectors.registry import ConnectorSet
from sphere.domain import FrozenClock, IdentityKind
from sphere.jobs.runner import retry_system_tasks
from sphere.portal.requests import carry_out, verify_request
from sphere.rights.access import access_report, export_archive
from sphere.rights.requests import RequestType, get_request, open_request
from sphere.rights.systems import (
    attempt_task,
    dry_run,
    due_task_ids,
    failures,
    request_tasks,
    requeue,
    subject_identifiers,
)
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.contacts import ContactRepository
from tests.integration.connectors.conftest import LiveSystem
from tests.runtimes import runtime_for_tests

pytestmark = [pytest.mark.mariadb, pytest.mark.postgres]

EMAIL = "erika.muster@example.org"


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = settings.model_copy(update={"connectors_dir": tmp_path / "connectors"})
    with runtime_for_tests(settings, migrated_db_url, sources=(), clock=FrozenClock()) as r:
        yield r


def _erika(rt: Runtime) -> str:
    with rt.session() as session:
        contacts = ContactRepository(session, rt.keyring)
        contact = contacts.create(at=rt.clock.now())
        contacts.add_identity(contact.id, IdentityKind.EMAIL, EMAIL, at=rt.clock.now())
        contacts.add_identity(contact.id, IdentityKind.PHONE, "+4930123456", at=rt.clock.now())
        return contact.id


def _verified_request(rt: Runtime, contact_id: str, kind: RequestType) -> str:
    with rt.session() as session:
        request = open_request(
            session, rt.keyring, contact_id, kind, at=rt.clock.now(), actor="dpo"
        )
        verify_request(session, request.id, at=rt.clock.now(), actor="dpo")
        return request.id


@pytest.fixture
def connect(rt: Runtime) -> Iterator[Callable[[], ConnectorSet]]:
    """Read the connectors directory as it is now; every set is closed after the test."""
    made: list[ConnectorSet] = []

    def read() -> ConnectorSet:
        made.append(
            ConnectorSet.from_directory(
                rt.settings.resolved_connectors_dir, hash_key=rt.keyring.derived_key("test")
            )
        )
        return made[-1]

    yield read
    for systems in made:
        systems.close()


def test_access_export_has_a_section_per_system(
    rt: Runtime, shop: LiveSystem, crm: LiveSystem
) -> None:
    directory = rt.settings.resolved_connectors_dir
    shop.write(directory)
    crm.write(directory)
    contact_id = _erika(rt)
    systems = rt.connected_systems()  # the composition root reads the directory
    assert systems.names() == ("crm", "shop")
    with rt.session() as session:
        report = access_report(
            session, rt.keyring, rt.policy(), contact_id, now=rt.clock.now(), systems=systems
        )
    sections = {s["system"]: s for s in report["connected_systems"]}
    assert sections["shop"]["status"] == "ok"
    assert len(sections["shop"]["tables"]["orders"]) == 2
    assert sections["crm"]["tables"]["contacts"][0]["full_name"] == "Erika Muster"
    archive = zipfile.ZipFile(io.BytesIO(export_archive(report)))
    assert "systems/shop/addresses.csv" in archive.namelist()
    assert "Musterweg 1" in archive.read("systems/shop/addresses.csv").decode()
    summary = archive.read("summary.html").decode()
    assert "Webshop (MariaDB): orders (2)" in summary
    assert json.loads(archive.read("data.json"))["connected_systems"]


def test_dry_run_then_erasure_everywhere_completes_the_request(
    rt: Runtime, shop: LiveSystem, crm: LiveSystem, connect: Callable[[], ConnectorSet]
) -> None:
    directory = rt.settings.resolved_connectors_dir
    shop.write(directory)
    crm.write(directory)
    systems = connect()
    contact_id = _erika(rt)
    with rt.session() as session:
        preview = dry_run(systems, subject_identifiers(session, rt.keyring, contact_id))
    assert {p["system"]: p["matched"] for p in preview} == {"crm": 6, "shop": 8}
    assert shop.scalar("SELECT COUNT(*) FROM addresses") == 3  # the dry run changed nothing

    request_id = _verified_request(rt, contact_id, RequestType.ERASURE)
    with rt.session() as session:
        done = carry_out(
            session, rt.keyring, rt.policy(), request_id, at=rt.clock.now(), actor="dpo",
            systems=systems,
        )  # fmt: skip
    assert done.open_systems == ()
    with rt.session() as session:
        request = get_request(session, request_id)
        assert request.state == "completed"
        assert request.result["systems_done"] == 2
        tasks = {t.system: t for t in request_tasks(session, request_id)}
        assert {t.state for t in tasks.values()} == {"done"}
        assert tasks["shop"].identifiers_ciphertext is None  # the key is destroyed too
        assert (
            tasks["shop"]
            .result["done"]["tables"][2]["kept"]["invoice_no"]
            .startswith("invoices are kept")
        )
        entries = [e for e in latest(session, limit=30) if e.action.startswith("system.")]
        assert sorted(e.details["system"] for e in entries if e.action == "system.erased") == [
            "crm",
            "shop",
        ]
        assert EMAIL not in json.dumps([e.details for e in entries])
        assert verify(session).ok
    assert shop.scalar("SELECT COUNT(*) FROM newsletter") == 1
    assert crm.scalar("SELECT COUNT(*) FROM contacts") == 1


def test_a_system_down_is_retried_then_dead_lettered_and_the_request_stays_open(
    rt: Runtime, shop: LiveSystem, crm: LiveSystem, connect: Callable[[], ConnectorSet]
) -> None:
    directory = rt.settings.resolved_connectors_dir
    shop.write(directory, **{"  port: 3306\n": "  port: 1\n  connect_timeout: 1\n"})
    crm.write(directory)
    systems = connect()
    contact_id = _erika(rt)
    request_id = _verified_request(rt, contact_id, RequestType.ERASURE)
    with rt.session() as session:
        done = carry_out(
            session, rt.keyring, rt.policy(), request_id, at=rt.clock.now(), actor="dpo",
            systems=systems,
        )  # fmt: skip
    assert done.open_systems == ("shop",)  # partial: the CRM is done, the shop is not
    clock = rt.clock
    assert isinstance(clock, FrozenClock)
    with rt.session() as session:
        tasks = {t.system: t for t in request_tasks(session, request_id)}
        assert tasks["crm"].state == "done"
        shop_task = tasks["shop"]
        assert (shop_task.state, shop_task.attempts) == ("failed", 1)
        assert "unavailable" in (shop_task.last_error or "")
        assert EMAIL not in (shop_task.last_error or "")
        assert shop_task.next_attempt_at == clock.now() + timedelta(seconds=60)
        assert due_task_ids(session, at=clock.now()) == []  # not before the back-off
    delays = []
    for _ in range(3):  # attempts 2..4, each after its doubled back-off
        with rt.session() as session:
            task = request_tasks(session, request_id)[1]
            assert task.next_attempt_at is not None
            delays.append(task.next_attempt_at - clock.now())
            clock.advance(task.next_attempt_at - clock.now())
            for task_id in due_task_ids(session, at=clock.now()):
                attempt_task(session, rt.keyring, systems, task_id, at=clock.now(), actor="retry")
    assert delays == [timedelta(seconds=s) for s in (60, 120, 240)]
    with rt.session() as session:
        shop_task = request_tasks(session, request_id)[1]
        assert (shop_task.state, shop_task.attempts) == ("dead_letter", 4)
        assert [t.system for t in failures(session)] == ["shop"]
        assert get_request(session, request_id).state == "in_progress"  # stays open
    assert shop.scalar("SELECT COUNT(*) FROM newsletter") == 2  # nothing half-done

    # The DPO fixes the connection and gives the shop another round: the request completes.
    shop.write(directory)
    fixed = connect()
    with rt.session() as session:
        requeue(session, fixed, request_id, "shop", at=clock.now(), actor="dpo")
    assert retry_system_tasks(rt, at=clock.now()) == 1  # what `sphere serve` does each minute
    assert retry_system_tasks(rt, at=clock.now()) == 0
    with rt.session() as session:
        assert get_request(session, request_id).state == "completed"
    assert shop.scalar("SELECT COUNT(*) FROM newsletter") == 1
