"""Rectification, restriction and consent changes across the connected systems, and
manual tasks: a rectification reaches the PostgreSQL CRM while the MariaDB shop is down
(retried with back-off, dead-lettered, the request stays open until the DPO requeues
it); a restriction request completes only with its last system; a consent withdrawal
outside any request reaches the CRM and a webhook recipient (signed); a manual system's
owner is e-mailed through a real SMTP server on loopback and confirms through the
one-time link (reuse and expiry refused; overdue becomes a dead letter)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sphere.connectors.definition import ManualDefinition
from sphere.connectors.loader import load_connector_text
from sphere.consent.ledger import grant, withdraw
from sphere.domain import FrozenClock, IdentityKind, Purpose
from sphere.errors import ConnectorError, InvalidInput, NotFound
from sphere.portal.requests import carry_out, verify_request
from sphere.rights.controls import object_to_processing
from sphere.rights.rectification import Correction, check_value, rectify_everywhere
from sphere.rights.requests import RequestType, get_request, open_request, require_ready
from sphere.rights.systems import (
    attempt_task,
    complete_unless_open,
    confirm_manual,
    due_task_ids,
    event_tasks,
    failures,
    manual_view,
    mark_overdue,
    request_steps,
    request_tasks,
    retry_now,
)
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.contacts import ContactRepository
from tests.integration.connectors.conftest import LiveSystem
from tests.integration.connectors.test_webhook import SECRET, Receiver
from tests.runtimes import runtime_for_tests
from tests.smtp import Inbox, loopback_smtp

EMAIL = "erika.muster@example.org"
NEW_EMAIL = "erika.neu@example.org"
OWNER = "buchhaltung@example.com"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on loopback; the runtime sends owners' e-mails there."""
    with loopback_smtp() as (box, port):
        monkeypatch.setenv("SPHERE_WEB_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SPHERE_WEB_SMTP_PORT", str(port))
        monkeypatch.setenv("SPHERE_WEB_PUBLIC_URL", "https://privacy.example.com")
        yield box


