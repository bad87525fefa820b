"""Portal log-in by social-handle challenge in a real browser: Mia chooses Mastodon and
types her handle, reads the phrase off the page, "posts" it — a real Mastodon Status from
her account, handed to the staff endpoint with an agent's API token, as a support desk or
webhook would — and presses "I have posted it"; she lands on her overview."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from sphere.accounts import Role, create_api_token
from sphere.storage.db import make_engine, make_session_factory, session_scope
from tests.browser.conftest import MIA, MIA_MASTODON, OTTO
from tests.factories import mastodon_status

pytestmark = pytest.mark.browser


def _agent_token(server: Any) -> str:
    """An API token for the support desk, issued in the server's database."""
    engine = make_engine(f"sqlite:///{(server.log.parent / 'sphere.db').as_posix()}")
    try:
        with session_scope(make_session_factory(engine)) as db:
            return create_api_token(db, name="browser support desk", role=Role.AGENT).token
    finally:
        engine.dispose()


def test_subject_logs_in_by_posting_the_phrase_from_her_account(
    page: Any, live_server: Any
) -> None:
    page.goto(f"{live_server.url}/portal/login")
    section = page.locator("section", has=page.get_by_role("heading", name="Log in with a social"))
    section.get_by_label("Network").select_option(label="Mastodon")
    section.get_by_label("Your handle").fill("@" + MIA_MASTODON[0])
    section.get_by_role("button", name="Show me the phrase").click()
    page.wait_for_url(re.compile(r".*/portal/login/handle$"))
    phrase = page.locator("#phrase").inner_text().strip()
    assert re.fullmatch(r"sphere-login-[a-z2-7]{8}", phrase)
    cookies = {c["name"]: c for c in page.context.cookies()}
    challenge = cookies["sphere_portal_challenge"]
    assert challenge["httpOnly"] and challenge["sameSite"] == "Strict"
    assert challenge["value"] not in page.content()

    page.get_by_role("button", name="I have posted it").click()
    assert "not seen your post yet" in page.get_by_role("status").inner_text()
    assert page.locator("#phrase").inner_text().strip() == phrase

    name, account_id = MIA_MASTODON
    status = mastodon_status(
        "113000000000000042",
        f"Anmeldung fürs Datenschutzportal: {phrase}",
        account_id=account_id,
        username=name,
        visibility="direct",
        mention_company=True,
    )
    answer = httpx.post(
        f"{live_server.url}/api/v1/portal/handle-challenges/observations",
        json={"channel": "mastodon", "payload": status},
        headers={"Authorization": f"Bearer {_agent_token(live_server)}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"observations": 1, "met": 1}

    page.get_by_role("button", name="I have posted it").click()
    page.wait_for_url(re.compile(r".*/portal/overview$"))
    assert page.get_by_role("heading", name="Everything we hold about you").is_visible()
    main = page.locator("main").inner_text()
    assert MIA in main and OTTO not in main
    names = {c["name"] for c in page.context.cookies()}
    assert "sphere_portal" in names and "sphere_portal_challenge" not in names

    page.goto(f"{live_server.url}/portal/login/handle")  # used up: back to the log-in page
    assert page.url.endswith("/portal/login")
