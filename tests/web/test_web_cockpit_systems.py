"""The cockpit's "Connected systems" page and a request's progress per system: health
asked at most once a minute, open tasks with retry/requeue for the DPO (the auditor reads
only), everything from definitions and remote systems escaped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.connectors.registry import ConnectorSet
from sphere.domain import FrozenClock, IdentityKind
from sphere.portal.requests import carry_out, verify_request
from sphere.rights.requests import RequestType, open_request
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_session_factory
from sphere.storage.repositories.contacts import ContactRepository
from tests.web.conftest import csrf_in

SHOP = Path(__file__).parents[1] / "fixtures" / "connectors" / "shop.yaml"
EVIL = "<script>alert(1)</script>"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shop's definition pointed at a closed port (down), its name hostile."""
    directory = tmp_path / "connectors"
    directory.mkdir()
    text = SHOP.read_text(encoding="utf-8").replace("  port: 3306\n", "  port: 1\n")
    text = text.replace("  password_env: SHOP_DB_PASSWORD\n", "  connect_timeout: 1\n")
    text = text.replace("name: Webshop (MariaDB)", f"name: '{EVIL}'")
    text = text.replace("  max_attempts: 4\n", "  max_attempts: 2\n")
    (directory / "shop.yaml").write_text(text, encoding="utf-8")
    return settings.model_copy(update={"connectors_dir": directory})


@pytest.fixture
def erasure(settings: Settings, fresh_engine: Engine, clock: FrozenClock) -> str:
    """An erasure request carried out while the shop is down: its task failed once."""
    rt = Runtime(settings, fresh_engine, make_session_factory(fresh_engine),
                 Keyring.from_settings(settings), clock)  # fmt: skip
    try:
        policy, systems = rt.policy(), rt.connected_systems()
        with rt.session() as session:
            contacts = ContactRepository(session, rt.keyring)
            contact = contacts.create(at=clock.now())
            contacts.add_identity(contact.id, IdentityKind.EMAIL, "e@example.org", at=clock.now())
            request = open_request(session, rt.keyring, contact.id, RequestType.ERASURE,
                                   at=clock.now(), actor="dpo")  # fmt: skip
            verify_request(session, request.id, at=clock.now(), actor="dpo")
            carry_out(session, rt.keyring, policy, request.id, at=clock.now(),
                      actor="dpo", systems=systems)  # fmt: skip
        return request.id
    finally:
        rt.close()


def test_dpo_sees_health_and_failed_task_and_retries_into_dead_letter(
    client: TestClient,
    erasure: str,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    health = ConnectorSet.health
    monkeypatch.setattr(ConnectorSet, "health", lambda self: asked.append(1) or health(self))
    make_user("dpo@example.com", role=Role.DPO)
    api_login("dpo@example.com")
    page = client.get("/cockpit/systems")
    assert page.status_code == 200
    assert EVIL not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "unreachable" in page.text and "failed, will be retried" in page.text
    assert f"/cockpit/requests/{erasure}/systems" in page.text
    client.get("/cockpit/systems")
    assert len(asked) == 1  # the health answer is kept for a minute
    client.get("/cockpit/systems?fresh=1")
    assert len(asked) == 2
    # the request's page: planned → attempt failed, with the error; still in progress
    progress = client.get(f"/cockpit/requests/{erasure}/systems")
    assert progress.status_code == 200
    text = progress.text
    assert text.index("planned") < text.index("attempt failed") and "task-error" in text
    assert "in progress" in text
    # retry now: the second attempt fails too and exhausts max_attempts (2)
    retried = client.post(
        f"/cockpit/requests/{erasure}/systems/{_task_id(text)}/retry",
        data={"csrf_token": csrf_in(text)},
        follow_redirects=False,
    )
    assert retried.status_code == 303
    after = client.get(retried.headers["location"]).text
    assert "dead letter: needs you" in after and "attempts exhausted" in after
    assert "Requeue and retry" in after
    assert "dead letter: needs you" in client.get("/cockpit/systems").text


def _task_id(html: str) -> str:
    start = html.index("/systems/", html.index('action="/cockpit/requests/')) + len("/systems/")
    return html[start : html.index("/retry", start)]


def test_auditor_reads_without_actions(
    client: TestClient,
    erasure: str,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
) -> None:
    make_user("auditor@example.com", role=Role.AUDITOR)
    csrf = api_login("auditor@example.com")
    page = client.get("/cockpit/systems")
    assert page.status_code == 200 and "/retry" not in page.text and "Read only" in page.text
    progress = client.get(f"/cockpit/requests/{erasure}/systems")
    assert progress.status_code == 200 and "/retry" not in progress.text
    refused = client.post(
        "/cockpit/systems/tasks/x/retry", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert refused.status_code == 403


def test_german_page(
    client: TestClient, erasure: str, make_user: Callable[..., str], api_login: Callable[..., str]
) -> None:
    make_user("dpo@example.com", role=Role.DPO)
    api_login("dpo@example.com")
    client.get("/portal/lang/de?next=/cockpit/systems")
    page = client.get("/cockpit/systems").text
    assert "Angebundene Systeme" in page and "Art. 17 Abs. 1 DSGVO" in page
    assert "Art. 19 DSGVO" in page and "nicht erreichbar" in page
    progress = client.get(f"/cockpit/requests/{erasure}/systems").text
    assert "geplant" in progress and "Versuch fehlgeschlagen" in progress
