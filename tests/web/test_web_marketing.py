"""Marketing over the web: the JSON API (planning check, measures, DPO decision, campaign
dry run, profile explanation) and the marketer's cockpit pages, with role refusals and
escaping."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.domain import FrozenClock, Purpose
from sphere.governance.sources import add_source
from sphere.jobs.context import ProgressBoard
from sphere.jobs.runner import run_job
from sphere.jobs.runner import submit as submit_job
from sphere.marketing import dry_run as dry_run_module
from sphere.marketing.campaigns import create_campaign
from sphere.marketing.measures import submit
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_session_factory
from tests.integration.marketing.conftest import TELE_POSTS, seed_contact
from tests.web.conftest import csrf_in

# Monday 14:00 in Berlin: outside quiet hours.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NEWSLETTER: dict[str, Any] = {
    "name": "spring newsletter",
    "kind": "campaign",
    "purpose": "direct_marketing",
    "channel": "email",
    "data_items": [
        {
            "category": "contact_data",
            "collection": "manual",
            "visibility": "company_direct",
            "addressing": "direct",
            "label": "e-mail address",
        }
    ],
}
ENRICH: dict[str, Any] = {
    "name": "product enrichment",
    "kind": "enrichment",
    "purpose": "enrichment",
    "channel": "webhook",
    "data_items": [
        {"category": "product_content", "visibility": "public", "label": "product posts"}
    ],
}
OFFER = {"subject": "Frühlingsangebot", "body": "20 % auf das Tele 70-200 bis Ende Juni."}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def rt(settings: Settings, fresh_engine: Engine, clock: FrozenClock, tmp_path: Path) -> Runtime:
    settings.home.mkdir(parents=True, exist_ok=True)
    return Runtime(
        settings=settings,
        engine=fresh_engine,
        factory=make_session_factory(fresh_engine),
        keyring=Keyring.from_settings(settings),
        clock=clock,
    )


@pytest.fixture
def people(rt: Runtime) -> dict[str, str]:
    """Anna consented to direct marketing; Dora did not."""
    return {
        "anna": seed_contact(
            rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING]
        ),
        "dora": seed_contact(rt, email="dora.test@example.com"),
    }


@pytest.fixture
def campaign(rt: Runtime, people: dict[str, str]) -> str:
    with rt.session() as session:
        record, _ = submit(session, rt.keyring, rt.policy(), NEWSLETTER, actor="mkt", now=NOW)
        assert record.state == "approved"
        create_campaign(
            session,
            {"name": "tele", "measure": "spring newsletter", "offer": OFFER},
            actor="mkt",
            now=NOW,
        )
    return "tele"


def _auth(make_token: Callable[..., str], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role)}"}


# --- JSON API ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MARKETER, Role.DPO, Role.ADMIN])
def test_planning_check_on_stored_contacts(
    client: TestClient, people: dict[str, str], make_token: Callable[..., str], role: Role
) -> None:
    response = client.post(
        "/api/v1/measures/check", json=NEWSLETTER, headers=_auth(make_token, role)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["verdict"], body["eligible"], body["total"]) == ("can_run_for_subset", 1, 2)
    assert body["consent"]["given"] == 1 and body["consent"]["missing"] == 1
    assert body["items"][0]["legal_bases"]
    assert "anna" not in response.text and "example.com" not in response.text


@pytest.mark.parametrize("role", [Role.AGENT, Role.AUDITOR])
def test_agent_and_auditor_cannot_run_the_planning_check(
    client: TestClient, people: dict[str, str], make_token: Callable[..., str], role: Role
) -> None:
    response = client.post(
        "/api/v1/measures/check", json=NEWSLETTER, headers=_auth(make_token, role)
    )
    assert response.status_code == 403


def test_bad_measure_names_the_field(client: TestClient, make_token: Callable[..., str]) -> None:
    response = client.post(
        "/api/v1/measures/check",
        json={**NEWSLETTER, "purpose": "world_domination"},
        headers=_auth(make_token, Role.MARKETER),
    )
    assert response.status_code == 422
    assert "measure.purpose" in response.json()["error"]["message"]


def test_submit_list_and_dpo_decision(
    client: TestClient, rt: Runtime, people: dict[str, str], make_token: Callable[..., str]
) -> None:
    marketer = _auth(make_token, Role.MARKETER)
    with rt.session() as session:
        add_source(
            session, "masto", channel="mastodon", collection="official_api", actor="t", at=NOW
        )
    seed_contact(rt, posts=TELE_POSTS)
    # enrichment needs a DPIA under the default policy -> waits for the DPO
    submitted = client.post("/api/v1/measures", json=ENRICH, headers=marketer)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["measure"]["state"] == "submitted"

    listed = client.get("/api/v1/measures?state=submitted", headers=_auth(make_token, Role.AUDITOR))
    assert [m["name"] for m in listed.json()["measures"]] == ["product enrichment"]

    url = "/api/v1/measures/product enrichment/approve"
    assert client.post(url, json={"reason": "DPIA on file"}, headers=marketer).status_code == 403
    auditor = _auth(make_token, Role.AUDITOR)
    assert client.post(url, json={"reason": "DPIA on file"}, headers=auditor).status_code == 403
    dpo = _auth(make_token, Role.DPO)
    approved = client.post(url, json={"reason": "DPIA on file"}, headers=dpo)
    assert approved.status_code == 200, approved.text
    assert approved.json()["measure"]["state"] == "approved"
    again = client.post(
        "/api/v1/measures/product enrichment/reject", json={"reason": "no"}, headers=dpo
    )
    assert again.status_code == 422


def test_unknown_measure_is_404(client: TestClient, make_token: Callable[..., str]) -> None:
    response = client.post(
        "/api/v1/measures/nothing/reject",
        json={"reason": "unknown"},
        headers=_auth(make_token, Role.DPO),
    )
    assert response.status_code == 404


def test_dry_run_lists_contact_ids_and_reasons(
    client: TestClient, campaign: str, people: dict[str, str], make_token: Callable[..., str]
) -> None:
    response = client.post(
        f"/api/v1/campaigns/{campaign}/dry-run", headers=_auth(make_token, Role.MARKETER)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [line["contact_id"] for line in body["reached"]] == [people["anna"]]
    assert [(x["contact_id"], x["code"]) for x in body["not_reached"]] == [
        (people["dora"], "consent.missing")
    ]
    assert "example.com" not in response.text


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_a_page_answers_while_a_dry_run_judges_its_audience(
    client: TestClient, rt: Runtime, campaign: str, people: dict[str, str],
    make_token: Callable[..., str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """SQLite has one writer: the dry-run job reads and judges the audience in a
    read-only unit of work and stores the verdicts in a short writing one, so a request
    (BEGIN IMMEDIATE) does not wait for it (at 100,000 contacts it waited up to the 15 s
    busy timeout and failed with "database is locked")."""
    judging, release = threading.Event(), threading.Event()
    real = dry_run_module.judge_groups

    def held(*args: Any, **kwargs: Any) -> Any:
        verdicts = real(*args, **kwargs)
        judging.set()  # inside the read, the audience read once
        assert release.wait(30)
        return verdicts

    monkeypatch.setattr(dry_run_module, "judge_groups", held)
    job = submit_job(rt, "dry_run", {"campaign": campaign}, actor="mkt")
    outcome: list[Any] = []
    worker = threading.Thread(
        target=lambda: outcome.append(run_job(rt, ProgressBoard(), job.id)), daemon=True
    )
    worker.start()
    try:
        assert judging.wait(30), "the job reached its judging"
        started = time.monotonic()
        listed = client.get("/api/v1/jobs?kind=dry_run", headers=_auth(make_token, Role.DPO))
        assert listed.status_code == 200, listed.text
        assert [j["state"] for j in listed.json()["jobs"]] == ["running"]
        assert time.monotonic() - started < 5, "the page did not wait for the job"
    finally:
        release.set()
        worker.join(30)
    assert outcome and outcome[0] is not None and outcome[0].state == "done", outcome
    counts = outcome[0].result["counts"]
    assert counts["reached"] == 1 and counts["not_reached"] == 1
    headers = _auth(make_token, Role.MARKETER)
    lines = client.get(f"/api/v1/campaigns/{campaign}/dry-run/lines", headers=headers).json()
    assert sorted(line["contact_id"] for line in lines["lines"]) == sorted(people.values())


@pytest.mark.parametrize("role", [Role.AGENT, Role.AUDITOR])
def test_dry_run_refused_for_agent_and_auditor(
    client: TestClient, campaign: str, make_token: Callable[..., str], role: Role
) -> None:
    response = client.post(f"/api/v1/campaigns/{campaign}/dry-run", headers=_auth(make_token, role))
    assert response.status_code == 403


def test_profile_explanation(
    client: TestClient, people: dict[str, str], make_token: Callable[..., str]
) -> None:
    response = client.get(
        f"/api/v1/contacts/{people['anna']}/profile", headers=_auth(make_token, Role.AGENT)
    )
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), dict)
    missing = client.get("/api/v1/contacts/nobody/profile", headers=_auth(make_token, Role.DPO))
    assert missing.status_code == 404
    assert client.get(f"/api/v1/contacts/{people['anna']}/profile").status_code == 401


# --- cockpit pages ----------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def _form(people: dict[str, str], **changes: Any) -> dict[str, Any]:
    return {
        "name": "spring newsletter",
        "kind": "campaign",
        "purpose": "direct_marketing",
        "categories": ["contact_data"],
        "collection": "manual",
        "visibility": "company_direct",
        "addressing": "direct",
        "channel": "email",
        "segment": "",
        **changes,
    }


@pytest.fixture
def login_as(
    client: TestClient, make_user: Callable[..., str], api_login: Callable[..., str]
) -> Callable[[Role], None]:
    def login(role: Role) -> None:
        api_login(make_user(f"user-{role.value}", role))

    return login


def test_marketer_runs_the_planning_check_page(
    client: TestClient, people: dict[str, str], login_as: Callable[[Role], None]
) -> None:
    login_as(Role.MARKETER)
    page = client.get("/cockpit/marketing/check")
    assert page.status_code == 200
    for field in ("m-name", "m-channel", "m-segment", "m-cat-contact_data"):
        assert f'<label for="{field}">' in page.text
    # a campaign's data is what the person gave us: no questions about social posts
    assert "m-collection" not in page.text and "m-purpose" not in page.text
    enrichment = client.get("/cockpit/marketing/check?kind=enrichment").text
    assert '<label for="m-collection">' in enrichment and "m-channel" not in enrichment
    assert 'href="/cockpit/record"' not in page.text  # no links a marketer cannot open
    data = {**_form(people), "csrf_token": csrf_in(page.text)}
    result = client.post("/cockpit/marketing/check", data=data)
    assert result.status_code == 200, result.text
    # the verdict comes first, as a badge with the reasons in words; then the form
    verdict = result.text.index('class="badge badge-verdict badge-can_run_for_subset"')
    assert verdict < result.text.index('id="m-name"')
    assert "Can run for part of the audience" in result.text
    assert "1 of 2 contacts may be reached" in result.text
    assert "given 1, missing 1, withdrawn 0" in result.text
    assert "art6_1_a" not in result.text and "Art. 6(1)(a) GDPR" in result.text
    assert "Put the measure on record" in result.text  # no approval needed
    assert "example.com" not in result.text


ENRICH_FORM = {
    "name": "product enrichment",
    "kind": "enrichment",
    "purpose": "enrichment",
    "categories": ["product_content"],
    "collection": "official_api",
    "visibility": "public",
    "addressing": "addressed",
}


def test_marketer_submits_and_the_dpo_approves_or_rejects_with_a_reason(
    client: TestClient,
    rt: Runtime,
    people: dict[str, str],
    login_as: Callable[[Role], None],
) -> None:
    """Marketer → DPO in the browser's forms: the check needs the DPO (enrichment needs
    a DPIA under the default policy), the marketer submits it, the DPO sees it with the
    check's reasons and approves it; a second one is rejected after a confirmation."""
    seed_contact(rt, posts=TELE_POSTS)
    login_as(Role.MARKETER)
    token = csrf_in(client.get("/cockpit/marketing/check?kind=enrichment").text)
    checked = client.post("/cockpit/marketing/check", data={**ENRICH_FORM, "csrf_token": token})
    assert "Needs the DPO&#39;s approval" in checked.text or "Needs the DPO's approval" in (
        checked.text
    )
    assert "Submit for the DPO" in checked.text
    submitted = client.post(
        "/cockpit/marketing/measures",
        data={**ENRICH_FORM, "csrf_token": token},
        follow_redirects=False,
    )
    assert submitted.status_code == 303
    client.post(
        "/cockpit/marketing/measures",
        data={**ENRICH_FORM, "name": "lookalikes", "csrf_token": token},
    )
    page = client.get(submitted.headers["location"])
    assert "was submitted" in page.text and 'role="status"' in page.text
    assert "Awaiting a decision" in page.text and "product enrichment" in page.text
    assert "/approve" not in page.text  # the marketer does not decide

    login_as(Role.AUDITOR)
    audit_view = client.get("/cockpit/marketing/measures").text
    assert "product enrichment" in audit_view and "<form" not in audit_view.split("<main")[1]

    login_as(Role.DPO)
    page = client.get("/cockpit/marketing/measures")
    assert "DPIA" in page.text and "/approve" in page.text  # the check's reasons
    token = csrf_in(page.text)
    approved = client.post(
        "/cockpit/marketing/measures/product%20enrichment/approve",
        data={"reason": "DPIA-7 on file", "csrf_token": token},
    )
    assert approved.status_code == 200
    assert "was approved" in approved.text and "DPIA-7 on file" in approved.text

    url = "/cockpit/marketing/measures/lookalikes/reject"
    asked = client.post(url, data={"reason": "no DPIA for this", "csrf_token": token})
    assert asked.status_code == 200 and "button-danger" in asked.text
    assert "Reject the measure" in asked.text and "no DPIA for this" in asked.text
    waiting = client.get("/cockpit/marketing/measures").text.split("Decided lately")[0]
    assert "lookalikes" in waiting  # nothing happened yet
    done = client.post(
        url, data={"reason": "no DPIA for this", "confirmed": "yes", "csrf_token": token}
    )
    assert "was rejected" in done.text


