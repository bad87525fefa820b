"""Webhooks out: a recipient (a real HTTP server on loopback, run by the test) is told of
an erasure with a signed POST it verifies (HMAC-SHA256 over ``t.body``); a recipient
that answers 500 is retried with back-off and dead-lettered, the request staying open;
a definition without a secret source is refused at its line."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sphere.connectors.loader import load_connector_text
from sphere.connectors.webhook import verify
from sphere.domain import FrozenClock, IdentityKind
from sphere.errors import ConnectorError
from sphere.portal.requests import carry_out, verify_request
from sphere.rights.requests import RequestType, get_request, open_request
from sphere.rights.systems import attempt_task, request_steps, request_tasks
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.contacts import ContactRepository
from tests.runtimes import runtime_for_tests

SECRET = "whsec-test-0123456789abcdef"
EMAIL = "erika.muster@example.org"


class Receiver:
    """A real HTTP server on 127.0.0.1 that checks each signature it receives."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.now: Callable[[], int] = lambda: int(time.time())  # the sender's clock
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify(SECRET.encode(), self.headers["Sphere-Signature"], body,
                            now=receiver.now())  # fmt: skip
                receiver.received.append(
                    {"valid": ok, "event": json.loads(body), "id": self.headers["Sphere-Event-Id"]}
                )
                self.send_response(receiver.status if ok else 401)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sphere-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _definition(url: str, **extra: str) -> str:
    return (
        "system: newsletter\nname: Newsletter tool\nkind: webhook\n"
        f"webhook:\n  url: {url}\n  secret_env: NEWSLETTER_WEBHOOK_SECRET\n"
        "  events: [erasure, restriction]\n  timeout: 5\n"
        "retry:\n  max_attempts: 2\n  backoff_seconds: 60\n"
    )


@pytest.fixture
def rt(
    settings: Settings, migrated_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    monkeypatch.setenv("NEWSLETTER_WEBHOOK_SECRET", SECRET)
    settings = settings.model_copy(update={"connectors_dir": tmp_path / "connectors"})
    with runtime_for_tests(settings, migrated_db_url, sources=(), clock=FrozenClock()) as r:
        yield r


def _erase(rt: Runtime, receiver: Receiver, kind: RequestType = RequestType.ERASURE) -> str:
    receiver.now = lambda: int(rt.clock.now().timestamp())  # Sphere's (frozen) clock
    policy, systems = rt.policy(), rt.connected_systems()
    with rt.session() as session:
        contacts = ContactRepository(session, rt.keyring)
        contact = contacts.create(at=rt.clock.now())
        contacts.add_identity(contact.id, IdentityKind.EMAIL, EMAIL, at=rt.clock.now())
        request = open_request(session, rt.keyring, contact.id, kind,
                               at=rt.clock.now(), actor="dpo")  # fmt: skip
        verify_request(session, request.id, at=rt.clock.now(), actor="dpo")
        carry_out(session, rt.keyring, policy, request.id, at=rt.clock.now(), actor="dpo",
                  systems=systems)  # fmt: skip
    return request.id


def test_the_recipient_is_told_of_the_erasure_signed(rt: Runtime, receiver: Receiver) -> None:
    directory = rt.settings.resolved_connectors_dir
    directory.mkdir()
    (directory / "newsletter.yaml").write_text(_definition(receiver.url), encoding="utf-8")
    request_id = _erase(rt, receiver)
    [got] = receiver.received
    assert got["valid"] and got["event"]["type"] == "erasure.carried_out"
    assert got["event"]["subject"] == {"email": [EMAIL]}
    assert got["event"]["request_id"] == request_id and got["id"] == got["event"]["id"]
    with rt.session() as session:
        [task] = request_tasks(session, request_id)
        assert (task.system, task.action, task.state) == ("newsletter", "notify", "done")
        assert task.identifiers_ciphertext is None  # the request completed: key destroyed
        assert get_request(session, request_id).state == "completed"
        steps = [s.action for s in request_steps(session, request_id)["newsletter"]]
    assert steps == ["notify_planned", "notified"]


def test_a_failing_recipient_is_retried_then_dead_lettered(rt: Runtime, receiver: Receiver) -> None:
    receiver.status = 500
    directory = rt.settings.resolved_connectors_dir
    directory.mkdir()
    (directory / "newsletter.yaml").write_text(_definition(receiver.url), encoding="utf-8")
    request_id = _erase(rt, receiver)
    with rt.session() as session:
        [task] = request_tasks(session, request_id)
    assert task.state == "failed" and "HTTP 500" in (task.last_error or "")
    assert task.next_attempt_at == rt.clock.now() + timedelta(seconds=60)
    with rt.session() as session:
        task = attempt_task(session, rt.keyring, rt.connected_systems(), task.id,
                            at=rt.clock.now() + timedelta(seconds=61), actor="jobs")  # fmt: skip
        assert task.state == "dead_letter"
        assert get_request(session, request_id).state == "in_progress"
    assert len(receiver.received) == 2 and all(r["valid"] for r in receiver.received)
    assert receiver.received[0]["id"] == receiver.received[1]["id"]  # same event id


def test_a_secret_in_the_file_or_none_is_refused() -> None:
    text = _definition("https://hooks.example/x").replace(
        "  secret_env: NEWSLETTER_WEBHOOK_SECRET\n", ""
    )
    with pytest.raises(ConnectorError, match="secret_env or secret_file"):
        load_connector_text(text, source="newsletter.yaml")
    with pytest.raises(ConnectorError, match="secret"):
        load_connector_text(text.replace("  events:", "  secret: hunter2\n  events:"))


def test_a_restriction_is_told_and_the_identifiers_key_goes(
    rt: Runtime, receiver: Receiver
) -> None:
    directory = rt.settings.resolved_connectors_dir
    directory.mkdir()
    (directory / "newsletter.yaml").write_text(_definition(receiver.url), encoding="utf-8")
    request_id = _erase(rt, receiver, RequestType.RESTRICTION)
    [got] = receiver.received
    assert got["valid"] and got["event"]["type"] == "restriction.carried_out"
    assert got["event"]["legal_basis"] == "Art. 18, Art. 19 GDPR"
    with rt.session() as session:
        [task] = request_tasks(session, request_id)
        assert (task.action, task.state, task.identifiers_ciphertext) == ("notify", "done", None)
        assert get_request(session, request_id).state == "completed"
