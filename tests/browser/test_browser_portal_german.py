"""The portal as a German customer sees it, in Chromium with ``locale="de-DE"``: from the
log-in link (asked for through the form, taken from the server's console) through the
overview, consents and a request to the Art. 20 download, whose ``summary.html`` is
German too; and a log-in link that has expired or was already used, in German and in
English: the page says so, offers a new link (the form works) and never sends the
person to the cockpit.

Each page is checked with the web tests' German-page check (``tests/web/test_web_i18n``):
no text of the German page that the English page has too may read as English. The
tests run on their own server (log-in links are limited to three per address in 15
minutes; these tests ask for more)."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from sphere.domain.time import utcnow
from sphere.storage.portal_tables import PortalLoginLinkRow
from tests.browser.conftest import LENA, MIA, MIA_MASTODON, OTTO, LiveServer, serve
from tests.web.test_web_i18n import untranslated

pytestmark = pytest.mark.browser

GERMAN = {"locale": "de-DE", "extra_http_headers": {"Accept-Language": "de-DE,de;q=0.9"}}
ENGLISH = {"locale": "en-GB", "extra_http_headers": {"Accept-Language": "en-GB,en;q=0.9"}}
# What each language calls the parts of the log-in and the link-invalid page.
WORDS = {
    "de": {
        "address": "E-Mail-Adresse",
        "send": "Anmeldelink senden",
        "sent": "ist ein Anmeldelink unterwegs",
        "log in": "Anmelden",
        "invalid": "Dieser Anmeldelink gilt nicht mehr",
        "what happened": "abgelaufen oder wurde schon verwendet",
        "send new": "Neuen Anmeldelink senden",
        "cockpit": "Zurück zum Cockpit",
    },
    "en": {
        "address": "E-mail address",
        "send": "Send me a log-in link",
        "sent": "a log-in link is on its way",
        "log in": "Log in",
        "invalid": "This log-in link is no longer valid",
        "what happened": "has expired or has already been used",
        "send new": "Send me a new log-in link",
        "cockpit": "Back to the cockpit",
    },
}
# Channel names German uses as they are (the summary's "Quelle" column).
SAME_IN_GERMAN = {"Portal", "Website"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _persons_data(text: str) -> bool:
    """The person's own data in the summary (ids, address, handle): not ours to translate."""
    return bool(UUID.fullmatch(text)) or text in (MIA, MIA_MASTODON[0])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("portal-german-home")
    with serve(home, env_extra={"SPHERE_WEB_PORTAL_LOGIN_MAX_PER_ADDRESS": "100"}) as live:
        yield live


def _context(browser: Any, lang: str) -> Any:
    options = GERMAN if lang == "de" else ENGLISH
    return browser.new_context(viewport={"width": 1280, "height": 900}, **options)


def ask_for_link(page: Any, server: LiveServer, address: str, lang: str) -> str:
    """Ask for a log-in link through the form in ``lang``; the link from the console."""
    words = WORDS[lang]
    page.goto(f"{server.url}/portal/")
    assert page.url.endswith("/portal/login")
    before = len(server.portal_links())
    page.get_by_label(words["address"]).fill(address)
    page.get_by_role("button", name=words["send"]).click()
    assert words["sent"] in page.get_by_role("status").inner_text()
    return _next_link(server, before)


def _next_link(server: LiveServer, before: int) -> str:
    deadline = time.monotonic() + 10
    while len(server.portal_links()) == before:  # the server writes the log in its process
        assert time.monotonic() < deadline, "no log-in link on the server console"
        time.sleep(0.05)
    link = server.portal_links()[-1]
    assert link.startswith(f"{server.url}/portal/login/")
    return link


def assert_german(page: Any, where: str) -> None:
    """The page as shown (German) against the same URL fetched in English with the same
    session: nothing the two share reads as English."""
    german = page.content()
    english = page.request.get(page.url, headers={"Accept-Language": "en"}).text()
    assert german != english, f"{where}: the English page is the German one"
    assert page.locator("html").get_attribute("lang") == "de", where
    left = untranslated(german, english)
    assert not left, f"{where}: English on the German page: {left}"