def test_planning_check_page_needs_csrf(
    client: TestClient, people: dict[str, str], login_as: Callable[[Role], None]
) -> None:
    login_as(Role.MARKETER)
    response = client.post("/cockpit/marketing/check", data=_form(people))
    assert response.status_code == 403


def test_planning_check_page_escapes_and_shows_errors_on_the_form(
    client: TestClient, people: dict[str, str], login_as: Callable[[Role], None]
) -> None:
    login_as(Role.DPO)
    token = csrf_in(client.get("/cockpit/marketing/check").text)
    data = {**_form(people, name=SCRIPT, segment=SCRIPT), "csrf_token": token}
    response = client.post("/cockpit/marketing/check", data=data)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text
    no_items = client.post(
        "/cockpit/marketing/check", data={**_form(people, categories=[]), "csrf_token": token}
    )
    assert no_items.status_code == 422 and "measure.data_items" in no_items.text


@pytest.mark.parametrize("role", [Role.AGENT, Role.AUDITOR])
def test_agent_and_auditor_get_no_marketing_pages(
    client: TestClient, people: dict[str, str], login_as: Callable[[Role], None], role: Role
) -> None:
    login_as(role)
    assert client.get("/cockpit/marketing/check").status_code == 403
    assert client.get("/cockpit/marketing/dry-run").status_code == 403