@pytest.fixture
def rt(
    settings: Settings, migrated_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    monkeypatch.setenv("NEWSLETTER_WEBHOOK_SECRET", SECRET)
    settings = settings.model_copy(update={"connectors_dir": tmp_path / "connectors"})
    with runtime_for_tests(settings, migrated_db_url, sources=(), clock=FrozenClock()) as r:
        r.settings.resolved_connectors_dir.mkdir(parents=True, exist_ok=True)
        yield r


def _erika(rt: Runtime) -> str:
    with rt.session() as session:
        contacts = ContactRepository(session, rt.keyring)
        contact = contacts.create(at=rt.clock.now())
        contacts.add_identity(contact.id, IdentityKind.EMAIL, EMAIL, at=rt.clock.now())
        contacts.add_identity(contact.id, IdentityKind.PHONE, "+4930123456", at=rt.clock.now())
        return contact.id


def _newsletter(rt: Runtime, receiver: Receiver, *events: str) -> None:
    """The newsletter tool as a signed-webhook recipient of ``events``, on the test clock."""
    (rt.settings.resolved_connectors_dir / "newsletter.yaml").write_text(
        "system: newsletter\nname: Newsletter tool\nkind: webhook\n"
        f"webhook:\n  url: {receiver.url}\n  secret_env: NEWSLETTER_WEBHOOK_SECRET\n"
        f"  events: [{', '.join(events)}]\n",
        encoding="utf-8",
    )
    receiver.now = lambda: int(rt.clock.now().timestamp())


def _retry_round(rt: Runtime) -> None:
    """What the retry job does once: attempt every task that is due."""
    systems = rt.connected_systems()
    with rt.session() as session:
        for task_id in due_task_ids(session, at=rt.clock.now()):
            attempt_task(session, rt.keyring, systems, task_id, at=rt.clock.now(),
                         actor="system:retry")  # fmt: skip


def _request(rt: Runtime, contact_id: str, kind: RequestType) -> str:
    with rt.session() as session:
        request = open_request(session, rt.keyring, contact_id, kind, at=rt.clock.now(),
                               actor="dpo")  # fmt: skip
        verify_request(session, request.id, at=rt.clock.now(), actor="dpo")
        return request.id


def _rectify_email(rt: Runtime, contact_id: str, request_id: str) -> tuple[str, ...]:
    """What `sphere dsr rectify --kind email --old … --new …` does: Sphere, then every
    system (``rights.rectification``, the service the cockpit and the portal use too)."""
    now = rt.clock.now()
    with rt.session() as session:
        require_ready(session, request_id, (RequestType.RECTIFICATION,), at=now, actor="dpo")
        correction = Correction("email", check_value("email", NEW_EMAIL, region="DE"), old=EMAIL)
        rectify_everywhere(session, rt.keyring, rt.connected_systems(), request_id, [correction],
                           at=now, actor="dpo")  # fmt: skip
        return complete_unless_open(session, rt.keyring, request_id, {"rectified": 1}, at=now,
                                    actor="dpo")  # fmt: skip


def _manual(directory: Path, **extra: str) -> None:
    (directory / "paper.yaml").write_text(
        "system: paper\nname: Kundenakten (Papier)\nkind: manual\nmanual:\n"
        f"  owner: {OWNER}\n  due_days: 7\n  language: de\n"
        "  erasure: Die Akte aus Schrank B entnehmen und schreddern.\n"
        "  restriction: Die Akte mit dem roten Sperrvermerk versehen.\n"
        "retry: {max_attempts: 2, backoff_seconds: 60}\n",
        encoding="utf-8",
    )


@pytest.mark.mariadb
@pytest.mark.postgres
def test_rectification_with_the_shop_down_is_retried_dead_lettered_and_stays_open(
    rt: Runtime, shop: LiveSystem, crm: LiveSystem
) -> None:
    directory = rt.settings.resolved_connectors_dir
    shop.write(directory, **{"  port: 3306\n": "  port: 1\n  connect_timeout: 1\n"})
    crm.write(directory)
    contact_id = _erika(rt)
    request_id = _request(rt, contact_id, RequestType.RECTIFICATION)
    assert _rectify_email(rt, contact_id, request_id) == ("shop",)  # partial failure
    assert crm.scalar(f"SELECT COUNT(*) FROM contacts WHERE email = '{NEW_EMAIL}'") == 1
    assert crm.scalar(f"SELECT COUNT(*) FROM contacts WHERE email = '{EMAIL}'") == 0
    clock = rt.clock
    assert isinstance(clock, FrozenClock)
    systems = rt.connected_systems()
    for _ in range(3):  # attempts 2..4, each after its back-off
        with rt.session() as session:
            [shop_task] = [t for t in request_tasks(session, request_id) if t.system == "shop"]
            assert shop_task.state == "failed" and shop_task.next_attempt_at is not None
            assert EMAIL not in (shop_task.last_error or "")
            assert NEW_EMAIL not in (shop_task.last_error or "")
            clock.advance(shop_task.next_attempt_at - clock.now())
            for task_id in due_task_ids(session, at=clock.now()):
                attempt_task(session, rt.keyring, systems, task_id, at=clock.now(), actor="retry")
    with rt.session() as session:
        tasks = {t.system: t for t in request_tasks(session, request_id)}
        assert (tasks["shop"].action, tasks["shop"].state) == ("rectification", "dead_letter")
        assert tasks["crm"].state == "done"
        assert [t.system for t in failures(session)] == ["shop"]
        assert get_request(session, request_id).state == "in_progress"
        assert "rectification_dead_letter" in [
            s.action for s in request_steps(session, request_id)["shop"]
        ]

    # The DPO fixes the shop's connection and retries: the shop is rectified, the request
    # completes, the identifiers' key (which held the new value too) is gone.
    shop.write(directory)
    rt.forget_connected_systems()
    with rt.session() as session:
        retry_now(session, rt.keyring, rt.connected_systems(), tasks["shop"].id, at=clock.now(),
                  actor="dpo")  # fmt: skip
    with rt.session() as session:
        assert get_request(session, request_id).state == "completed"
        assert {t.identifiers_ciphertext for t in request_tasks(session, request_id)} == {None}
    assert shop.scalar(f"SELECT COUNT(*) FROM customers WHERE email = '{NEW_EMAIL}'") == 1


@pytest.mark.mariadb
@pytest.mark.postgres
def test_a_restriction_request_reaches_every_system_and_completes_with_the_last(
    rt: Runtime, shop: LiveSystem, crm: LiveSystem
) -> None:
    directory = rt.settings.resolved_connectors_dir
    shop.write(directory)
    crm.write(directory)
    contact_id = _erika(rt)
    request_id = _request(rt, contact_id, RequestType.RESTRICTION)
    with rt.session() as session:
        done = carry_out(session, rt.keyring, rt.policy(), request_id, at=rt.clock.now(),
                         actor="dpo", systems=rt.connected_systems())  # fmt: skip
    assert done.open_systems == ()
    with rt.session() as session:
        assert get_request(session, request_id).state == "completed"
        assert {(t.system, t.action, t.state) for t in request_tasks(session, request_id)} == {
            ("crm", "restriction", "done"),
            ("shop", "restriction", "done"),
        }
    assert crm.scalar(f"SELECT restricted FROM contacts WHERE email = '{EMAIL}'") is True
    assert shop.scalar(f"SELECT processing_restricted FROM customers WHERE email = '{EMAIL}'") == 1


@pytest.mark.postgres
def test_a_withdrawal_outside_any_request_reaches_the_crm_and_the_webhook_signed(
    rt: Runtime, crm: LiveSystem
) -> None:
    receiver = Receiver()
    try:
        directory = rt.settings.resolved_connectors_dir
        crm.write(directory)
        _newsletter(rt, receiver, "consent", "objection")
        crm.scalar("UPDATE contacts SET marketing_opt_in = true RETURNING 1")
        contact_id = _erika(rt)
        with rt.session() as session:  # the portal's consent toggle ends here
            entry, _ = withdraw(session, rt.keyring, contact_id, Purpose.DIRECT_MARKETING,
                                channel="portal", at=rt.clock.now(), actor="portal")  # fmt: skip
            planned = event_tasks(session, entry.id)
        assert {(t.system, t.action, t.state) for t in planned} == {
            ("crm", "preference", "pending"),
            ("newsletter", "notify", "pending"),
        }
        assert receiver.received == []  # nothing left Sphere inside the withdrawal
        systems = rt.connected_systems()
        with rt.session() as session:  # the retry job's round
            for task_id in due_task_ids(session, at=rt.clock.now()):
                attempt_task(session, rt.keyring, systems, task_id, at=rt.clock.now(),
                             actor="system:retry")  # fmt: skip
        [got] = receiver.received
        assert got["valid"]
        event: dict[str, Any] = got["event"]
        assert (event["type"], event["purposes"], event["state"]) == (
            "consent.carried_out",
            ["direct_marketing"],
            "withdrawn",
        )
        assert event["legal_basis"] == "Art. 7(3) GDPR" and event["request_id"] is None
        assert event["subject"]["email"] == [EMAIL]
        assert crm.scalar(f"SELECT marketing_opt_in FROM contacts WHERE email = '{EMAIL}'") is False
        with rt.session() as session:
            tasks = event_tasks(session, entry.id)
            assert {t.state for t in tasks} == {"done"}
            assert {t.identifiers_ciphertext for t in tasks} == {None}  # key destroyed
    finally:
        receiver.close()


def test_a_consent_given_reaches_the_crm_and_the_webhook_with_its_legal_basis(
    rt: Runtime, crm: LiveSystem
) -> None:
    """The opt-in travels too (Art. 7(1)): a marketing tool that only hears of withdrawals
    cannot tell a new subscriber from someone it must not write to."""
    receiver = Receiver()
    try:
        directory = rt.settings.resolved_connectors_dir
        crm.write(directory)
        _newsletter(rt, receiver, "consent")
        crm.scalar("UPDATE contacts SET marketing_opt_in = false RETURNING 1")
        contact_id = _erika(rt)
        with rt.session() as session:  # the portal's consent toggle, switched on
            entry = grant(session, contact_id, Purpose.DIRECT_MARKETING, channel="portal",
                          at=rt.clock.now(), actor="portal")  # fmt: skip
            planned = event_tasks(session, entry.id)
        assert {(t.system, t.action) for t in planned} == {
            ("crm", "preference"),
            ("newsletter", "notify"),
        }
        _retry_round(rt)
        [got] = receiver.received
        assert got["valid"]
        event: dict[str, Any] = got["event"]
        assert (event["state"], event["purposes"]) == ("given", ["direct_marketing"])
        assert event["legal_basis"] == "Art. 6(1)(a), Art. 7(1) GDPR"
        assert crm.scalar(f"SELECT marketing_opt_in FROM contacts WHERE email = '{EMAIL}'") is True
    finally:
        receiver.close()


def test_a_manual_task_is_mailed_waits_and_is_confirmed_once(rt: Runtime, inbox: Inbox) -> None:
    _manual(rt.settings.resolved_connectors_dir)
    contact_id = _erika(rt)
    request_id = _request(rt, contact_id, RequestType.ERASURE)
    systems = rt.connected_systems()
    with rt.session() as session:
        done = carry_out(session, rt.keyring, rt.policy(), request_id, at=rt.clock.now(),
                         actor="dpo", systems=systems)  # fmt: skip
    assert done.open_systems == ("paper",)
    [mail] = inbox.messages
    assert mail["To"] == OWNER
    assert mail["Subject"].startswith("Datenschutz-Aufgabe für Kundenakten (Papier)")
    body = mail.get_content()
    assert "Art. 17 DSGVO" in body and "Schrank B" in body
    assert EMAIL not in body  # whom it concerns is only behind the link
    token = re.search(r"https://privacy\.example\.com/tasks/confirm/(\S+)", body).group(1)
    with rt.session() as session:
        [task] = request_tasks(session, request_id)
        assert (task.state, task.action) == ("waiting", "manual")
        assert task.token_hash and token not in task.token_hash
        assert task.due_at == rt.clock.now() + timedelta(days=7)
        assert get_request(session, request_id).state == "in_progress"
        view = manual_view(session, rt.keyring, systems, token, at=rt.clock.now())
        assert ("email", EMAIL) in view.identifiers and view.operation == "erasure"
        with pytest.raises(InvalidInput):
            confirm_manual(session, rt.keyring, token, "kept", at=rt.clock.now())  # no reason
    with rt.session() as session:
        confirm_manual(session, rt.keyring, token, "done", at=rt.clock.now())
    with rt.session() as session:
        assert get_request(session, request_id).state == "completed"
        [task] = request_tasks(session, request_id)
        assert (task.state, task.token_hash) == ("done", None)
        assert task.result["done"]["manual"] == "done"
        assert "manual_confirmed" in [s.action for s in request_steps(session, request_id)["paper"]]
        with pytest.raises(NotFound):  # the link works once
            confirm_manual(session, rt.keyring, token, "done", at=rt.clock.now())


def test_an_overdue_manual_task_is_a_dead_letter_and_an_expired_link_is_refused(
    rt: Runtime, inbox: Inbox
) -> None:
    _manual(rt.settings.resolved_connectors_dir)
    request_id = _request(rt, _erika(rt), RequestType.RESTRICTION)
    with rt.session() as session:
        carry_out(session, rt.keyring, rt.policy(), request_id, at=rt.clock.now(), actor="dpo",
                  systems=rt.connected_systems())  # fmt: skip
    [mail] = inbox.messages
    token = re.search(r"/tasks/confirm/(\S+)", mail.get_content()).group(1)
    clock = rt.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(days=8))
    with rt.session() as session:
        [marked] = mark_overdue(session, at=clock.now(), actor="system:retry")
        assert marked.state == "dead_letter" and "overdue" in (marked.last_error or "")
        assert [t.system for t in failures(session)] == ["paper"]
        assert get_request(session, request_id).state == "in_progress"
    clock.advance(timedelta(days=14))  # the link's grace after the due date has passed
    with rt.session() as session, pytest.raises(NotFound):
        confirm_manual(session, rt.keyring, token, "done", at=clock.now())


