"""axe-core on every cockpit, portal and public page, in English and German: no serious
or critical violation (issue 16, point 7). One browser context walks the pages logged
out, then as the DPO and as a data subject, once per language (``Accept-Language``)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.browser.axe import describe, serious_violations
from tests.browser.conftest import LENA

pytestmark = pytest.mark.browser

PUBLIC = ("/cockpit/login", "/portal/login", "/transparency")
COCKPIT = (
    "/cockpit/",
    "/cockpit/record",
    "/cockpit/inventories",
    "/cockpit/findings",
    "/cockpit/requests",
    "/cockpit/audit",
    "/cockpit/policy",
    "/cockpit/policy/versions",
    "/cockpit/whatif",
    "/cockpit/marketing/check",
    "/cockpit/marketing/dry-run",
    "/cockpit/marketing/measures",
    "/cockpit/marketing/check?kind=enrichment",
    "/cockpit/contacts",
    "/cockpit/listening",
    "/cockpit/reviews",
    "/cockpit/jobs",
    "/cockpit/recipients",
    "/cockpit/recipients/new",
    "/cockpit/joint-controllers",
    "/cockpit/toms",
)
PORTAL = ("/portal/overview", "/portal/consents", "/portal/requests", "/portal/receipts")
LANGUAGES = {"en": "en-GB,en;q=0.9", "de": "de-DE,de;q=0.9"}


def _walk(page: Any, base: str, paths: tuple[str, ...], problems: list[str]) -> None:
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, (path, response)
        page.wait_for_load_state("networkidle")
        found = serious_violations(page)
        if found:
            lang = page.evaluate("document.documentElement.lang")
            problems.append(describe(f"{path} [{lang}]", found))


def _cockpit_log_in(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/cockpit/login")
    page.locator("#username").fill(server.username)
    page.locator("#password").fill(server.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/cockpit/$"))


def _portal_log_in(page: Any, server: Any, address: str) -> None:
    page.goto(f"{server.url}/portal/login")
    before = len(server.portal_links())
    page.locator("input[type=email]").fill(address)
    page.locator("main form button[type=submit]").first.click()
    deadline = time.monotonic() + 10
    while len(server.portal_links()) == before:
        assert time.monotonic() < deadline, "no log-in link on the server console"
        time.sleep(0.05)
    page.goto(server.portal_links()[-1])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/portal/overview$"))


def test_no_serious_accessibility_violation_on_any_page(browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    try:
        page = context.new_page()
        for accept in LANGUAGES.values():
            context.set_extra_http_headers({"Accept-Language": accept})
            _walk(page, live_server.url, PUBLIC, problems)
        _cockpit_log_in(page, live_server)
        _portal_log_in(page, live_server, LENA)
        for accept in LANGUAGES.values():
            context.set_extra_http_headers({"Accept-Language": accept})
            _walk(page, live_server.url, COCKPIT + PORTAL, problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
