"""Marketer → DPO → campaign → dry run, a confirmed erasure, and the read-only auditor, in headless
Chromium (issue 16, points 3 and 4).

A server of its own: a marketer and an auditor account, an employee among the contacts
who consented to direct marketing (so a newsletter needs the DPO's approval: employees
are vulnerable data subjects, WP248) and an erasure request that waits in the queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import DPO_PASSWORD, LiveServer, serve

pytestmark = pytest.mark.browser

MARKETER = "marketing@example.com"
AUDITOR = "auditor@example.com"
EMPLOYEE = "eva.kollegin@example.com"
ERASE_ME = "ernst.loesch@example.org"
MEASURE = "Herbst-Newsletter"


def _seed(db: Any, keyring: Any) -> None:
    from sphere.accounts import Role, create_staff_user, make_password_hasher
    from sphere.consent.ledger import grant
    from sphere.domain import IdentityKind, Purpose
    from sphere.domain.time import utcnow
    from sphere.rights.requests import RequestType, open_request
    from sphere.storage.repositories.contacts import ContactRepository

    hasher = make_password_hasher(fast=True)
    for user, role in ((MARKETER, Role.MARKETER), (AUDITOR, Role.AUDITOR)):
        create_staff_user(db, user, DPO_PASSWORD, role=role, hasher=hasher)
    now = utcnow()
    contacts = ContactRepository(db, keyring)
    for address, employee in ((EMPLOYEE, True), (ERASE_ME, False)):
        contact = contacts.create(at=now, is_employee=employee)
        contacts.add_identity(contact.id, IdentityKind.EMAIL, address, at=now)
        grant(db, contact.id, Purpose.DIRECT_MARKETING, channel="web", at=now, actor="seed")
    open_request(db, keyring, ERASE_ME, RequestType.ERASURE, at=now, actor="seed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("flows-home"), seed_more=_seed) as live:
        yield live


def _log_in(page: Any, server: LiveServer, user: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server.url}/cockpit/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(DPO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_marketer_submits_the_dpo_approves_and_the_dry_run_holds_the_send(
    page: Any, server: LiveServer
) -> None:
    _log_in(page, server, MARKETER)
    page.wait_for_url(re.compile(r".*/cockpit/marketing/check$"))
    page.get_by_label("Name of the measure").fill(MEASURE)
    page.get_by_role("button", name="Run the planning check").click()
    verdict = page.locator(".verdict-card")
    assert "Needs the DPO's approval" in verdict.inner_text()
    assert "employee" in verdict.inner_text().lower()  # the reason, in words
    # the verdict is the first thing on the page, above the form
    form_field = page.get_by_label("Name of the measure")
    assert verdict.bounding_box()["y"] < form_field.bounding_box()["y"]
    page.get_by_role("button", name="Submit for the DPO's approval").click()
    page.wait_for_url(re.compile(r".*/cockpit/marketing/measures\?done=measure-submitted.*"))
    assert "was submitted" in page.get_by_role("status").inner_text()
    assert page.get_by_role("button", name="Approve").count() == 0  # the DPO decides

    _log_in(page, server, server.username)
    page.goto(f"{server.url}/cockpit/marketing/measures")
    measure = page.locator("article.measure", has_text=MEASURE)
    assert "employee" in measure.inner_text().lower()  # the check's reasons for the DPO
    measure.get_by_label("Reason for approving").fill("Mitarbeitende ausgenommen, DSFA-12")
    measure.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r".*done=measure-approved.*"))
    assert "was approved" in page.get_by_role("status").inner_text()
    assert "DSFA-12" in page.locator("table").inner_text()

    _log_in(page, server, MARKETER)
    page.goto(f"{server.url}/cockpit/marketing/dry-run")
    page.get_by_role("link", name="Create a campaign for an approved measure").click()
    page.get_by_label("Name of the campaign").fill("herbst")
    page.get_by_label("Approved measure").select_option(MEASURE)
    page.get_by_label("Subject").fill("Herbstangebot")
    page.get_by_label("Message", exact=True).fill("10 % auf Objektive.")
    # quiet hours all day, so the dry run holds the send
    page.get_by_label("from", exact=True).fill("00:00")
    page.get_by_label("until", exact=True).fill("23:59")
    page.get_by_role("button", name="Create the campaign").click()
    page.wait_for_url(re.compile(r".*/cockpit/marketing/dry-run\?campaign=herbst.*"))
    assert "“herbst” was created" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Dry run").click()
    heading = page.get_by_role("heading", name=re.compile(r"herbst: \d+ eligible"))
    heading.wait_for()
    text = heading.inner_text()
    assert "sending held until" in text and "0 eligible" not in text
    assert "quiet hours (00:00–23:59" in page.locator(".held-note").inner_text()
    assert "The planning check of the measure" in page.locator("main").inner_text()
    # held people are eligible: listed apart from the refused ones, never as "why not"
    held = page.get_by_role("region", name="Eligible, held until the quiet hours end")
    assert "quiet-hours" in held.inner_text()
    assert page.get_by_role("region", name="Why not, in sum").count() == 0
    refused = page.get_by_role("region", name="Would not be reached")
    assert "quiet-hours" not in refused.inner_text()
    page.screenshot(path=str(Path(server.log).parent / "dry-run.png"), full_page=True)


def test_erasure_is_confirmed_in_numbers_and_the_auditor_sees_no_buttons(
    page: Any, server: LiveServer
) -> None:
    _log_in(page, server, AUDITOR)
    page.goto(f"{server.url}/cockpit/requests")
    queue = page.locator("#request-queue")
    assert "erasure" in queue.inner_text().lower()  # "Erasure (Art. 17)"
    assert queue.get_by_role("button").count() == 0 and "Read only" in queue.inner_text()
    page.goto(f"{server.url}/cockpit/whatif")
    assert page.locator("main").get_by_role("button").count() == 0
    page.goto(f"{server.url}/cockpit/marketing/measures")
    assert page.locator("main form").count() == 0

    _log_in(page, server, server.username)
    page.goto(f"{server.url}/cockpit/requests")
    row = page.locator("tr", has_text="erasure")
    row.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    page.locator("tr", has_text="erasure").get_by_role("button", name="Erase…").click()
    page.get_by_role("heading", name=re.compile(r"Erase this person")).wait_for()
    what = page.locator(".confirm").inner_text()
    assert re.search(r"\d+ records? about this person will be deleted", what)
    assert "key is destroyed" in what and "consent entr" in what
    danger = page.get_by_role("button", name="Erase and destroy the key")
    assert "button-danger" in (danger.get_attribute("class") or "")
    danger.click()
    page.wait_for_url(re.compile(r".*/cockpit/requests\?done=erasure-completed.*"))
    assert "The erasure was carried out" in page.get_by_role("status").inner_text()
