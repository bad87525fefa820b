"""A service agent in a real browser: lands on the contact search, finds a customer by
e-mail address from the keyboard, opens the timeline, signs out."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import AGENT_USER, DPO_PASSWORD, LENA

pytestmark = pytest.mark.browser


def test_agent_finds_a_customer_and_opens_the_timeline(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/cockpit/login")
    page.get_by_label("User name").fill(AGENT_USER)
    page.get_by_label("Password").fill(DPO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cockpit/contacts$"))
    nav = page.get_by_role("navigation", name="Cockpit sections")
    assert "Record of processing" not in nav.inner_text()  # not a supervision role

    page.get_by_label("E-mail, phone, customer number or handle").fill(LENA)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="1 contact found").wait_for()
    assert page.url.endswith("/cockpit/contacts")  # a POST: the address is in no URL
    assert "E-mail address, Phone number" in page.locator("main").inner_text()
    page.get_by_role("link", name=re.compile(r"^Contact ")).click()
    page.wait_for_url(re.compile(r".*/cockpit/contacts/[0-9a-f-]+/timeline$"))
    assert page.get_by_role("heading", name="Contact timeline").is_visible()
    assert "seen as customer service" in page.locator("main").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/cockpit/login$"))
