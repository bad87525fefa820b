"""The data-subject portal in a real browser: log-in through a one-time link taken from
the server's console, overview, withdrawing a consent, the Art. 20 download, an erasure
request with its deadline; another subject's URLs give nothing; the phone layout and
keyboard use."""

from __future__ import annotations

import json
import re
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import LENA, MIA, OTTO

pytestmark = pytest.mark.browser

PORTAL_PAGES = ("/portal/overview", "/portal/consents", "/portal/requests", "/portal/receipts")


def portal_log_in(page: Any, server: Any, address: str) -> None:
    """Ask for a link through the form, take it from the console, open it, confirm."""
    page.goto(f"{server.url}/portal/")
    assert page.url.endswith("/portal/login")
    before = len(server.portal_links())
    page.get_by_label("E-mail address").fill(address)
    page.get_by_role("button", name="Send me a log-in link").click()
    assert "log-in link is on its way" in page.get_by_role("status").inner_text()
    deadline = time.monotonic() + 10
    while len(server.portal_links()) == before:  # the server writes the log in its process
        assert time.monotonic() < deadline, "no log-in link on the server console"
        time.sleep(0.05)
    link = server.portal_links()[-1]
    assert link.startswith(f"{server.url}/portal/login/")
    assert server.subjects[address] not in link  # a random token, not the contact id
    page.goto(link)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/portal/overview$"))


def test_subject_withdraws_consent_exports_and_requests_erasure(
    page: Any, live_server: Any, tmp_path: Path
) -> None:
    portal_log_in(page, live_server, LENA)
    assert page.get_by_role("heading", name="Everything we hold about you").is_visible()
    assert page.get_by_role("heading", name="Your contact details").is_visible()
    main = page.locator("main").inner_text()
    assert LENA in main and "+49 30 1234567" in main
    assert OTTO not in main

    page.get_by_role("link", name="Consents").click()
    page.wait_for_url(re.compile(r".*/portal/consents$"))
    marketing = page.locator("section", has=page.locator("#consent-direct_marketing"))
    assert marketing.get_by_role("heading").inner_text().endswith("On")
    assert "Art. 6(1)(a) GDPR" in marketing.locator(".notice-text").inner_text()
    marketing.get_by_role("button", name="Withdraw consent").click()
    assert page.get_by_role("status").inner_text().startswith("Consent withdrawn")
    marketing = page.locator("section", has=page.locator("#consent-direct_marketing"))
    assert marketing.get_by_role("heading").inner_text().endswith("Off")
    assert marketing.get_by_role("button", name="Give consent").is_visible()
    assert marketing.get_by_role("button", name="Withdraw consent").count() == 0
    page.get_by_role("link", name="Receipts").click()
    assert "consent withdrawn" in page.locator("main").inner_text()

    page.get_by_role("link", name="Your requests").click()
    page.wait_for_url(re.compile(r".*/portal/requests$"))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data (Art. 20)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        assert "data.json" in names
        data = json.loads(archive.read("data.json"))
    assert [row["value"] for row in data["identities"] if row["kind"] == "email"] == [LENA]
    assert OTTO not in json.dumps(data)

    page.reload()
    page.get_by_label("Request", exact=True).select_option(label="Erase my data (Art. 17)")
    page.get_by_role("button", name="Open request").click()
    page.get_by_role("heading", name="Erase your data?").wait_for()  # a new page: wait
    page.get_by_role("button", name="Yes, erase my data").click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == "Your request was received."
    rows = page.locator("#my-requests tbody tr")
    erasure = rows.filter(has_text="Erase my data (Art. 17)")
    assert erasure.count() == 1
    cells = erasure.locator("td").all_inner_texts()
    current = erasure.locator('[aria-current="step"]').inner_text()
    assert current in ("received", "identity verified")
    due = datetime.strptime(cells[2].strip(), "%d %b %Y").date()  # en_GB: "3 Jul 2026"
    assert timedelta(days=28) <= due - date.today() <= timedelta(days=31)  # Art. 12(3)
    assert rows.filter(has_text="Copy of my data (Art. 20)").filter(has_text="completed").count()


def _db_url(server: Any) -> str:
    return f"sqlite:///{(server.log.parent / 'sphere.db').as_posix()}"


def _request_ids(server: Any, contact_id: str) -> list[str]:
    engine = create_engine(_db_url(server))
    try:
        with engine.connect() as db:
            rows = db.execute(
                text("select id from dsr_requests where contact_id = :c"), {"c": contact_id}
            )
            return [str(row[0]) for row in rows]
    finally:
        engine.dispose()


