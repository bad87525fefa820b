"""htmx in a real browser, under the strict CSP: actions update the page in place
(no navigation: a marker set in the page survives), keyboard focus stays on the
switch, refusals are shown rather than swallowed, nothing is written to the
browser's storage, and every form still works with JavaScript switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import JONAS
from tests.browser.test_browser_portal import portal_log_in

pytestmark = pytest.mark.browser

MARKER = "window.__sphereNoReload"


def _watch_console(page: Any) -> list[str]:
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
    return problems


def _section(page: Any, purpose: str) -> Any:
    return page.locator("section", has=page.locator(f"#consent-{purpose}"))


@pytest.fixture(scope="module")
def jonas_context(browser: Any, live_server: Any) -> Iterator[Any]:
    """One logged-in portal session for the module (log-in links are rate-limited)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        portal_log_in(context.new_page(), live_server, JONAS)
        yield context
    finally:
        context.close()


def test_consent_switch_updates_in_place_and_keeps_focus(
    jonas_context: Any, live_server: Any
) -> None:
    page = jonas_context.new_page()
    problems = _watch_console(page)
    page.goto(f"{live_server.url}/portal/consents")
    assert page.evaluate("typeof htmx") == "object"  # the vendored file loaded under the CSP
    assert page.evaluate("htmx.config.historyCacheSize") == 0  # config read from <meta>
    page.evaluate(f"{MARKER} = true")

    profiling = _section(page, "profiling")
    assert profiling.get_by_role("heading").inner_text().endswith("On")
    profiling.get_by_role("button", name="Withdraw consent").focus()
    page.keyboard.press("Enter")
    assert page.get_by_role("status").inner_text().startswith("Consent withdrawn")
    assert _section(page, "profiling").get_by_role("heading").inner_text().endswith("Off")
    assert page.evaluate(MARKER) is True  # swapped in place, not a new page
    assert page.evaluate("document.activeElement.id") == "switch-profiling"
    assert page.evaluate("document.activeElement.textContent") == "Give consent"

    page.keyboard.press("Enter")  # give it back, still from the keyboard
    page.locator("#consent-profiling .state-on").wait_for()
    assert page.evaluate(MARKER) is True
    # No page snapshot in the browser's storage (htmx keeps only the current path).
    assert page.evaluate("window.localStorage.length") == 0
    assert page.evaluate("Object.keys(window.sessionStorage)") == ["htmx-current-path-for-history"]
    assert problems == []


def test_refusal_is_shown_not_swallowed(jonas_context: Any, live_server: Any) -> None:
    page = jonas_context.new_page()
    page.goto(f"{live_server.url}/portal/consents")
    page.evaluate(
        "document.querySelectorAll('input[name=csrf_token]')"
        ".forEach(input => { input.value = 'forged' })"
    )
    page.evaluate(f"{MARKER} = true")
    _section(page, "direct_marketing").get_by_role("button").click()
    main = page.locator("main")
    main.get_by_text("missing or wrong CSRF token").wait_for()
    assert page.evaluate(MARKER) is True  # the error page's <main> replaced ours
    page.goto(f"{live_server.url}/portal/consents")  # and nothing changed
    assert _section(page, "direct_marketing").get_by_role("heading").inner_text().endswith("On")


def test_request_opens_in_place(jonas_context: Any, live_server: Any) -> None:
    page = jonas_context.new_page()
    page.goto(f"{live_server.url}/portal/requests")
    page.evaluate(f"{MARKER} = true")
    page.get_by_label("Request", exact=True).select_option(label="Correct my data (Art. 16)")
    page.get_by_role("button", name="Open request").click()
    assert page.get_by_role("status").inner_text() == "Your request was received."
    assert page.locator("#my-requests tbody tr", has_text="Art. 16").count() == 1
    assert page.evaluate(MARKER) is True


def test_dpo_acts_on_the_queue_in_place(jonas_context: Any, browser: Any, live_server: Any) -> None:
    portal = jonas_context.new_page()
    portal.goto(f"{live_server.url}/portal/requests")
    portal.get_by_label("Request", exact=True).select_option(label="Restrict processing (Art. 18)")
    portal.get_by_role("button", name="Open request").click()
    assert portal.get_by_role("status").inner_text() == "Your request was received."

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        problems = _watch_console(page)
        page.goto(f"{live_server.url}/cockpit/login")
        page.get_by_label("User name").fill(live_server.username)
        page.get_by_label("Password").fill(live_server.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/cockpit/$"))
        page.goto(f"{live_server.url}/cockpit/requests")
        page.evaluate(f"{MARKER} = true")
        row = page.locator("#request-queue tbody tr", has_text="restriction").first
        request_id = row.locator("code").inner_text()
        row.get_by_label("Reason to extend").fill("records held by a processor abroad")
        row.get_by_role("button", name="Extend").click()
        extended = page.locator("#request-queue tbody tr", has_text=request_id)
        extended.get_by_role("button", name="Extend").wait_for(state="detached")
        assert extended.get_by_role("button", name="Reject").is_visible()
        assert page.evaluate(MARKER) is True
        assert problems == []
    finally:
        context.close()


def test_forms_work_without_javascript(browser: Any, live_server: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        portal_log_in(page, live_server, JONAS)
        page.goto(f"{live_server.url}/portal/consents")
        marketing = _section(page, "direct_marketing")
        with page.expect_navigation():
            marketing.get_by_role("button", name="Withdraw consent").click()
        assert page.get_by_role("status").inner_text().startswith("Consent withdrawn")
        assert (
            _section(page, "direct_marketing").get_by_role("heading").inner_text().endswith("Off")
        )
    finally:
        context.close()
