"""Accounts created with a password others know (``sphere demo`` prints one) must change
it at the first log-in (issue 18, point 4): the cockpit sends every page to the
change-password form, the API answers 403 ``password_change_required`` with the way out.

Before: demo accounts kept the printed password for good."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role, create_staff_user, make_password_hasher
from sphere.domain.time import FrozenClock
from sphere.storage.db import make_session_factory, session_scope
from tests.web.conftest import PASSWORD, csrf_in

DEMO_USER = "dpo.demo@example.com"
NEW_PASSWORD = "a password of my own choosing"


@pytest.fixture
def demo_account(fresh_engine: Engine, clock: FrozenClock) -> str:
    with session_scope(make_session_factory(fresh_engine)) as db:
        create_staff_user(
            db,
            DEMO_USER,
            PASSWORD,
            role=Role.DPO,
            hasher=make_password_hasher(fast=True),
            clock=clock,
            must_change_password=True,
        )
    return DEMO_USER


def _sign_in(client: TestClient, password: str = PASSWORD) -> str:
    form = client.get("/cockpit/login")
    answer = client.post(
        "/cockpit/login",
        data={"username": DEMO_USER, "password": password, "csrf_token": csrf_in(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def test_the_cockpit_sends_every_page_to_the_password_form(
    client: TestClient, demo_account: str
) -> None:
    landing = _sign_in(client)
    for path in (landing, "/cockpit/findings", "/cockpit/contacts", "/cockpit/audit"):
        page = client.get(path, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/cockpit/password"
    form = client.get("/cockpit/password")
    assert form.status_code == 200 and "Choose your own before you continue" in form.text
    refused = client.post("/cockpit/contacts", data={"q": "x", "csrf_token": csrf_in(form.text)})
    assert refused.status_code == 403
    assert "must change its password" in refused.text


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        ("wrong password here", NEW_PASSWORD, NEW_PASSWORD, "not the current password"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "the two new passwords differ"),
        (PASSWORD, "short", "short", "at least 12 characters"),
        (PASSWORD, PASSWORD, PASSWORD, "different from the current one"),
    ],
    ids=["wrong-current", "repeat-differs", "too-short", "unchanged"],
)
def test_a_bad_change_is_refused_with_the_reason(
    client: TestClient, demo_account: str, current: str, new: str, repeat: str, message: str
) -> None:
    _sign_in(client)
    form = client.get("/cockpit/password")
    answer = client.post(
        "/cockpit/password",
        data={
            "current_password": current,
            "new_password": new,
            "repeat_password": repeat,
            "csrf_token": csrf_in(form.text),
        },
    )
    assert answer.status_code == 422 and message in answer.text
    assert client.get("/cockpit/findings", follow_redirects=False).status_code == 303


def test_after_the_change_the_cockpit_opens_and_the_old_password_is_gone(
    client: TestClient, demo_account: str
) -> None:
    _sign_in(client)
    form = client.get("/cockpit/password")
    changed = client.post(
        "/cockpit/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
            "csrf_token": csrf_in(form.text),
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert client.get("/cockpit/findings").status_code == 200
    client.cookies.clear()
    form = client.get("/cockpit/login")
    old = client.post(
        "/cockpit/login",
        data={"username": DEMO_USER, "password": PASSWORD, "csrf_token": csrf_in(form.text)},
    )
    assert old.status_code == 401
    assert _sign_in(client, NEW_PASSWORD) == "/cockpit/"


def test_the_api_answers_403_with_the_way_out(
    client: TestClient, demo_account: str, api_login: Callable[..., str]
) -> None:
    csrf = api_login(DEMO_USER)
    refused = client.get("/api/v1/me")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "password_change_required"
    assert "POST /api/v1/auth/password" in error["message"]
    assert client.get("/api/v1/findings").status_code == 403
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.status_code == 204, changed.text
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["must_change_password"] is False
