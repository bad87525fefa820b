"""JSON API of the data-subject request queue: deadlines, actions, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.domain import FrozenClock
from sphere.portal.requests import verify_request
from sphere.rights.requests import RequestType, open_request
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_session_factory
from tests.integration.marketing.conftest import seed_contact

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def rt(settings: Settings, fresh_engine: Engine, clock: FrozenClock, tmp_path: Path) -> Runtime:
    settings.home.mkdir(parents=True, exist_ok=True)
    return Runtime(
        settings=settings,
        engine=fresh_engine,
        factory=make_session_factory(fresh_engine),
        keyring=Keyring.from_settings(settings),
        clock=clock,
    )


@pytest.fixture
def request_ids(rt: Runtime) -> Iterator[tuple[str, str]]:
    """An access request received today and an erasure request received 25 days ago."""
    anna = seed_contact(rt, email="anna.beispiel@example.com")
    ben = seed_contact(rt, email="ben.muster@example.org")
    with rt.session() as session:
        fresh = open_request(
            session, rt.keyring, "anna.beispiel@example.com", RequestType.ACCESS, at=NOW, actor="t"
        )
        old = open_request(
            session,
            rt.keyring,
            "ben.muster@example.org",
            RequestType.ERASURE,
            at=NOW - timedelta(days=25),
            actor="t",
        )
    assert anna != ben
    yield fresh.id, old.id


def _auth(make_token: Callable[..., str], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role)}"}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.DPO, 200),
        (Role.ADMIN, 200),
        (Role.AUDITOR, 200),
        (Role.AGENT, 200),
        (Role.MARKETER, 403),
    ],
)
def test_queue_read_by_role(
    client: TestClient,
    request_ids: tuple[str, str],
    make_token: Callable[..., str],
    role: Role,
    status: int,
) -> None:
    response = client.get("/api/v1/requests", headers=_auth(make_token, role))
    assert response.status_code == status
    if status == 200:
        rows = response.json()["requests"]
        # nearest deadline first: the erasure request received 25 days ago
        assert [r["id"] for r in rows] == [request_ids[1], request_ids[0]]
        assert rows[0]["deadline"] == "near"
        assert rows[1]["due_at"].startswith("2026-07-01")


def test_queue_needs_authentication(client: TestClient) -> None:
    assert client.get("/api/v1/requests").status_code == 401


def test_dpo_extends_and_rejects(
    client: TestClient, request_ids: tuple[str, str], make_token: Callable[..., str]
) -> None:
    headers = _auth(make_token, Role.DPO)
    fresh, old = request_ids
    extended = client.post(
        f"/api/v1/requests/{old}/extend",
        json={"reason": "many records in archives"},
        headers=headers,
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["extended_until"] is not None
    rejected = client.post(
        f"/api/v1/requests/{fresh}/reject",
        json={"reason": "repeated request", "code": "excessive"},
        headers=headers,
    )
    assert rejected.status_code == 200
    assert rejected.json()["state"] == "rejected"
    again = client.post(
        f"/api/v1/requests/{fresh}/reject", json={"reason": "again"}, headers=headers
    )
    assert again.status_code >= 400 and again.json()["ok"] is False


def test_dpo_completes_a_verified_request(
    client: TestClient, rt: Runtime, request_ids: tuple[str, str], make_token: Callable[..., str]
) -> None:
    fresh, _ = request_ids
    with rt.session() as session:
        verify_request(session, fresh, at=NOW, actor="dpo:test")
    response = client.post(
        f"/api/v1/requests/{fresh}/complete", headers=_auth(make_token, Role.DPO)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["request"]["state"] == "completed"
    assert body["counts"]["identities"] >= 1


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.AGENT, Role.MARKETER])
@pytest.mark.parametrize("action", ["extend", "complete", "reject"])
def test_only_dpo_and_admin_act(
    client: TestClient,
    request_ids: tuple[str, str],
    make_token: Callable[..., str],
    role: Role,
    action: str,
) -> None:
    response = client.post(
        f"/api/v1/requests/{request_ids[0]}/{action}",
        json={"reason": "no right to do this"},
        headers=_auth(make_token, role),
    )
    assert response.status_code == 403


def test_unknown_request_is_404_and_bad_reason_422(
    client: TestClient, request_ids: tuple[str, str], make_token: Callable[..., str]
) -> None:
    headers = _auth(make_token, Role.DPO)
    missing = client.post(
        "/api/v1/requests/does-not-exist/extend", json={"reason": "whatever"}, headers=headers
    )
    assert missing.status_code == 404
    short = client.post(
        f"/api/v1/requests/{request_ids[0]}/extend", json={"reason": "x"}, headers=headers
    )
    assert short.status_code == 422


def test_cookie_session_needs_csrf_for_actions(
    client: TestClient,
    request_ids: tuple[str, str],
    make_user: Callable[..., str],
    api_login: Callable[..., str],
) -> None:
    csrf = api_login(make_user("dpo1", Role.DPO))
    url = f"/api/v1/requests/{request_ids[0]}/extend"
    assert client.post(url, json={"reason": "archives"}).status_code == 403
    ok = client.post(url, json={"reason": "archives"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