def test_marketing_pages_need_login(client: TestClient) -> None:
    response = client.get("/cockpit/marketing/check", follow_redirects=False)
    assert response.status_code in (302, 303, 307)


def test_dry_run_page_lists_contact_ids_with_reasons(
    client: TestClient,
    campaign: str,
    people: dict[str, str],
    login_as: Callable[[Role], None],
) -> None:
    login_as(Role.MARKETER)
    page = client.get("/cockpit/marketing/dry-run")
    assert page.status_code == 200 and '<label for="campaign">' in page.text
    response = client.post(
        "/cockpit/marketing/dry-run",
        data={"campaign": campaign, "csrf_token": csrf_in(page.text)},
    )
    assert response.status_code == 200, response.text
    summary, rest = response.text.split('id="reached-heading"')
    assert "Why not, in sum" in summary and "consent.missing" in summary
    assert people["dora"] not in summary  # counts per reason, no ids
    reached, not_reached = rest.split('id="not_reached-heading"')
    assert people["anna"] in reached and people["dora"] not in reached
    assert people["dora"] in not_reached and "consent.missing" in not_reached
    assert "example.com" not in response.text and "anna" not in response.text.lower()


def test_dry_run_page_unknown_campaign_is_shown_escaped(
    client: TestClient, campaign: str, login_as: Callable[[Role], None]
) -> None:
    login_as(Role.MARKETER)
    token = csrf_in(client.get("/cockpit/marketing/dry-run").text)
    response = client.post(
        "/cockpit/marketing/dry-run", data={"campaign": SCRIPT, "csrf_token": token}
    )
    assert response.status_code == 422
    assert "<script>" not in response.text
