"""The cockpit in a real browser: log-in through the form, navigation, policy page,
CSP (nothing needed is blocked, no console errors), phone layout."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

# ``live_server`` (tests/browser/conftest.py) has .url, .username and .password.


def _log_in(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/cockpit/")
    assert page.url.endswith("/cockpit/login")  # not logged in: redirected
    page.get_by_label("User name").fill(server.username)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cockpit/$"))


def test_dpo_logs_in_and_sees_home_and_policy(page: Any, live_server: Any) -> None:
    _log_in(page, live_server)
    assert page.get_by_role("heading", name="What needs you now").is_visible()
    assert page.get_by_text("Signed in as").is_visible()
    nav = page.get_by_role("navigation", name="Cockpit sections")
    assert "Record of processing" in nav.inner_text()
    nav.get_by_role("link", name="Policy").click()
    page.wait_for_url(re.compile(r".*/cockpit/policy$"))
    assert page.get_by_role("heading", name="Policy in force").is_visible()
    assert page.get_by_role("columnheader", name="Legal basis").first.is_visible()
    assert "Art. 6(1)(" in page.locator("table").first.inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/cockpit/login$"))
    page.goto(f"{live_server.url}/cockpit/policy")
    assert page.url.endswith("/cockpit/login")


def test_wrong_password_shows_alert(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/cockpit/login")
    page.get_by_label("User name").fill("someone@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "wrong user name or password"


def test_keyboard_only_log_in_with_visible_focus(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/cockpit/login")
    page.keyboard.press("Tab")  # first stop: the skip link
    assert page.evaluate("document.activeElement.className") == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.get_by_label("User name").focus()
    page.keyboard.type(live_server.username)
    page.keyboard.press("Tab")
    page.keyboard.type(live_server.password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/cockpit/$"))


def test_csp_blocks_nothing_needed(page: Any, live_server: Any) -> None:
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}")
            if msg.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    # A navigation cancels the browser's own pending favicon load (net::ERR_ABORTED);
    # every other failed request counts.
    page.on(
        "requestfailed",
        lambda req: (
            None if req.url.endswith("/favicon.svg") else problems.append(f"failed: {req.url}")
        ),
    )

    page.goto(f"{live_server.url}/transparency")
    _assert_styled(page)
    _log_in(page, live_server)
    _assert_styled(page)
    page.goto(f"{live_server.url}/cockpit/policy")
    _assert_styled(page)
    assert problems == []


def _assert_styled(page: Any) -> None:
    """The stylesheet loaded under the CSP: the header has its dark background."""
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert background == "rgb(27, 31, 36)"


def test_phone_layout_has_no_horizontal_scroll(browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        _log_in(page, live_server)
        for path in ("/cockpit/", "/cockpit/policy", "/transparency"):
            page.goto(f"{live_server.url}{path}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    finally:
        context.close()
