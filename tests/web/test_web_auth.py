"""Log-in, sessions, cookies, CSRF, expiry and rate limits."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.domain.time import FrozenClock
from sphere.storage.auth_tables import StaffSessionRow, StaffUserRow
from sphere.storage.db import make_session_factory

PASSWORD = "correct horse battery staple"


def test_api_login_ok_sets_hardened_cookie_and_me_answers(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user("dpo@example.com", Role.DPO)
    response = client.post(
        "/api/v1/auth/login", json={"username": "dpo@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "username": "dpo@example.com",
        "display_name": "Test dpo",
        "role": "dpo",
        "via": "session",
        "must_change_password": False,
    }
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-sphere_session=")
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert flag.lower() in cookie.lower()
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["role"] == "dpo"


def test_only_hashes_are_stored(
    client: TestClient, make_user: Callable[..., str], fresh_engine: Engine
) -> None:
    make_user("dpo@example.com")
    client.post("/api/v1/auth/login", json={"username": "dpo@example.com", "password": PASSWORD})
    token = client.cookies.get("__Host-sphere_session")
    assert token
    with make_session_factory(fresh_engine)() as db:
        digests = list(db.scalars(select(StaffSessionRow.token_sha256)))
        password_hash = db.scalar(select(StaffUserRow.password_hash))
    assert len(digests) == 1 and token not in digests[0]
    assert password_hash is not None
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("dpo@example.com", "wrong password entirely"),  # known user, wrong password
        ("nobody@example.com", PASSWORD),  # unknown user: same answer, no enumeration
    ],
    ids=["wrong-password", "unknown-user"],
)
def test_login_failure_is_401_with_one_message(
    client: TestClient, make_user: Callable[..., str], username: str, password: str
) -> None:
    make_user("dpo@example.com")
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "not_authenticated",
        "message": "wrong user name or password",
    }
    assert "set-cookie" not in response.headers
    assert client.get("/api/v1/me").status_code == 401


def test_api_login_requires_json(client: TestClient, make_user: Callable[..., str]) -> None:
    make_user("dpo@example.com")
    response = client.post(
        "/api/v1/auth/login",
        content=f'{{"username": "dpo@example.com", "password": "{PASSWORD}"}}',
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 422


def test_form_login_flow_reaches_cockpit(
    client: TestClient, make_user: Callable[..., str], form_csrf: Callable[[], str]
) -> None:
    make_user("dpo@example.com")
    csrf = form_csrf()
    response = client.post(
        "/cockpit/login",
        data={"username": "dpo@example.com", "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/cockpit/"
    home = client.get("/cockpit/")
    assert home.status_code == 200
    assert "Signed in as" in home.text


def test_form_login_failure_rerenders_form_with_401(
    client: TestClient, make_user: Callable[..., str], form_csrf: Callable[[], str]
) -> None:
    make_user("dpo@example.com")
    response = client.post(
        "/cockpit/login",
        data={
            "username": "dpo@example.com",
            "password": "nope nope nope",
            "csrf_token": form_csrf(),
        },
    )
    assert response.status_code == 401
    assert "wrong user name or password" in response.text
    assert 'role="alert"' in response.text


@pytest.mark.parametrize(
    "csrf",
    [None, "0" * 64],  # missing token; a token not bound to this session
    ids=["missing", "forged"],
)
def test_form_login_without_valid_csrf_is_refused(
    client: TestClient,
    make_user: Callable[..., str],
    form_csrf: Callable[[], str],
    csrf: str | None,
) -> None:
    make_user("dpo@example.com")
    form_csrf()  # the browser has a pre-session cookie, but the attacker lacks the token
    data = {"username": "dpo@example.com", "password": PASSWORD}
    if csrf is not None:
        data["csrf_token"] = csrf
    response = client.post("/cockpit/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert "__Host-sphere_session" not in response.headers.get("set-cookie", "")


def test_logout_needs_csrf_and_revokes_session(
    client: TestClient, make_user: Callable[..., str], api_login: Callable[..., str]
) -> None:
    make_user("dpo@example.com")
    csrf = api_login("dpo@example.com")
    assert client.post("/api/v1/auth/logout").status_code == 403  # no X-CSRF-Token
    assert client.get("/api/v1/me").status_code == 200
    stolen = client.cookies.get("__Host-sphere_session")
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("__Host-sphere_session", stolen or "", domain="testserver")
    assert client.get("/api/v1/me").status_code == 401  # revoked server-side, not just forgotten


def test_cockpit_logout_form(
    client: TestClient, make_user: Callable[..., str], form_csrf: Callable[[], str]
) -> None:
    make_user("dpo@example.com")
    client.post(
        "/cockpit/login",
        data={"username": "dpo@example.com", "password": PASSWORD, "csrf_token": form_csrf()},
    )
    home = client.get("/cockpit/")
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', home.text)
    assert csrf is not None
    response = client.post(
        "/cockpit/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get("/cockpit/", follow_redirects=False).status_code == 303


def test_session_idle_expiry_with_injected_clock(
    client: TestClient,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    clock: FrozenClock,
) -> None:
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    clock.advance(timedelta(minutes=29))
    assert client.get("/api/v1/me").status_code == 200  # activity refreshes the idle timer
    clock.advance(timedelta(minutes=29))
    assert client.get("/api/v1/me").status_code == 200
    clock.advance(timedelta(minutes=30))
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "session expired"
    assert client.get("/cockpit/", follow_redirects=False).headers["location"] == "/cockpit/login"


def test_session_absolute_expiry_despite_activity(
    client: TestClient,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    clock: FrozenClock,
) -> None:
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    for _ in range(28):  # active every 25 minutes for 11 h 40 min: never idle for 30 min
        clock.advance(timedelta(minutes=25))
        assert client.get("/api/v1/me").status_code == 200
    clock.advance(timedelta(minutes=25))  # 12 h 05 min after log-in, 25 min idle
    assert client.get("/api/v1/me").status_code == 401


def test_account_rate_limit_locks_even_the_right_password(
    client: TestClient, make_user: Callable[..., str], clock: FrozenClock
) -> None:
    make_user("dpo@example.com")
    wrong = {"username": "dpo@example.com", "password": "wrong password 1"}
    for _ in range(3):  # web_settings: 3 failures per account
        assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    right = {"username": "dpo@example.com", "password": PASSWORD}
    locked = client.post("/api/v1/auth/login", json=right)
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == str(15 * 60)
    assert locked.json()["error"]["code"] == "too_many_attempts"
    clock.advance(timedelta(minutes=15, seconds=1))
    assert client.post("/api/v1/auth/login", json=right).status_code == 200


def test_address_rate_limit_across_accounts(client: TestClient, clock: FrozenClock) -> None:
    # web_settings: 10 failures per address; every attempt names another (unknown) account
    for n in range(10):
        body = {"username": f"user{n}@example.org", "password": "guess guess guess"}
        assert client.post("/api/v1/auth/login", json=body).status_code == 401
    body = {"username": "user99@example.org", "password": "guess guess guess"}
    assert client.post("/api/v1/auth/login", json=body).status_code == 429


def test_success_resets_account_counter(client: TestClient, make_user: Callable[..., str]) -> None:
    make_user("dpo@example.com")
    wrong = {"username": "dpo@example.com", "password": "wrong password 1"}
    right = {"username": "dpo@example.com", "password": PASSWORD}
    for _ in range(2):
        client.post("/api/v1/auth/login", json=wrong)
    assert client.post("/api/v1/auth/login", json=right).status_code == 200
    for _ in range(2):
        assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    assert client.post("/api/v1/auth/login", json=right).status_code == 200
