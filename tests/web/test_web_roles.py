"""Roles (auditor is read-only, marketers stay out of the cockpit) and API tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role, create_api_token, revoke_api_token
from sphere.domain.time import FrozenClock
from sphere.storage.db import make_session_factory, session_scope


@pytest.fixture
def default_yaml() -> str:
    from sphere.policy import default_policy_path

    return default_policy_path().read_text(encoding="utf-8")


def test_auditor_reads_cockpit_but_cannot_post(
    client: TestClient,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    default_yaml: str,
) -> None:
    make_user("auditor@example.com", Role.AUDITOR)
    csrf = api_login("auditor@example.com")
    assert client.get("/cockpit/").status_code == 200
    assert client.get("/cockpit/policy").status_code == 200
    response = client.post(
        "/api/v1/policy/validate", json={"yaml": default_yaml}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "role 'auditor' is read-only"
    # ending one's own session is allowed: it changes no data
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204


def test_dpo_may_post_what_auditor_may_not(
    client: TestClient,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    default_yaml: str,
) -> None:
    make_user("dpo@example.com", Role.DPO)
    csrf = api_login("dpo@example.com")
    response = client.post(
        "/api/v1/policy/validate", json={"yaml": default_yaml}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 200
    assert response.json()["ok"] is True


def test_cookie_post_without_csrf_header_is_refused(
    client: TestClient,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    default_yaml: str,
) -> None:
    make_user("dpo@example.com", Role.DPO)
    api_login("dpo@example.com")
    response = client.post("/api/v1/policy/validate", json={"yaml": default_yaml})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


@pytest.mark.parametrize("role", [Role.MARKETER, Role.AGENT], ids=["marketer", "agent"])
def test_non_dpo_roles_cannot_open_cockpit(
    client: TestClient, make_user: Callable[..., str], api_login: Callable[..., str], role: Role
) -> None:
    make_user("staff@example.com", role)
    api_login("staff@example.com")
    assert client.get("/api/v1/me").status_code == 200
    home = client.get("/cockpit/", follow_redirects=False)  # sent to their own page
    assert home.status_code == 303 and home.headers["location"] != "/cockpit/"
    for supervision_page in ("/cockpit/record", "/cockpit/findings", "/cockpit/audit"):
        page = client.get(supervision_page)
        assert page.status_code == 403
        assert "may not do this" in page.text


def test_api_token_authenticates_without_cookie_or_csrf(
    client: TestClient, make_token: Callable[..., str], default_yaml: str
) -> None:
    token = make_token(Role.DPO, name="policy-ci")
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json() == {
        "username": "token:policy-ci",
        "display_name": "",
        "role": "dpo",
        "via": "token",
        "must_change_password": False,
    }
    response = client.post("/api/v1/policy/validate", json={"yaml": default_yaml}, headers=headers)
    assert response.status_code == 200


def test_api_token_is_scoped_to_its_role(
    client: TestClient, make_token: Callable[..., str], default_yaml: str
) -> None:
    headers = {"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    assert client.get("/api/v1/policy/default", headers=headers).status_code == 200
    response = client.post("/api/v1/policy/validate", json={"yaml": default_yaml}, headers=headers)
    assert response.status_code == 403
    marketer = {"Authorization": f"Bearer {make_token(Role.MARKETER, name='crm')}"}
    response = client.post("/api/v1/policy/validate", json={"yaml": default_yaml}, headers=marketer)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "credential",
    ["sph_" + "A" * 43, "not-a-sphere-token", ""],  # unknown; wrong prefix; empty
    ids=["unknown", "wrong-prefix", "empty"],
)
def test_bad_bearer_tokens_are_401(client: TestClient, credential: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {credential}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_and_expired_tokens_are_refused(
    client: TestClient, fresh_engine: Engine, clock: FrozenClock
) -> None:
    factory = make_session_factory(fresh_engine)
    with session_scope(factory) as db:
        revoked = create_api_token(db, name="old", role=Role.DPO, clock=clock)
        revoke_api_token(db, revoked.api_token.id, clock=clock)
        expiring = create_api_token(
            db, name="short", role=Role.DPO, clock=clock, expires_at=clock.now() + timedelta(days=1)
        )
    bearer = {"Authorization": f"Bearer {revoked.token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    bearer = {"Authorization": f"Bearer {expiring.token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    clock.advance(timedelta(days=1))
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