def test_another_subjects_urls_give_nothing(browser: Any, live_server: Any) -> None:
    otto_id = live_server.subjects[OTTO]
    otto = browser.new_context()
    try:
        page = otto.new_page()
        portal_log_in(page, live_server, OTTO)
        page.goto(f"{live_server.url}/portal/requests")
        page.get_by_label("Request", exact=True).select_option(value="access")
        page.get_by_role("button", name="Open request").click()
        page.goto(f"{live_server.url}/portal/receipts")
        hrefs = page.locator("main a[href$='.jsonld']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert hrefs, "Otto has consent receipts"
    finally:
        otto.close()
    otto_receipts = [href.rsplit("/", 1)[1].removesuffix(".jsonld") for href in hrefs]
    otto_requests = _request_ids(live_server, otto_id)
    assert otto_requests

    lena = browser.new_context()
    try:
        page = lena.new_page()
        portal_log_in(page, live_server, LENA)
        own = page.request.get(f"{live_server.url}/portal/receipts")
        own_href = re.search(r'href="(/portal/receipts/[^"]+\.jsonld)"', own.text())
        assert own_href is not None
        assert page.request.get(f"{live_server.url}{own_href.group(1)}").status == 200
        for receipt in otto_receipts:
            response = page.request.get(f"{live_server.url}/portal/receipts/{receipt}.jsonld")
            assert response.status == 404, receipt
            assert otto_id not in response.text()
        probes = [f"/portal/requests/{rid}" for rid in otto_requests] + [
            f"/portal/overview/{otto_id}",
            f"/portal/contacts/{otto_id}",
            f"/cockpit/requests/{otto_requests[0]}/complete",
            f"/api/v1/contacts/{otto_id}/timeline",
            f"/cockpit/contacts/{otto_id}/timeline",
        ]
        for path in probes:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            body = page.content()
            assert OTTO not in body and otto_id not in body, path
            assert "+49 40 7654321" not in body, path
            denied = response.status in (401, 403, 404, 405) or page.url.endswith("/login")
            assert denied, f"{path}: {response.status} {page.url}"
        for path in (
            f"/portal/overview?contact_id={otto_id}",
            f"/portal/overview?contact={otto_id}&subject={otto_id}",
            f"/portal/consents?contact_id={otto_id}",
            f"/portal/requests?contact_id={otto_id}",
            f"/portal/receipts?contact_id={otto_id}",
        ):
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, path
            body = page.content()
            assert OTTO not in body and "+49 40 7654321" not in body, path
            assert otto_id not in body, path
            for receipt in otto_receipts:
                assert receipt not in body, path
        assert LENA in page.goto(f"{live_server.url}/portal/overview?contact_id={otto_id}").text()
    finally:
        lena.close()

    stranger = browser.new_context()
    try:  # a guessable id in the log-in URL logs nobody in
        page = stranger.new_page()
        for guess in (otto_id, otto_requests[0]):
            page.goto(f"{live_server.url}/portal/login/{guess}")
            response = page.request.get(f"{live_server.url}/portal/overview", max_redirects=0)
            assert response.status == 303
            with page.expect_response(re.compile(r".*/portal/session$")) as answer:
                page.get_by_role("button", name="Log in").click()
            assert answer.value.status == 404
            assert OTTO not in page.content()
        page.goto(f"{live_server.url}/portal/overview")
        assert page.url.endswith("/portal/login")
    finally:
        stranger.close()


def test_portal_on_a_phone_and_by_keyboard(browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        portal_log_in(page, live_server, MIA)
        for path in PORTAL_PAGES:
            page.goto(f"{live_server.url}{path}")
            scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
            inner_width = page.evaluate("window.innerWidth")
            assert inner_width == 375
            assert scroll_width <= inner_width, f"{path} scrolls sideways ({scroll_width}px)"
        page.goto(f"{live_server.url}/portal/overview")

        page.keyboard.press("Tab")  # first stop: the skip link, visibly focused
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
        reached = _tab_through(page, 12)
        for name in ("What we hold", "Consents", "Your requests", "Receipts", "Log out"):
            assert name in reached, f"{name!r} not reachable with Tab: {reached}"

        page.goto(f"{live_server.url}/portal/requests")
        reached = _tab_through(page, 16)
        for name in ("Download my data (Art. 20)", "SELECT", "Open request"):
            assert name in reached, f"{name!r} not reachable with Tab: {reached}"
        page.goto(f"{live_server.url}/portal/consents")
        assert "Withdraw consent" in _tab_through(page, 16)
    finally:
        context.close()


def _tab_through(page: Any, presses: int) -> list[str]:
    """Press Tab ``presses`` times; the text (or tag) of each link/button/field focused."""
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(() => { const e = document.activeElement;"
                " return ['A', 'BUTTON'].includes(e.tagName) ? e.innerText.trim() : e.tagName })()"
            )
        )
    return reached


def test_cockpit_queue_shows_the_subjects_request(browser: Any, live_server: Any) -> None:
    subject = browser.new_context()
    try:
        page = subject.new_page()
        portal_log_in(page, live_server, OTTO)
        page.goto(f"{live_server.url}/portal/requests")
        page.get_by_label("Request", exact=True).select_option(value="restriction")
        page.get_by_role("button", name="Open request").click()
        assert page.get_by_role("status").inner_text() == "Your request was received."
    finally:
        subject.close()
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = staff.new_page()
        page.goto(f"{live_server.url}/cockpit/login")
        page.get_by_label("User name").fill(live_server.username)
        page.get_by_label("Password").fill(live_server.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/cockpit/$"))
        page.get_by_role("navigation", name="Cockpit sections").get_by_role(
            "link", name="Requests"
        ).first.click()
        page.wait_for_url(re.compile(r".*/cockpit/requests$"))
        row = page.locator("main tbody tr").filter(has_text="restriction")
        assert row.count() >= 1
        due = row.first.locator('td[data-label="Due by"] time').get_attribute("datetime")
        assert due is not None and date.fromisoformat(due[:10]) >= date.today()
        assert row.first.get_by_role("button").first.is_visible()  # verify / complete
    finally:
        staff.close()
