"""A rectification with its values (Art. 16, Art. 19) as the portal and the cockpit make
it — recorded on the request, carried out by the DPO's job (``carry_out``) — reaches
every connected system with the new values: the PostgreSQL CRM, the MariaDB shop, the
SQLite CRM the demo ships and a signed webhook recipient; values are checked before
anything is stored; a system that is down is retried and dead-lettered, the request
staying open until it is done. The CLI calls the same service (``rectify_everywhere``)."""

from __future__ import annotations

import sqlite3

import pytest

from sphere.demo._connected import write_crm
from sphere.domain import FrozenClock
from sphere.portal.requests import carry_out, open_own_request
from sphere.rights.rectification import (
    InvalidCorrections,
    record_corrections,
    recorded_corrections,
    validate_corrections,
)
from sphere.rights.requests import RequestType, get_request, reject_request
from sphere.rights.systems import due_task_ids, request_steps, request_tasks, retry_now
from sphere.runtime import Runtime
from sphere.storage.repositories.audit import AuditRepository
from sphere.storage.repositories.contacts import ContactRepository
from tests.integration.connectors.conftest import LiveSystem
from tests.integration.connectors.test_rights_beyond_erasure import (
    EMAIL,
    _erika,
    _newsletter,
    _request,
    _retry_round,
)
from tests.integration.connectors.test_rights_beyond_erasure import rt as beyond_rt
from tests.integration.connectors.test_webhook import Receiver

NEW_EMAIL = "erika.neu@example.org"
rt = pytest.fixture(beyond_rt.__wrapped__)  # the same runtime (connectors in tmp_path)
FORM = {"email": f"  {NEW_EMAIL.upper()} ", "phone": "030 9876543", "given_name": "Erika",
        "family_name": "Neumann", "street": "Neue Straße 5"}  # fmt: skip


def _carry_out(rt: Runtime, request_id: str) -> tuple[str, ...]:
    """What the cockpit's job does with a verified rectification request."""
    with rt.session() as session:
        done = carry_out(session, rt.keyring, rt.policy(), request_id, at=rt.clock.now(),
                         actor="staff:dpo", systems=rt.connected_systems())  # fmt: skip
        return done.open_systems


def test_values_are_checked_before_anything_is_stored() -> None:
    values = validate_corrections(FORM, region="DE")
    assert values == {"email": NEW_EMAIL, "phone": "+49309876543", "given_name": "Erika",
                      "family_name": "Neumann", "street": "Neue Straße 5"}  # fmt: skip
    with pytest.raises(InvalidCorrections) as refused:
        validate_corrections(
            {"email": "erika.at.example.org", "phone": "999", "city": "Berlin\x00",
             "postcode": "<b>10115</b>", "given_name": "x" * 201},
            region="DE",
        )  # fmt: skip
    assert set(refused.value.errors) == {"email", "phone", "city", "postcode", "given_name"}
    assert "999" not in str(refused.value) and "erika" not in str(refused.value)
    with pytest.raises(InvalidCorrections) as empty:
        validate_corrections({"email": "  "}, region="DE")
    assert list(empty.value.errors) == [""]


@pytest.mark.mariadb
@pytest.mark.postgres
def test_a_portal_correction_reaches_every_system_with_its_values(
    rt: Runtime, shop: LiveSystem, crm: LiveSystem
) -> None:
    directory = rt.settings.resolved_connectors_dir
    shop.write(directory)
    crm.write(directory)
    write_crm(directory / "demo", [{"customer_number": "K-7", "email": EMAIL,
                                    "first_name": "Erica", "street": "Alte Straße 1"}])  # fmt: skip
    (directory / "demo" / "crm.yaml").rename(directory / "democrm.yaml")
    text = (directory / "democrm.yaml").read_text(encoding="utf-8")
    (directory / "democrm.yaml").write_text(
        text.replace("system: crm", "system: democrm").replace(
            "database: crm.sqlite", "database: demo/crm.sqlite"
        ),
        encoding="utf-8",
    )
    receiver = Receiver()
    try:
        _newsletter(rt, receiver, "rectification")
        contact_id = _erika(rt)
        with rt.session() as session:  # the person, in the portal
            values = validate_corrections(FORM, region="DE")
            opened = open_own_request(session, rt.keyring, contact_id, RequestType.RECTIFICATION,
                                      at=rt.clock.now(), details="Neuer Name nach Heirat",
                                      corrections=values)  # fmt: skip
            request_id = opened.request.id
            assert recorded_corrections(session, rt.keyring, request_id)["email"] == NEW_EMAIL
            assert get_request(session, request_id).corrections_ciphertext is not None
        assert _carry_out(rt, request_id) == ()
        assert crm.rows(f"SELECT email, phone, full_name FROM contacts WHERE email = '{NEW_EMAIL}'"
                        ) == [(NEW_EMAIL, "+49309876543", "Erika Muster")]  # fmt: skip
        assert shop.rows(
            "SELECT email, first_name, last_name, phone FROM customers WHERE id = 1"
        ) == [(NEW_EMAIL, "Erika", "Neumann", "+49309876543")]
        with sqlite3.connect(directory / "demo" / "crm.sqlite") as db:
            assert db.execute("SELECT email, first_name, street FROM contacts").fetchall() == [
                (NEW_EMAIL, "Erika", "Neue Straße 5")
            ]
        [told] = receiver.received
        assert told["valid"] and told["event"]["type"] == "rectification.carried_out"
        assert told["event"]["changes"]["family_name"] == "Neumann"
        assert told["event"]["subject"]["email"] == [EMAIL]  # how the recipient knows them
        with rt.session() as session:
            request = get_request(session, request_id)
            assert request.state == "completed" and request.corrections_ciphertext is None
            tasks = {t.system: t for t in request_tasks(session, request_id)}
            assert {s: t.action for s, t in tasks.items()} == {
                "crm": "rectification", "shop": "rectification", "democrm": "rectification",
                "newsletter": "notify",
            }  # fmt: skip
            done = tasks["crm"].result["done"]
            assert done["tables"][0]["fields"] == {"email": "rectified", "phone": "rectified"}
            assert set(done["skipped"]) == {"given_name", "family_name", "street"}
            assert {t.identifiers_ciphertext for t in tasks.values()} == {None}  # key destroyed
            emails = [i.value for i in ContactRepository(session, rt.keyring).identities(contact_id)
                      if i.kind.value == "email"]  # fmt: skip
            assert emails == [NEW_EMAIL]  # Sphere's own copy corrected too
            entries = AuditRepository(session).for_subject(contact_id)
            recorded = [e for e in entries if e.action == "dsr.corrections_recorded"]
            assert recorded[0].details["fields"] == sorted(FORM)
            for entry in entries:  # names and counts only, never a value
                assert NEW_EMAIL not in str(entry.details) and "Neumann" not in str(entry.details)
            assert "rectified" in [s.action for s in request_steps(session, request_id)["shop"]]
    finally:
        receiver.close()


