"""After an idle timeout the stale staff cookie must not make signing in fail (issue 18,
point 7). Before: the log-in form's CSRF token was bound to the pre-session cookie but
checked against the stale session cookie, so the form answered 403 until the cookie was
cleared by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.domain.time import FrozenClock
from tests.web.conftest import PASSWORD, csrf_in

USER = "dpo@example.com"


def _sign_in(client: TestClient) -> int:
    form = client.get("/cockpit/login")
    assert form.status_code == 200
    answer = client.post(
        "/cockpit/login",
        data={"username": USER, "password": PASSWORD, "csrf_token": csrf_in(form.text)},
        follow_redirects=False,
    )
    return answer.status_code


def test_signing_in_again_after_an_idle_timeout_works(
    client: TestClient, make_user: Callable[..., str], clock: FrozenClock
) -> None:
    make_user(USER, Role.DPO)
    assert _sign_in(client) == 303
    assert client.get("/cockpit/findings").status_code == 200
    clock.advance(timedelta(minutes=31))  # idle longer than the 30 minutes allowed
    stale = client.get("/cockpit/findings", follow_redirects=False)
    assert stale.status_code == 303 and stale.headers["location"] == "/cockpit/login"
    assert client.get("/api/v1/me").status_code == 401
    assert _sign_in(client) == 303  # was 403: CSRF checked against the stale session
    assert client.get("/cockpit/findings").status_code == 200


def test_a_wrong_password_with_a_stale_cookie_can_be_corrected(
    client: TestClient, make_user: Callable[..., str], clock: FrozenClock
) -> None:
    make_user(USER, Role.DPO)
    assert _sign_in(client) == 303
    clock.advance(timedelta(hours=13))  # past the absolute lifetime too
    form = client.get("/cockpit/login")
    wrong = client.post(
        "/cockpit/login",
        data={"username": USER, "password": "not it at all", "csrf_token": csrf_in(form.text)},
    )
    assert wrong.status_code == 401
    again = client.post(
        "/cockpit/login",
        data={"username": USER, "password": PASSWORD, "csrf_token": csrf_in(wrong.text)},
        follow_redirects=False,
    )
    assert again.status_code == 303


def test_a_live_session_skips_the_log_in_form(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user(USER, Role.DPO)
    assert _sign_in(client) == 303
    form = client.get("/cockpit/login", follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"] == "/cockpit/"
