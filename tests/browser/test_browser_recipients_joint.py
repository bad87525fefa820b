"""The recipients form and joint controllership in Chromium, in English and German: a US
processor without a transfer mechanism is refused naming the field, what was typed is
kept and nothing saved; with the EU-US Data Privacy Framework it is registered. The
Facebook page source shows its arrangement as missing until the DPO records Meta's Page
Insights Controller Addendum; the portal then shows its essence (Art. 26(2) sentence 2)
in the person's language, with who answers which right, and the own forum "none
needed". Screenshots at 1280 and 390 px go to SPHERE_SCREENSHOTS if set."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.axe import describe, serious_violations
from tests.browser.conftest import LENA, LiveServer, serve
from tests.browser.test_browser_portal_german import _context, ask_for_link, assert_german
from tests.web.test_web_i18n import untranslated

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SPHERE_SCREENSHOTS", "")


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def _sources(db: Any, _keyring: Any) -> None:
    from sphere.domain.time import utcnow
    from sphere.governance.sources import add_source

    for name, channel, collection in (("facebook", "facebook", "official_api"),
                                      ("forum", "forum", "export")):  # fmt: skip
        add_source(db, name, channel=channel, collection=collection, actor="seed", at=utcnow())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("recipients-home")
    with serve(home, seed_more=_sources,
               env_extra={"SPHERE_WEB_PORTAL_LOGIN_MAX_PER_ADDRESS": "100"}) as live:  # fmt: skip
        yield live


def _log_in(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/portal/lang/en?next=/cockpit/login")
    page.get_by_label("User name").fill(server.username)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cockpit/$"))


def test_recipient_form_and_joint_arrangement(browser: Any, server: LiveServer) -> None:
    context = _context(browser, "en")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _log_in(page, server)
        page.get_by_role("navigation", name="Cockpit sections").get_by_role(
            "link", name="Recipients").click()  # fmt: skip
        page.get_by_role("link", name="Register a recipient").click()
        page.get_by_label("Organisation").fill("HelpDesk Cloud Inc.")
        page.get_by_label("Customer care").check()
        page.get_by_label("contact details").check()
        page.get_by_label("Signed on").fill("2025-09-15")
        page.get_by_label("Country (two-letter code, e.g. DE, IE, US)").fill("US")
        page.get_by_label("City or data centre (optional)").fill("Ashburn, Virginia")
        page.get_by_role("button", name="Register", exact=True).click()
        alert = page.get_by_role("alert")
        assert "Nothing was saved" in alert.inner_text()
        assert "needs a mechanism" in alert.inner_text()
        assert page.get_by_label("Safeguard").get_attribute("aria-invalid") == "true"
        assert page.get_by_label("Organisation").input_value() == "HelpDesk Cloud Inc."
        _shot(page, "recipient-form-refused")
        found = serious_violations(page)
        assert not found, describe("recipient form", found)
        page.get_by_label("Safeguard").select_option(value="dpf")
        page.get_by_role("button", name="Register", exact=True).click()
        page.wait_for_url(re.compile(r".*/cockpit/recipients\?done=recipient-saved.*"))
        row = page.locator("#recipients tbody tr").first
        assert "HelpDesk Cloud Inc." in row.inner_text()
        assert "EU-US Data Privacy Framework" in row.inner_text()
        _shot(page, "recipients-register")

        page.get_by_role("navigation", name="Cockpit sections").get_by_role(
            "link", name="Joint controllers").click()  # fmt: skip
        facebook = page.locator("#joint-sources tr.joint-missing")
        assert "missing" in facebook.inner_text()
        assert "our own channel" in page.locator("#joint-sources tr.joint-own_channel").inner_text()
        facebook.get_by_role("link", name="Record or change facebook").click()
        page.get_by_label("Other controller").fill("Meta Platforms Ireland Ltd.")
        page.get_by_label("Name of the arrangement").fill("Page Insights Controller Addendum")
        page.get_by_label("Concluded or accepted on").fill("2025-06-02")
        page.get_by_label("Contact point for the people concerned").fill(
            "Meta Platforms Ireland Ltd., Merrion Road, Dublin 4"
        )
        for right in ("access", "rectification", "erasure", "restriction", "portability",
                      "objection"):  # fmt: skip
            page.locator(f"#right_{right}").select_option(value="platform")
        page.get_by_label("Essence in English").fill(
            "Meta answers your requests about page statistics <b>first</b>."
        )
        page.get_by_label("Essence in German").fill(
            "Meta beantwortet Ihre Anträge zu den Seitenstatistiken vorrangig."
        )
        page.get_by_role("button", name="Save the arrangement").click()  # information: none
        assert "Nothing was saved" in page.get_by_role("alert").inner_text()
        assert page.locator("#right_information").get_attribute("aria-invalid") == "true"
        assert page.get_by_label("Essence in German").input_value().startswith("Meta beantwortet")
        _shot(page, "joint-form-refused")
        found = serious_violations(page)  # the refused form, fields marked
        assert not found, describe("joint form", found)
        page.locator("#right_information").select_option(value="both")
        page.get_by_role("button", name="Save the arrangement").click()
        page.wait_for_url(re.compile(r".*/cockpit/joint-controllers\?done=arrangement-saved.*"))
        assert "arrangement in place" in page.locator("#joint-sources").inner_text()
        _shot(page, "joint-controllers")
        english = {}
        for path in ("/cockpit/joint-controllers", "/cockpit/recipients"):
            page.goto(f"{server.url}{path}")
            english[path] = page.content()
        page.get_by_role("link", name="Deutsch").click()  # the cockpit in German
        for path, shot in (("/cockpit/joint-controllers", "joint-controllers-de"),
                           ("/cockpit/recipients", "recipients-register-de")):  # fmt: skip
            page.goto(f"{server.url}{path}")
            assert page.locator("html").get_attribute("lang") == "de"
            assert not untranslated(page.content(), english[path]), path
            _shot(page, shot)
        assert (
            "Vereinbarung liegt vor" in page.goto(f"{server.url}/cockpit/joint-controllers").text()
        )  # type: ignore[union-attr]
        page.goto(f"{server.url}/cockpit/recipients")
        page.locator("#recipients").get_by_role("link").first.click()
        assert page.get_by_role("heading", level=1).inner_text() == "Empfänger ändern"
        _shot(page, "recipient-form-de")
        assert not [e for e in errors if "status of 422" not in e], errors
    finally:
        context.close()

    for lang in ("en", "de"):
        context = _context(browser, lang)
        try:
            page = context.new_page()
            page.goto(ask_for_link(page, server, LENA, lang))
            page.get_by_role("button", name="Log in" if lang == "en" else "Anmelden",
                             exact=True).click()  # fmt: skip
            page.wait_for_url(re.compile(r".*/portal/overview$"))
            joint = page.locator("#joint-controllers")
            text = joint.inner_text()
            if lang == "en":
                assert "Meta answers your requests about page statistics <b>first</b>." in text
                assert "We run this channel ourselves" in text
            else:
                assert "Meta beantwortet Ihre Anträge zu den Seitenstatistiken vorrangig." in text
                assert "EuGH, Urt. v. 5.6.2018 – C-210/16" in text
                assert "Diesen Kanal betreiben wir selbst" in text
                assert_german(page, "overview with joint controllers")
            assert "Meta Platforms Ireland Ltd." in joint.locator(".joint-rights").inner_text()
            recipients = page.locator("#recipients").inner_text()
            assert "HelpDesk Cloud Inc." in recipients and "Data Privacy Framework" in recipients
            _shot(page, f"portal-joint-{lang}")
            found = serious_violations(page)
            assert not found, describe(f"portal overview [{lang}]", found)
            page.goto(f"{server.url}/transparency")
            assert page.locator("#joint-controllers").is_visible()
            _shot(page, f"transparency-joint-{lang}")
        finally:
            context.close()
