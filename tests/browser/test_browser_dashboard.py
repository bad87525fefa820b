"""The DPO's home and a finding's life in a real browser (issue 16, point 1): the home
shows what needs the DPO now, number cards that lead to their lists and charts that
load as images under the CSP with their tables; a finding is acknowledged with a note,
then resolved, and says so."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _log_in(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/cockpit/login")
    page.locator("#username").fill(server.username)
    page.locator("#password").fill(server.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/cockpit/$"))


def test_dpo_dashboard_cards_and_charts(page: Any, live_server: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(page, live_server)
    assert page.locator("h1").inner_text() == "What needs you now"
    assert page.locator("section.urgent h2").is_visible()
    cards = page.locator("ul.cards > li")
    assert cards.count() == 11  # with "Breaches open" (issue 14)
    for chart in ("ingestion", "requests", "consent"):
        image = page.locator(f'img[src="/cockpit/charts/{chart}.svg?lang=en"]')
        assert image.get_attribute("alt")
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
    page.locator("figure.chart summary").first.click()
    assert page.locator("figure.chart table").first.is_visible()
    assert not errors, errors  # no CSP refusal, no failed image
    page.locator("ul.cards a.num-card-link").first.click()
    page.wait_for_url(re.compile(r".*/cockpit/findings\?severity=high$"))


def test_acknowledge_then_resolve_a_finding(page: Any, live_server: Any) -> None:
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/cockpit/findings?state=open")
    finding = page.locator("li.finding").first
    code = finding.get_attribute("id")
    assert finding.locator(".finding-since").inner_text().startswith("exists since")
    finding.get_by_label("Note").fill("Ticket DPO-17: retention job scheduled")
    finding.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(re.compile(rf".*/cockpit/findings\?decided={re.escape(code)}#.*"))
    again = page.locator(f'li.finding[id="{code}"]')
    assert again.locator(".badge-ack").inner_text() == "acknowledged"
    decision = again.locator(".finding-decision").inner_text()
    assert "Ticket DPO-17: retention job scheduled" in decision
    assert again.get_by_role("button", name="Acknowledge").count() == 0

    again.get_by_role("button", name="Resolve").click()
    page.wait_for_load_state()
    resolved = page.locator(f'li.finding[id="{code}"]')
    assert resolved.locator(".badge-resolved").inner_text() == "resolved"
    page.goto(f"{live_server.url}/cockpit/findings?state=open")
    assert page.locator(f'li.finding[id="{code}"]').count() == 0
    page.goto(f"{live_server.url}/cockpit/audit?action=finding.resolved")
    assert code in page.locator("main").inner_text()
    # put it back, so other tests see the findings as they were
    page.goto(f"{live_server.url}/cockpit/findings?state=resolved")
    page.locator(f'li.finding[id="{code}"]').get_by_role("button", name="Reopen").click()
    page.wait_for_load_state()
