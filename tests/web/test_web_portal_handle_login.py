"""Portal log-in by social-handle challenge through the web: the log-in page's second
section, the waiting page, the staff endpoint that hands in a post, and that the public
phrase alone logs nobody in (other browser, stranger's account, expiry, replay), with
throttling, CSRF and no account enumeration."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.domain import Channel, IdentityKind
from sphere.domain.time import FrozenClock
from sphere.portal.handle_login import HANDLE_CHANNELS, PHRASE_PATTERN
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_session_factory, session_scope
from sphere.storage.repositories.contacts import ContactRepository
from tests.factories import COMPANY_YAML, mastodon_status
from tests.web.conftest import BASE_URL, csrf_in

LENA = "lena.beispiel@example.com"
OTTO = "otto.muster@example.org"
ACCOUNTS = {LENA: ("lena_fotografie", "200000000000000001"), OTTO: ("otto_m", "200000000000000002")}
CHALLENGE_COOKIE = "__Host-sphere_portal_challenge"
PORTAL_COOKIE = "__Host-sphere_portal"
ENDPOINT = "/api/v1/portal/handle-challenges/observations"


@pytest.fixture
def subjects(settings: Settings, fresh_engine: Engine, clock: FrozenClock) -> dict[str, str]:
    """Lena and Otto: an e-mail address and a Mastodon account (name and id) on file."""
    keyring = Keyring.from_settings(settings)
    ids = {}
    with session_scope(make_session_factory(fresh_engine)) as db:
        contacts = ContactRepository(db, keyring)
        for address, (handle, account_id) in ACCOUNTS.items():
            contact = contacts.create(at=clock.now())
            contacts.add_identity(contact.id, IdentityKind.EMAIL, address, at=clock.now())
            for value in (handle, account_id):
                contacts.add_identity(
                    contact.id, IdentityKind.HANDLE, value, channel=Channel.MASTODON
                )
            ids[address] = contact.id
    return ids


@pytest.fixture
def agent_token(make_token: Callable[..., str]) -> str:
    return make_token(Role.AGENT, name="support desk")


def start(client: TestClient, handle: str, channel: str = "mastodon", **headers: str) -> Any:
    page = client.get("/portal/login", headers=headers)
    assert page.status_code == 200
    return client.post(
        "/portal/login/handle",
        data={"channel": channel, "handle": handle, "csrf_token": csrf_in(page.text)},
        headers=headers,
    )


def phrase_in(html: str) -> str:
    found = PHRASE_PATTERN.findall(html)
    assert found, "no phrase on the page"
    assert len(set(found)) == 1
    return found[0]


def hand_in(client: TestClient, token: str, text: str, *, of: str, status_id: str = "7") -> Any:
    """Staff hand in a real Mastodon Status written by the account of ``of``."""
    handle, account_id = ACCOUNTS[of]
    payload = mastodon_status(status_id, text, account_id=account_id, username=handle)
    return client.post(
        ENDPOINT,
        json={"channel": "mastodon", "payload": payload},
        headers={"Authorization": f"Bearer {token}"},
    )


def check(client: TestClient, page_html: str) -> Any:
    return client.post(
        "/portal/login/handle/check",
        data={"csrf_token": csrf_in(page_html)},
        follow_redirects=False,
    )


def test_login_page_has_a_social_section_in_both_languages(client: TestClient) -> None:
    english = client.get("/portal/login").text
    assert "Log in with a social account" in english
    assert 'action="/portal/login/handle"' in english
    options = re.findall(r'<option value="([a-z]+)">', english)
    assert options == [c.value for c in HANDLE_CHANNELS]
    assert '<label for="channel">' in english and '<label for="handle">' in english
    german = client.get("/portal/login", headers={"Accept-Language": "de"}).text
    assert "Mit einem Social-Media-Konto anmelden" in german
    assert "Ihr Kontoname" in german and ">Unser Forum<" in german


def test_unknown_handle_gets_the_same_page_and_cookie(
    client: TestClient, subjects: dict[str, str]
) -> None:
    known = start(client, "@lena_fotografie")
    unknown = start(client, "@nobody_here")
    assert known.status_code == unknown.status_code == 200
    assert PHRASE_PATTERN.sub("PHRASE", known.text) == PHRASE_PATTERN.sub("PHRASE", unknown.text)
    assert phrase_in(known.text) != phrase_in(unknown.text)
    for response in (known, unknown):
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{CHALLENGE_COOKIE}=")
        assert "HttpOnly" in cookie and "Max-Age=1800" in cookie and "Secure" in cookie
        assert "samesite=strict" in cookie.lower()
        secret = cookie.split(";", 1)[0].split("=", 1)[1]
        assert secret not in response.text  # the secret lives in the cookie only
    assert "Post it as a public reply or a direct message" in known.text
    assert "I have posted it" in known.text


def test_own_post_handed_in_by_staff_logs_in_this_browser(
    client: TestClient, subjects: dict[str, str], agent_token: str, clock: FrozenClock
) -> None:
    page = start(client, "lena_fotografie")
    phrase = phrase_in(page.text)
    waiting = check(client, page.text)
    assert waiting.status_code == 200
    assert "We have not seen your post yet" in waiting.text
    assert phrase_in(waiting.text) == phrase
    assert PORTAL_COOKIE not in waiting.headers.get("set-cookie", "")
    clock.advance(timedelta(minutes=3))
    answer = hand_in(client, agent_token, f"@optiklinse {phrase}", of=LENA)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"observations": 1, "met": 1}
    done = check(client, waiting.text)
    assert done.status_code == 303 and done.headers["location"] == "/portal/overview"
    cookies = done.headers.get_list("set-cookie")
    portal = next(c for c in cookies if c.startswith(f"{PORTAL_COOKIE}="))
    assert "HttpOnly" in portal and "samesite=strict" in portal.lower()
    assert any(c.startswith(f'{CHALLENGE_COOKIE}=""') for c in cookies)  # deleted
    overview = client.get("/portal/overview")
    assert overview.status_code == 200 and LENA in overview.text and OTTO not in overview.text
    # a request opened now records how the person proved who they are (Art. 12(6))
    form = client.get("/portal/requests")
    client.post("/portal/requests", data={"type": "access", "csrf_token": csrf_in(form.text)})
    mine = client.get("/api/v1/portal/me/requests").json()["requests"]
    assert [r["verification_method"] for r in mine] == ["portal_handle_challenge"]


def test_phrase_posted_from_a_strangers_account_does_not_log_in(
    client: TestClient, subjects: dict[str, str], agent_token: str
) -> None:
    page = start(client, "lena_fotografie")
    phrase = phrase_in(page.text)
    answer = hand_in(client, agent_token, phrase, of=OTTO)
    assert answer.json() == {"observations": 1, "met": 0}
    still = check(client, page.text)
    assert still.status_code == 200 and "We have not seen your post yet" in still.text
    assert client.get("/portal/overview", follow_redirects=False).status_code == 303


def test_another_browser_cannot_use_a_met_challenge(
    app: FastAPI, client: TestClient, subjects: dict[str, str], agent_token: str
) -> None:
    page = start(client, "lena_fotografie")
    assert hand_in(client, agent_token, phrase_in(page.text), of=LENA).json()["met"] == 1
    with TestClient(app, base_url=BASE_URL) as other:
        login = other.get("/portal/login")
        stolen = check(other, login.text)  # knows the public phrase, not the secret
        assert stolen.status_code == 404
        assert "not valid any more" in stolen.text
        assert PORTAL_COOKIE not in stolen.headers.get("set-cookie", "")
        assert other.get("/portal/overview", follow_redirects=False).status_code == 303
    assert check(client, page.text).status_code == 303  # the right browser still can


def test_used_challenge_cannot_be_replayed(
    client: TestClient, subjects: dict[str, str], agent_token: str
) -> None:
    page = start(client, "lena_fotografie")
    secret = client.cookies[CHALLENGE_COOKIE]
    hand_in(client, agent_token, phrase_in(page.text), of=LENA)
    assert check(client, page.text).status_code == 303
    client.cookies.clear()
    login = client.get("/portal/login")
    client.cookies.set(CHALLENGE_COOKIE, secret, domain="testserver")
    replay = check(client, login.text)
    assert replay.status_code == 404
    assert PORTAL_COOKIE not in replay.headers.get("set-cookie", "")


def test_expired_challenge_neither_meets_nor_logs_in(
    client: TestClient, subjects: dict[str, str], agent_token: str, clock: FrozenClock
) -> None:
    page = start(client, "lena_fotografie")
    clock.advance(timedelta(minutes=31))
    assert hand_in(client, agent_token, phrase_in(page.text), of=LENA).json()["met"] == 0
    late = check(client, page.text)
    assert late.status_code == 404 and "start again" in late.text
    again = client.get("/portal/login/handle", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/portal/login"


def test_waiting_page_can_be_reloaded_and_names_the_company_accounts(
    client: TestClient, settings: Settings, subjects: dict[str, str]
) -> None:
    settings.resolved_company_file.parent.mkdir(parents=True, exist_ok=True)
    settings.resolved_company_file.write_text(COMPANY_YAML, encoding="utf-8")
    assert client.get("/portal/login/handle", follow_redirects=False).status_code == 303
    page = start(client, "lena_fotografie", **{"Accept-Language": "de"})
    assert "Ihrem Mastodon-Konto" in page.text
    assert "@optiklinse@photo.example" in page.text
    assert "109000000000000001" not in page.text  # account ids are not for typing
    assert "01.06.2026, 14:30" in page.text  # the company's time zone (Europe/Berlin)
    reload = client.get("/portal/login/handle")
    assert reload.status_code == 200 and phrase_in(reload.text) == phrase_in(page.text)


def test_challenges_are_throttled_per_handle(client: TestClient, subjects: dict[str, str]) -> None:
    for handle in ("lena_fotografie", "nobody_here"):
        for _ in range(3):
            assert start(client, handle).status_code == 200
        refused = start(client, "@" + handle)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
    assert start(client, "otto_m").status_code == 200


@pytest.mark.parametrize(
    ("channel", "handle"),
    [("crm", "lena_fotografie"), ("mastodon", "   "), ("mastodon", "x" * 300)],
    ids=["not-a-handle-channel", "blank", "too-long"],
)
def test_bad_form_input_gets_a_clear_answer(client: TestClient, channel: str, handle: str) -> None:
    answer = start(client, handle, channel=channel)
    assert answer.status_code == 422
    assert "network" in answer.text or "handle" in answer.text


def test_forms_need_their_csrf_token(client: TestClient, subjects: dict[str, str]) -> None:
    client.get("/portal/login")
    for data in ({}, {"csrf_token": "forged"}):
        started = client.post(
            "/portal/login/handle", data={"channel": "mastodon", "handle": "x", **data}
        )
        assert started.status_code == 403
        assert "set-cookie" not in started.headers
    page = start(client, "lena_fotografie")
    assert page.status_code == 200
    for data in ({}, {"csrf_token": "forged"}):
        checked = client.post("/portal/login/handle/check", data=data, follow_redirects=False)
        assert checked.status_code == 403


def test_staff_endpoint_refuses_bad_payloads_and_other_roles(
    client: TestClient, make_token: Callable[..., str], agent_token: str
) -> None:
    auth = {"Authorization": f"Bearer {agent_token}"}
    broken = client.post(
        ENDPOINT, json={"channel": "mastodon", "payload": {"id": "1"}}, headers=auth
    )
    assert broken.status_code == 422
    assert broken.json()["error"]["message"] == "mastodon: field 'visibility': missing"
    for body in (
        {"channel": "crm", "payload": {}},
        {"channel": "mastodon", "payload": ["not", "an", "object"]},
        {"channel": "mastodon"},
    ):
        assert client.post(ENDPOINT, json=body, headers=auth).status_code == 422
    status = {"channel": "mastodon", "payload": mastodon_status("1", "hallo")}
    assert client.post(ENDPOINT, json=status).status_code in (401, 403)  # no credential
    for role, expected in ((Role.MARKETER, 403), (Role.AUDITOR, 403), (Role.DPO, 200)):
        token = make_token(role, name=f"{role.value} machine")
        answer = client.post(ENDPOINT, json=status, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == expected, role
