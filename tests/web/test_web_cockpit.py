"""Cockpit API and pages over seeded data: roles, exports, findings with their links,
what-if (records and campaigns) and apply, timeline."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.consent.ledger import withdraw
from sphere.domain import Purpose
from sphere.domain.time import FrozenClock
from sphere.marketing.campaigns import create_campaign
from sphere.marketing.measures import submit
from sphere.rights.requests import RequestType, open_request
from sphere.runtime import Runtime
from sphere.storage.repositories.notice_duties import NoticeDutyRepository
from tests.integration.marketing.conftest import seed_contact
from tests.integration.marketing.test_campaigns import NEWSLETTER, OFFER
from tests.web.conftest import csrf_in


def _bearer(make_token: Callable[..., str], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role)}"}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.DPO, 200),
        (Role.ADMIN, 200),
        (Role.AUDITOR, 200),
        (Role.MARKETER, 403),
        (Role.AGENT, 403),
    ],
    ids=["dpo", "admin", "auditor", "marketer", "agent"],
)
def test_read_endpoints_by_role(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str], role: Role, status: int
) -> None:
    headers = _bearer(make_token, role)
    for path in ("/api/v1/record", "/api/v1/findings", "/api/v1/inventories", "/api/v1/audit"):
        assert client.get(path, headers=headers).status_code == status, path


def test_record_json_jsonld_pdf(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str]
) -> None:
    headers = _bearer(make_token, Role.AUDITOR)
    record = client.get("/api/v1/record", headers=headers).json()
    care = next(a for a in record["activities"] if a["purpose"] == "customer_care")
    assert care["interactions"] == 2 and care["sources"][0]["name"] == "masto"
    jsonld = client.get("/api/v1/record.jsonld", headers=headers)
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert jsonld.json()["@type"] == "dpv:ROPA"
    pdf = client.get("/api/v1/record.pdf", headers=headers)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    english = pdf_text(pdf.content)
    assert "Record of processing activities (Art. 30(1) GDPR)" in english
    assert "Legal basis: Art. 6(1)(f) GDPR" in english


def pdf_text(pdf: bytes) -> str:
    """The text fpdf2 wrote (its page streams are zlib-compressed; core-font text is a
    Latin-1 string shown with ``Tj``), one line per text line."""
    lines = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue  # not a page's content
        for shown in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content):
            lines.append(re.sub(rb"\\(.)", rb"\1", shown).decode("latin-1"))
    return "\n".join(lines)


def test_record_pdf_in_the_dpos_language(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str]
) -> None:
    headers = {**_bearer(make_token, Role.DPO), "Accept-Language": "de-DE,de;q=0.9"}
    pdf = client.get("/api/v1/record.pdf", headers=headers)
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "Verzeichnis von Verarbeitungstätigkeiten nach Art. 30 Abs. 1 DSGVO" in text
    assert "Rechtsgrundlage: Art. 6 Abs. 1 lit. f DSGVO" in text
    assert "Zweck: Kundenbetreuung" in text
    assert "Speicherfrist:" in text and "Tage" in text
    for english in ("GDPR", "Record of processing", "Legal basis", "Purpose:", "days"):
        assert english not in text, english


def test_whatif_and_apply_api_roles(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str]
) -> None:
    body = {"disable_rule": "customer-care.addressed"}
    auditor = _bearer(make_token, Role.AUDITOR)
    assert client.post("/api/v1/policy/whatif", json=body, headers=auditor).status_code == 403
    assert client.post("/api/v1/policy/apply", json=body, headers=auditor).status_code == 403
    marketer = _bearer(make_token, Role.MARKETER)
    assert client.post("/api/v1/policy/apply", json=body, headers=marketer).status_code == 403
    dpo = _bearer(make_token, Role.DPO)
    both = client.post("/api/v1/policy/whatif", json={**body, "yaml": "version: x"}, headers=dpo)
    assert both.status_code == 422
    preview = client.post("/api/v1/policy/whatif", json=body, headers=dpo).json()
    assert preview["changed"] == 2 and preview["no_longer_stored"] == 1
    applied = client.post("/api/v1/policy/apply", json=body, headers=dpo).json()
    assert applied["deleted_interactions"] == 1
    versions = client.get("/api/v1/policy/versions", headers=dpo).json()["versions"]
    assert versions[0]["is_active"] and versions[0]["applied_by"].startswith("dpo:")
    diff = client.get(f"/api/v1/policy/versions/{versions[0]['id']}/diff", headers=dpo).json()
    assert diff["diff"]["rules"]["removed"] == ["customer-care.addressed"]
    audit = client.get("/api/v1/audit?per_page=3", headers=dpo).json()
    assert audit["verification"]["ok"] and audit["entries"][0]["action"] == "policy.reevaluated"


def test_timeline_api_filters_by_role(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str]
) -> None:
    dpo = _bearer(make_token, Role.DPO)
    record = client.get("/api/v1/audit?per_page=200", headers=dpo).json()
    contact_id = next(
        # the customer whose posts were stored (the other imported contact has none)
        e["subject_id"]
        for e in record["entries"]
        if e["action"] == "interaction.stored" and not e["subject_id"].startswith("pseudo:")
    )
    agent = client.get(
        f"/api/v1/contacts/{contact_id}/timeline", headers=_bearer(make_token, Role.AGENT)
    ).json()
    assert agent["hidden"] == 1
    hidden = next(i for i in agent["items"] if not i["visible"])
    assert hidden["text"] is None and "enrichment" in hidden["hidden_reason"]
    missing = client.get("/api/v1/contacts/nope/timeline", headers=dpo)
    assert missing.status_code == 404


def test_cockpit_pages_render_and_whatif_form_applies(
    client: TestClient,
    seeded: Runtime,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
) -> None:
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    for path, text in (
        ("/cockpit/record", "Record of processing activities"),
        ("/cockpit/findings", "Sources collected by scraping"),
        ("/cockpit/inventories", "Data flows"),
        ("/cockpit/audit", "Chain verified"),
        ("/cockpit/policy/versions", "No version stored yet"),
        ("/cockpit/whatif", "Rule to switch off"),
    ):
        page = client.get(path)
        assert page.status_code == 200 and text in page.text, path
    form = client.get("/cockpit/whatif").text
    preview = client.post(
        "/cockpit/whatif",
        data={"csrf_token": csrf_in(form), "disable_rule": "customer-care.addressed"},
    )
    assert preview.status_code == 200 and "Would be deleted" in preview.text
    marker = 'name="expected_hash" value="'
    start = preview.text.index(marker) + len(marker)
    expected = preview.text[start : preview.text.index('"', start)]
    wrong = client.post(
        "/cockpit/policy/apply",
        data={
            "csrf_token": csrf_in(form),
            "disable_rule": "customer-care.addressed",
            "expected_hash": "0" * 64,
        },
    )
    assert wrong.status_code == 422
    marker = 'name="whatif_job" value="'
    start = preview.text.index(marker) + len(marker)
    job = preview.text[start : preview.text.index('"', start)]
    fields = {
        "csrf_token": csrf_in(form),
        "disable_rule": "customer-care.addressed",
        "expected_hash": expected,
        "whatif_job": job,
    }
    # first the confirmation: what will be deleted, in numbers; nothing applied yet
    asked = client.post("/cockpit/policy/apply", data=fields)
    assert asked.status_code == 200 and 'class="button-danger"' in asked.text
    assert "will be deleted" in asked.text and 'name="confirmed" value="yes"' in asked.text
    assert "policy.applied" not in client.get("/cockpit/audit").text
    done = client.post(
        "/cockpit/policy/apply", data={**fields, "confirmed": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/cockpit/audit")
    audit = client.get(done.headers["location"]).text
    assert "policy.reevaluated" in audit and "policy.applied" in audit
    assert "is in force" in audit and 'role="status"' in audit  # the success message


def test_auditor_cannot_apply_through_the_form(
    client: TestClient,
    seeded: Runtime,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
) -> None:
    make_user("auditor@example.com", role=Role.AUDITOR)
    api_login("auditor@example.com")
    form = client.get("/cockpit/whatif")
    assert form.status_code == 200
    # the read-only role is shown no action it could only be refused
    assert "Preview without this rule" not in form.text and "/cockpit/policy/apply" not in form.text
    assert "/cockpit/audit/verify" not in client.get("/cockpit/audit").text
    queue = client.get("/cockpit/requests?state=")
    assert "/complete" not in queue.text and "/reject" not in queue.text
    refused = client.post(
        "/cockpit/policy/apply",
        data={
            "csrf_token": csrf_in(form.text),
            "disable_rule": "customer-care.addressed",
            "expected_hash": "0" * 64,
        },
    )
    assert refused.status_code == 403


def test_timeline_page_escapes_channel_content(
    client: TestClient,
    seeded: Runtime,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    make_token: Callable[..., str],
) -> None:
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    dpo = _bearer(make_token, Role.DPO)
    entries = client.get("/api/v1/audit?per_page=200", headers=dpo).json()["entries"]
    contact_id = next(
        e["subject_id"]
        for e in entries
        if e["action"] == "interaction.stored" and not e["subject_id"].startswith("pseudo:")
    )
    page = client.get(f"/cockpit/contacts/{contact_id}/timeline")
    assert page.status_code == 200 and "Tele 70-200" in page.text
    # the only script is the checked-in htmx; nothing from a channel becomes a tag
    assert page.text.count("<script") == page.text.count('<script src="/static/vendor/')


# --- findings from campaigns and requests; what-if over campaigns ------------------------

CAMPAIGN = "tele & spring"  # an ampersand: escaped on the page, encoded in the link


@pytest.fixture
def campaign(seeded: Runtime, clock: FrozenClock) -> str:
    """Ben consented to direct marketing and withdrew; a newsletter campaign is stored,
    not yet sent; Lena asked for access 25 days ago."""
    ben = seed_contact(seeded, email="ben.muster@example.org", consents=[Purpose.DIRECT_MARKETING])
    with seeded.session() as session:
        withdraw(
            session,
            seeded.keyring,
            ben,
            Purpose.DIRECT_MARKETING,
            channel="web",
            at=clock.now(),
            actor="subject",
        )
        measure, _ = submit(
            session, seeded.keyring, seeded.policy(), NEWSLETTER, actor="mkt", now=clock.now()
        )
        assert measure.state == "approved"
        create_campaign(
            session,
            {"name": CAMPAIGN, "measure": "spring newsletter", "offer": OFFER},
            actor="mkt",
            now=clock.now(),
        )
        open_request(
            session,
            seeded.keyring,
            "lena.beispiel@example.com",
            RequestType.ACCESS,
            at=clock.now(),
            actor="dpo",
        )
    clock.advance(timedelta(days=25))
    return CAMPAIGN


def test_findings_page_links_campaign_and_request_findings(
    client: TestClient,
    campaign: str,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    make_token: Callable[..., str],
) -> None:
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    page = client.get("/cockpit/findings")
    assert page.status_code == 200
    for code in ("campaign.expired-consent", "dsr.deadline", "notice.art14-due-soon"):
        assert page.text.count(f'id="{code}"') == 1, code
    assert '<a href="/cockpit/requests">where</a>' in page.text
    # the page shows the evidence in its language (dates, glossary words, the law cited
    # the page's way); the API below keeps the stable form
    assert "1 due within 7 days (1 Access (Art. 15)); next due 1 Jul 2026" in page.text
    assert "Art. 12(3) GDPR" in page.text
    german = client.get("/cockpit/findings", headers={"Accept-Language": "de"}).text
    due = "1 innerhalb von 7 Tagen fällig (1 × Auskunft (Art. 15)); nächste Frist am 01.07.2026"
    assert due in german
    assert "Art. 12 Abs. 3 DSGVO" in german and "Probelauf: tele &amp; spring" in german
    link = "/cockpit/marketing/dry-run?campaign=tele+%26+spring"
    assert f'<a href="{link}">Dry run: tele &amp; spring</a>' in page.text
    assert "&#39;tele &amp; spring&#39; (draft, no dry run yet" in page.text
    dry_run_form = client.get(link)
    assert dry_run_form.status_code == 200
    assert '<option value="tele &amp; spring" selected>' in dry_run_form.text

    api = client.get("/api/v1/findings", headers=_bearer(make_token, Role.AUDITOR)).json()
    found = {f["code"]: f for f in api["findings"]}
    assert found["campaign.expired-consent"]["links"] == [
        {"label": "Dry run: tele & spring", "href": link}
    ]
    assert found["dsr.deadline"]["severity"] == "medium"
    stable = "1 due within 7 days (1 access); next due 2026-07-01"
    assert found["dsr.deadline"]["evidence"] == stable
    assert found["dsr.deadline"]["article"] == "GDPR Art. 12(3)"
    assert "example.com" not in str(found) and "lena" not in str(found)


def test_whatif_reports_campaigns_on_the_page_and_in_the_api(
    client: TestClient,
    campaign: str,
    app: FastAPI,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    make_token: Callable[..., str],
    seeded: Runtime,
    clock: FrozenClock,
) -> None:
    # The Art. 14 information was given to everyone (the pipeline keeps their duties
    # since 34d78e3; an open one holds a person back from a campaign that does not carry it).
    with seeded.session() as session:
        rights = NoticeDutyRepository(session)
        for duty in rights.duties(open_only=True):
            rights.mark_duties_sent(
                duty.contact_id, at=clock.now(), notice_sha256="0" * 64, language=duty.language
            )
    body = {"disable_rule": "marketing.with-consent"}
    preview = client.post(
        "/api/v1/policy/whatif", json=body, headers=_bearer(make_token, Role.DPO)
    ).json()
    assert (preview["campaigns"], preview["campaigns_checked"]) == (1, 1)
    (shift,) = preview["campaign_shifts"]
    assert shift["name"] == campaign and shift["state"] == "draft"
    assert (shift["old_outcome"], shift["new_outcome"]) == ("can_run_for_subset", "must_not_run")
    assert shift["new_reached"] == 0 and shift["recipients_affected"] == shift["old_reached"] > 0
    assert shift["new_codes"] == {"marketing.needs-consent": shift["recipients_affected"]}
    same = client.post(
        "/api/v1/policy/whatif",
        json={"disable_rule": "customer-care.addressed"},
        headers=_bearer(make_token, Role.DPO),
    ).json()
    assert (same["campaigns"], same["campaign_shifts"]) == (0, [])
    schemas = app.openapi()["components"]["schemas"]
    assert "campaign_shifts" in schemas["WhatIfOut"]["properties"]
    assert schemas["CampaignShiftOut"]["properties"]["recipients_affected"]["type"] == "integer"

    make_user("dpo@example.com")
    api_login("dpo@example.com")
    form = client.get("/cockpit/whatif").text
    page = client.post(
        "/cockpit/whatif",
        data={"csrf_token": csrf_in(form), "disable_rule": "marketing.with-consent"},
    )
    assert page.status_code == 200
    assert "<dt>Campaigns changing outcome</dt><dd>1 of 1</dd>" in page.text
    campaign_cell = '<th scope="row" data-label="Campaign" translate="no">tele &amp; spring</th>'
    assert campaign_cell in page.text
    assert "Can run for part of the audience → Must not run" in page.text
    assert f"{shift['old_reached']} → 0 of {shift['audience']}" in page.text

    applied = client.post(
        "/api/v1/policy/apply", json=body, headers=_bearer(make_token, Role.DPO)
    ).json()
    assert applied["campaigns_changed"] == 1
    audit = client.get("/api/v1/audit?per_page=1", headers=_bearer(make_token, Role.DPO)).json()
    assert audit["entries"][0]["details"]["campaigns_changed"] == 1