def test_german_portal_from_log_in_to_export(
    browser: Any, server: LiveServer, tmp_path: Path
) -> None:
    context = _context(browser, "de")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/portal/login")
        assert page.get_by_role("heading", level=1).inner_text() == "Anmelden und Ihre Daten sehen"
        assert_german(page, "log-in")
        link = ask_for_link(page, server, MIA, "de")
        assert server.subjects[MIA] not in link
        page.goto(link)
        assert page.get_by_role("heading", name="Beim Datenschutzportal anmelden").is_visible()
        assert_german(page, "confirm")
        page.get_by_role("button", name="Anmelden", exact=True).click()
        page.wait_for_url(re.compile(r".*/portal/overview$"))

        assert page.get_by_role("heading", name="Alles, was wir über Sie speichern").is_visible()
        assert page.get_by_role("heading", name="Ihre Kontaktdaten").is_visible()
        main = page.locator("main").inner_text()
        assert MIA in main and "+49 89 5550100" in main and OTTO not in main
        assert_german(page, "overview")

        page.get_by_role("link", name="Einwilligungen").click()
        page.wait_for_url(re.compile(r".*/portal/consents$"))
        assert page.get_by_role("heading", name="Ihre Einwilligungen").is_visible()
        marketing = page.locator("section", has=page.locator("#consent-direct_marketing"))
        assert marketing.get_by_role("heading").inner_text().endswith("Ein")
        notice = marketing.locator(".notice-text").inner_text()
        assert "Art. 6 Abs. 1 lit. a DSGVO" in notice and "GDPR" not in notice
        assert_german(page, "consents")
        marketing.get_by_role("button", name="Einwilligung widerrufen").click()
        assert page.get_by_role("status").inner_text().startswith("Einwilligung widerrufen")
        marketing = page.locator("section", has=page.locator("#consent-direct_marketing"))
        assert marketing.get_by_role("heading").inner_text().endswith("Aus")
        assert marketing.get_by_role("button", name="Einwilligen").is_visible()
        assert_german(page, "consents after withdrawal")

        page.get_by_role("link", name="Belege").click()
        page.wait_for_url(re.compile(r".*/portal/receipts$"))
        assert_german(page, "receipts")

        page.get_by_role("link", name="Ihre Anträge").click()
        page.wait_for_url(re.compile(r".*/portal/requests$"))
        page.get_by_label("Antrag", exact=True).select_option(value="restriction")
        page.get_by_role("button", name="Antrag stellen").click()
        page.get_by_role("status").wait_for()
        assert page.get_by_role("status").inner_text() == "Ihr Antrag ist eingegangen."
        rows = page.locator("#my-requests tbody tr")
        assert rows.count() >= 1
        assert "eingegangen" in rows.first.inner_text()
        assert_german(page, "requests")

        with page.expect_download() as download_info:
            page.get_by_role("button", name="Meine Daten herunterladen (Art. 20)").click()
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        with zipfile.ZipFile(saved) as archive:
            summary = archive.read("summary.html").decode("utf-8")
        english_summary = _english_export(page, server)
        assert 'lang="de"' in summary
        for heading in ("Was wir über Sie speichern", "Ihre Rechte"):
            assert f">{heading}<" in summary, heading
        assert MIA in summary
        left = [
            text
            for text in untranslated(summary, english_summary)
            if text not in SAME_IN_GERMAN and not _persons_data(text)
        ]
        assert not left, f"English in the German summary.html: {left}"
        page.set_content(summary)  # as the person opens it from the zip
        assert page.get_by_role("heading", name="Was wir über Sie speichern").is_visible()
    finally:
        context.close()


def _english_export(page: Any, server: LiveServer) -> str:
    """The same person's export asked for in English (the form's CSRF token, the
    session's cookies): its summary.html, to compare with the German one."""
    token = page.locator("form[action='/portal/export'] input[name=csrf_token]").input_value()
    response = page.request.post(
        f"{server.url}/portal/export",
        form={"csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert response.status == 200
    with zipfile.ZipFile(io.BytesIO(response.body())) as archive:
        return archive.read("summary.html").decode("utf-8")


def _expire_unused_links(server: LiveServer) -> int:
    """Move the expiry of every unused log-in link a minute into the past (links last 15
    minutes; no waiting): what the database holds 16 minutes after they were sent."""
    engine = create_engine(f"sqlite:///{(server.log.parent / 'sphere.db').as_posix()}")
    try:
        with Session(engine) as db, db.begin():
            result = db.execute(
                update(PortalLoginLinkRow)
                .where(PortalLoginLinkRow.used_at.is_(None))
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
            return int(result.rowcount)
    finally:
        engine.dispose()


def _assert_link_invalid_page(page: Any, server: LiveServer, lang: str, address: str) -> None:
    """The page says what happened in ``lang``, has no way to the cockpit, and its form
    sends a new link."""
    words = WORDS[lang]
    assert page.get_by_role("heading", level=1).inner_text() == words["invalid"]
    main = page.locator("main").inner_text()
    assert words["what happened"] in main
    assert page.locator("html").get_attribute("lang") == lang
    body = page.locator("body").inner_text()
    assert words["cockpit"] not in body and "cockpit" not in body.lower()
    assert page.locator("a[href^='/cockpit']").count() == 0
    if lang == "de":
        assert_german(page, "link no longer valid")
    before = len(server.portal_links())
    page.get_by_label(words["address"]).fill(address)
    page.get_by_role("button", name=words["send new"]).click()
    assert words["sent"] in page.get_by_role("status").inner_text()
    new_link = _next_link(server, before)
    page.goto(new_link)  # the new link works
    page.get_by_role("button", name=words["log in"], exact=True).click()
    page.wait_for_url(re.compile(r".*/portal/overview$"))


@pytest.mark.parametrize("lang", ["de", "en"])
def test_expired_log_in_link(browser: Any, server: LiveServer, lang: str) -> None:
    context = _context(browser, lang)
    try:
        page = context.new_page()
        link = ask_for_link(page, server, LENA, lang)
        assert _expire_unused_links(server) >= 1
        page.goto(link)
        with page.expect_response(re.compile(r".*/portal/session$")) as answer:
            page.get_by_role("button", name=WORDS[lang]["log in"], exact=True).click()
        assert answer.value.status == 404
        _assert_link_invalid_page(page, server, lang, LENA)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_used_log_in_link(browser: Any, server: LiveServer, lang: str) -> None:
    first = _context(browser, lang)
    try:
        page = first.new_page()
        link = ask_for_link(page, server, OTTO, lang)
        page.goto(link)
        page.get_by_role("button", name=WORDS[lang]["log in"], exact=True).click()
        page.wait_for_url(re.compile(r".*/portal/overview$"))
    finally:
        first.close()
    again = _context(browser, lang)  # the same link once more, say from the mail again
    try:
        page = again.new_page()
        page.goto(link)
        with page.expect_response(re.compile(r".*/portal/session$")) as answer:
            page.get_by_role("button", name=WORDS[lang]["log in"], exact=True).click()
        assert answer.value.status == 404
        _assert_link_invalid_page(page, server, lang, OTTO)
    finally:
        again.close()