def test_smtp_down_retries_the_owners_mail(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPHERE_WEB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SPHERE_WEB_SMTP_PORT", "1")  # nobody listens
    _manual(rt.settings.resolved_connectors_dir)
    request_id = _request(rt, _erika(rt), RequestType.ERASURE)
    with rt.session() as session:
        carry_out(session, rt.keyring, rt.policy(), request_id, at=rt.clock.now(), actor="dpo",
                  systems=rt.connected_systems())  # fmt: skip
        [task] = request_tasks(session, request_id)
    assert (task.state, task.attempts) == ("failed", 1)
    assert "SMTP" in (task.last_error or "") and task.token_hash is None


def test_a_manual_definition_is_checked_at_its_line() -> None:
    base = "system: paper\nkind: manual\nmanual:\n  owner: buchhaltung@example.com\n"
    with pytest.raises(ConnectorError, match=r"paper.yaml:3:1: .*at least one operation"):
        load_connector_text(base, source="paper.yaml")
    with pytest.raises(ConnectorError, match=r":4:10: .*owner's e-mail address"):
        load_connector_text(base.replace("buchhaltung@example.com", "nobody"), source="p.yaml")
    with pytest.raises(ConnectorError, match=r"'due_days' must be 1..30"):
        load_connector_text(base + "  erasure: x\n  due_days: 90\n", source="p.yaml")
    spec = load_connector_text(base + "  erasure: Schreddern.\n", source="p.yaml")
    assert isinstance(spec, ManualDefinition) and spec.spec.instruction("erasure") == "Schreddern."


def test_an_objection_from_any_channel_reaches_the_webhook_recipient(rt: Runtime) -> None:
    receiver = Receiver()
    try:
        _newsletter(rt, receiver, "objection")
        contact_id = _erika(rt)
        with rt.session() as session:  # e.g. a "STOP" reply or a GPC signal
            object_to_processing(session, rt.keyring, contact_id, at=rt.clock.now(),
                                 actor="system:opt-out", channel="reply-keyword")  # fmt: skip
        _retry_round(rt)
        [got] = receiver.received
        event = got["event"]
        assert got["valid"] and event["type"] == "objection.carried_out"
        assert event["state"] == "objected" and "direct_marketing" in event["purposes"]
        assert event["legal_basis"] == "Art. 21 GDPR"
    finally:
        receiver.close()
