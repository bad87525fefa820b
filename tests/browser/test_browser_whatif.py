"""The DPO flow in headless Chromium: record of processing, what-if with a rule switched
off, apply, and the audit entries it wrote."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

RULE = "customer-care.addressed"


def test_dpo_runs_whatif_and_applies_it(page: Any, live_server: Any) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/cockpit/login")
    page.get_by_label("User name").fill(live_server.username)
    page.get_by_label("Password").fill(live_server.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cockpit/$"))

    nav = page.get_by_role("navigation", name="Cockpit sections")
    nav.get_by_role("link", name="Record of processing").click()
    page.wait_for_url(re.compile(r".*/cockpit/record$"))
    assert page.get_by_role("heading", name="Record of processing activities").is_visible()
    assert page.get_by_role("rowheader", name=re.compile("Customer care")).is_visible()
    assert page.get_by_role("link", name="Download PDF").is_visible()
    page.goto(f"{live_server.url}/cockpit/findings")
    page.goto(f"{live_server.url}/cockpit/inventories")

    nav = page.get_by_role("navigation", name="Cockpit sections")
    nav.get_by_role("link", name="What-if").click()
    page.wait_for_url(re.compile(r".*/cockpit/whatif$"))
    page.get_by_label("Rule to switch off").select_option(RULE)
    page.get_by_role("button", name="Preview without this rule").click()
    impact = page.get_by_role("heading", name=re.compile(r"Impact of .*-no-customer-care"))
    assert impact.is_visible()
    assert page.get_by_text("Would be deleted").is_visible()

    page.get_by_role("button", name="Apply this policy…").click()
    # a confirmation in numbers first; nothing is applied until it is confirmed
    confirm = page.get_by_role("heading", name=re.compile(r"Apply policy .*-no-customer-care"))
    assert confirm.is_visible()
    assert "will be deleted" in page.locator("main").inner_text()
    page.get_by_role(
        "button", name=re.compile(r"^(Apply and delete \d+ records?|Apply this policy)$")
    ).click()
    page.wait_for_url(re.compile(r".*/cockpit/audit\?done=policy-applied.*"))
    assert "is in force" in page.locator(".done-note").inner_text()
    assert page.get_by_text(re.compile("^Chain verified")).is_visible()
    table = page.locator("table").first.inner_text()
    assert "policy.applied" in table and "policy.reevaluated" in table

    page.goto(f"{live_server.url}/cockpit/policy")
    assert "-no-customer-care.addressed" in page.locator("main").inner_text()
    assert problems == []