@pytest.mark.mariadb
@pytest.mark.postgres
def test_a_cockpit_correction_with_the_shop_down_is_retried_and_completes_last(
    rt: Runtime, shop: LiveSystem, crm: LiveSystem
) -> None:
    directory = rt.settings.resolved_connectors_dir
    shop.write(directory, **{"  port: 3306\n": "  port: 1\n  connect_timeout: 1\n"})
    crm.write(directory)
    contact_id = _erika(rt)
    request_id = _request(rt, contact_id, RequestType.RECTIFICATION)
    with rt.session() as session:  # the DPO's form
        values = validate_corrections({"email": NEW_EMAIL}, region="DE")
        record_corrections(session, rt.keyring, request_id, values, at=rt.clock.now(),
                           actor="staff:dpo")  # fmt: skip
    assert _carry_out(rt, request_id) == ("shop",)
    assert crm.scalar(f"SELECT COUNT(*) FROM contacts WHERE email = '{NEW_EMAIL}'") == 1
    clock = rt.clock
    assert isinstance(clock, FrozenClock)
    with rt.session() as session:
        [task] = [t for t in request_tasks(session, request_id) if t.system == "shop"]
        assert task.state == "failed" and NEW_EMAIL not in (task.last_error or "")
        assert get_request(session, request_id).state == "in_progress"
        with pytest.raises(InvalidCorrections):  # a second correction waits for this one
            record_corrections(session, rt.keyring, request_id, values, at=clock.now(),
                               actor="staff:dpo")  # fmt: skip
    for _ in range(3):  # the retry job, after each back-off: attempts 2..4, then dead
        clock.advance(task.next_attempt_at - clock.now() if task.next_attempt_at else 0)
        _retry_round(rt)
        with rt.session() as session:
            [task] = [t for t in request_tasks(session, request_id) if t.system == "shop"]
    assert task.state == "dead_letter"
    shop.write(directory)  # fixed: the DPO requeues from the request's page
    rt.forget_connected_systems()
    with rt.session() as session:
        retry_now(session, rt.keyring, rt.connected_systems(), task.id, at=clock.now(),
                  actor="staff:dpo")  # fmt: skip
    with rt.session() as session:
        assert get_request(session, request_id).state == "completed"
        assert due_task_ids(session, at=clock.now()) == []
    assert shop.scalar("SELECT email FROM customers WHERE id = 1") == NEW_EMAIL


def test_the_sqlite_crm_takes_a_name_and_a_street(rt: Runtime) -> None:
    """The SQLite CRM alone (no server needed): the correction of a name and a street."""
    directory = rt.settings.resolved_connectors_dir
    write_crm(directory, [{"customer_number": "K-7", "email": EMAIL, "first_name": "Erica",
                           "last_name": "Muster", "street": "Alte Straße 1"}])  # fmt: skip
    contact_id = _erika(rt)
    request_id = _request(rt, contact_id, RequestType.RECTIFICATION)
    with rt.session() as session:
        values = validate_corrections({"given_name": "Erika", "street": "Neue Straße 5",
                                       "city": "Berlin"}, region="DE")  # fmt: skip
        record_corrections(session, rt.keyring, request_id, values, at=rt.clock.now(),
                           actor="staff:dpo")  # fmt: skip
    assert _carry_out(rt, request_id) == ()
    with sqlite3.connect(directory / "crm.sqlite") as db:
        assert db.execute("SELECT first_name, last_name, street FROM contacts").fetchall() == [
            ("Erika", "Muster", "Neue Straße 5")
        ]
    with rt.session() as session:
        [task] = request_tasks(session, request_id)
        assert task.result["done"]["skipped"] == {"city": "no field of this system holds it"}


def test_a_rejected_correction_keeps_no_values(rt: Runtime) -> None:
    """Closing the request ends the purpose of the values waiting on it (Art. 5(1)(e))."""
    request_id = _request(rt, _erika(rt), RequestType.RECTIFICATION)
    with rt.session() as session:
        values = validate_corrections({"street": "Neue Straße 5"}, region="DE")
        record_corrections(session, rt.keyring, request_id, values, at=rt.clock.now(),
                           actor="staff:dpo")  # fmt: skip
        assert recorded_corrections(session, rt.keyring, request_id) == values
        reject_request(session, request_id, "identity not confirmed", at=rt.clock.now(),
                       actor="staff:dpo", code="identity")  # fmt: skip
    with rt.session() as session:
        assert get_request(session, request_id).corrections_ciphertext is None
        assert recorded_corrections(session, rt.keyring, request_id) == {}
