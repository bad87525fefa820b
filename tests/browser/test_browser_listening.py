"""The social-listening page in a real browser, German and English, desktop and 390 px:
charts from released counts with ε and δ stated, no console errors under the CSP, no
horizontal scrolling on a phone. Screenshots go to ``$SPHERE_SCREENSHOT_DIR`` if set."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _log_in(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/cockpit/login")
    page.get_by_label("User name").fill(server.username)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cockpit/$"))


@pytest.mark.parametrize(
    ("lang", "heading", "guarantee"),
    [
        ("en", "Social listening", "Differential privacy: ε = 0.5"),
        ("de", "Social Listening", "Differential Privacy: ε = 0.5"),
    ],
)
@pytest.mark.parametrize("width", [1280, 390])
def test_listening_page(
    browser: Any, live_server: Any, lang: str, heading: str, guarantee: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        _log_in(page, live_server)
        nav = page.get_by_role("navigation", name="Cockpit sections")
        assert nav.get_by_role("link", name="Social listening").count() == 1
        page.goto(f"{live_server.url}/cockpit/listening?lang={lang}")
        assert page.get_by_role("heading", name=heading, exact=True).is_visible()
        assert guarantee in page.locator("#guarantee").inner_text()
        assert page.locator("#volume meter").count() >= 10  # most days pass the threshold
        assert page.locator("#products tr").count() >= 1
        assert page.locator("#sentiment tr").count() == 3
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1, f"horizontal scrolling at {width}px ({scroll})"
        target = os.environ.get("SPHERE_SCREENSHOT_DIR")
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{target}/listening-{lang}-{width}.png", full_page=True)
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_transparency_figures_state_their_guarantee(
    browser: Any, live_server: Any, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/transparency")
        assert page.get_by_role("heading", name="Figures").is_visible()
        assert "Differential privacy: ε = 0.5" in page.locator(".guarantee").first.inner_text()
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1
        target = os.environ.get("SPHERE_SCREENSHOT_DIR")
        if target:
            page.screenshot(path=f"{target}/transparency-{width}.png", full_page=True)
    finally:
        context.close()
