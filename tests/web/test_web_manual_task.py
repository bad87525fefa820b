"""The manual system owner's confirmation page (``/tasks/confirm/<token>``): reached from
the e-mail sent through a real SMTP server on loopback, it shows what to do and whom it
concerns (escaped), in German and English, takes the confirmation once, and refuses the
used link afterwards."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.consent.ledger import withdraw
from sphere.domain import FrozenClock, IdentityKind, Purpose
from sphere.portal.requests import carry_out, verify_request
from sphere.rights.requests import RequestType, get_request, open_request
from sphere.rights.systems import attempt_task, due_task_ids
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_session_factory, session_scope
from sphere.storage.repositories.contacts import ContactRepository
from tests.smtp import Inbox, loopback_smtp

EVIL = "<script>alert(1)</script>"
PERSON = "erika.muster@example.org"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with loopback_smtp() as (box, port):
        monkeypatch.setenv("SPHERE_WEB_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SPHERE_WEB_SMTP_PORT", str(port))
        yield box


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    directory = tmp_path / "connectors"
    directory.mkdir()
    (directory / "paper.yaml").write_text(
        "system: paper\nname: Kundenakten\nkind: manual\nmanual:\n"
        "  owner: buchhaltung@example.com\n  language: en\n"
        f"  erasure: 'Shred the file in cabinet B {EVIL}'\n",
        encoding="utf-8",
    )
    return settings.model_copy(update={"connectors_dir": directory})


def _erasure(
    settings: Settings, engine: Engine, clock: FrozenClock, inbox: Inbox
) -> tuple[str, str]:
    rt = Runtime(settings, engine, make_session_factory(engine), Keyring.from_settings(settings),
                 clock)  # fmt: skip
    try:
        policy, systems = rt.policy(), rt.connected_systems()  # outside the write transaction
        with rt.session() as session:
            contacts = ContactRepository(session, rt.keyring)
            contact = contacts.create(at=clock.now())
            contacts.add_identity(contact.id, IdentityKind.EMAIL, PERSON, at=clock.now())
            request = open_request(session, rt.keyring, contact.id, RequestType.ERASURE,
                                   at=clock.now(), actor="dpo")  # fmt: skip
            verify_request(session, request.id, at=clock.now(), actor="dpo")
            carry_out(session, rt.keyring, policy, request.id, at=clock.now(),
                      actor="dpo", systems=systems)  # fmt: skip
    finally:
        rt.close()
    [mail] = inbox.messages
    match = re.search(r"/tasks/confirm/(\S+)", mail.get_content())
    assert match is not None
    return request.id, match.group(1)


def test_the_owner_confirms_once_in_english_and_german(
    client: TestClient, settings: Settings, fresh_engine: Engine, clock: FrozenClock, inbox: Inbox
) -> None:
    request_id, token = _erasure(settings, fresh_engine, clock, inbox)
    page = client.get(f"/tasks/confirm/{token}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert EVIL not in page.text and "&lt;script&gt;" in page.text
    assert PERSON in page.text and "Art. 17 GDPR" in page.text
    german = client.get(f"/tasks/confirm/{token}", headers={"Accept-Language": "de"})
    assert "Datenschutz-Aufgabe für Kundenakten" in german.text
    assert "Art. 17 DSGVO" in german.text and "Betroffene Person" in german.text
    missing = client.post(f"/tasks/confirm/{token}", data={"outcome": "kept"})
    assert missing.status_code == 422  # "kept" needs its reason: the form again
    done = client.post(f"/tasks/confirm/{token}", data={"outcome": "kept",
                       "reason": "Aufbewahrungspflicht § 147 AO"})  # fmt: skip
    assert done.status_code == 200 and "Thank you" in done.text
    with session_scope(make_session_factory(fresh_engine)) as session:
        assert get_request(session, request_id).state == "completed"
    again = client.get(f"/tasks/confirm/{token}")
    assert again.status_code == 404 and PERSON not in again.text
    assert client.post(f"/tasks/confirm/{token}", data={"outcome": "done"}).status_code == 404
    assert client.get("/tasks/confirm/made-up-token").status_code == 404


def test_a_failed_consent_event_task_is_listed_for_the_dpo(
    client: TestClient,
    settings: Settings,
    fresh_engine: Engine,
    clock: FrozenClock,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A withdrawal outside any request whose recipient is down: its dead letter is on
    the systems page (no request to link to) and can be retried from there."""
    monkeypatch.setenv("NEWSLETTER_WEBHOOK_SECRET", "whsec-test-0123456789abcdef")
    (settings.resolved_connectors_dir / "newsletter.yaml").write_text(
        "system: newsletter\nname: Newsletter tool\nkind: webhook\nwebhook:\n"
        "  url: http://127.0.0.1:1/hook\n  secret_env: NEWSLETTER_WEBHOOK_SECRET\n"
        "  events: [consent]\n  timeout: 1\nretry: {max_attempts: 1}\n",
        encoding="utf-8",
    )
    rt = Runtime(settings, fresh_engine, make_session_factory(fresh_engine),
                 Keyring.from_settings(settings), clock)  # fmt: skip
    try:
        systems = rt.connected_systems()
        with rt.session() as session:
            contacts = ContactRepository(session, rt.keyring)
            contact = contacts.create(at=clock.now())
            contacts.add_identity(contact.id, IdentityKind.EMAIL, PERSON, at=clock.now())
            withdraw(session, rt.keyring, contact.id, Purpose.DIRECT_MARKETING,
                     channel="portal", at=clock.now(), actor="portal")  # fmt: skip
        with rt.session() as session:
            [task_id] = due_task_ids(session, at=clock.now())
            attempt_task(session, rt.keyring, systems, task_id, at=clock.now(), actor="retry")
    finally:
        rt.close()
    make_user("dpo@example.com", role=Role.DPO)
    api_login("dpo@example.com")
    page = client.get("/cockpit/systems", headers={"Accept-Language": "de"})
    assert page.status_code == 200
    assert "Einwilligungsänderung außerhalb eines Antrags" in page.text
    assert f"/cockpit/systems/tasks/{task_id}/retry" in page.text
    assert PERSON not in page.text
