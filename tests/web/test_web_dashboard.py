"""The cockpit home as the DPO's dashboard (issue 16, point 1): number cards linking to
their lists, charts as SVG images under their own strict policy with the figures as
tables, and findings acknowledged or resolved with a note — audited, kept across
snapshot recomputations, never offered to the read-only auditor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sphere.accounts import Role
from sphere.domain.time import FrozenClock
from sphere.runtime import Runtime
from sphere.storage.tables import AuditEntryRow
from sphere.web.charts import CHART_CSP
from sphere.web.config import WebSettings
from tests.web.conftest import web_settings as _small_settings

MAX_AGE = 300
CARD_LINKS = (
    "/cockpit/findings?severity=high",
    "/cockpit/requests?deadline=overdue",
    "/cockpit/requests?deadline=near",
    "/cockpit/findings#notice.art14-overdue",
    "/cockpit/record",
    "/cockpit/audit?action=consent.withdrawn",
)


@pytest.fixture
def web_settings() -> WebSettings:
    """Findings from snapshot jobs (as on a large installation), refreshed after 5 min."""
    small = _small_settings.__wrapped__()  # type: ignore[attr-defined]
    return small.model_copy(
        update={"findings_inline_max_records": 0, "findings_max_age_seconds": MAX_AGE}
    )


def _bearer(make_token: Callable[..., str], role: Role = Role.DPO) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role)}"}


def _findings(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/v1/findings", headers=headers)
    assert response.status_code == 200, response.text
    return {f["code"]: f for f in response.json()["findings"]}


def _refresh_snapshot(client: TestClient, headers: dict[str, str], clock: FrozenClock) -> None:
    clock.advance(timedelta(seconds=MAX_AGE + 1))
    client.get("/api/v1/findings", headers=headers)  # starts a new snapshot in the background
    runner = client.app.state.runtime.jobs  # type: ignore[attr-defined]
    newest = client.get("/api/v1/jobs?kind=findings", headers=headers).json()["jobs"][0]
    assert runner.board.entry(newest["id"]).finished.wait(30)


def test_home_shows_cards_that_link_to_their_lists_and_charts_with_tables(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str]
) -> None:
    headers = _bearer(make_token)
    page = client.get("/cockpit/", headers=headers)
    assert page.status_code == 200, page.text
    html = page.text
    assert "What needs you now" in html and "Needs the DPO now" in html
    for href in CARD_LINKS:
        assert f'href="{href}"' in html, href
    for name in ("ingestion", "requests", "consent"):
        assert f'src="/cockpit/charts/{name}.svg?lang=en"' in html  # one cached image a language
        chart = client.get(f"/cockpit/charts/{name}.svg", headers=headers)
        assert chart.status_code == 200
        assert chart.headers["content-type"].startswith("image/svg+xml")
        assert chart.headers["content-security-policy"] == CHART_CSP
        assert b"<svg" in chart.content and b"<script" not in chart.content
    assert html.count('<table class="stack chart-table">') == 3, "every chart has its table"
    german = client.get("/cockpit/charts/ingestion.svg?lang=de",
                        headers={**headers, "Accept-Language": "de"})  # fmt: skip
    assert "Gespeichert" in german.text and "Stored" not in german.text
    # the seeded Mastodon posts were stored today: the ingestion table says so
    assert 'data-label="Stored">0<' in html and 'data-label="Stored">' in html


def test_charts_and_home_need_a_cockpit_role(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str]
) -> None:
    anonymous = client.get("/cockpit/charts/ingestion.svg", follow_redirects=False)
    assert anonymous.status_code in (401, 303)
    marketer = _bearer(make_token, Role.MARKETER)
    assert client.get("/cockpit/charts/ingestion.svg", headers=marketer).status_code == 403
    assert client.get("/cockpit/charts/other.svg", headers=_bearer(make_token)).status_code == 422


def test_a_finding_stays_acknowledged_across_snapshots_and_reopens_only_by_hand(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str], clock: FrozenClock
) -> None:
    headers = _bearer(make_token)
    first = _findings(client, headers)
    code, finding = next(iter(first.items()))
    assert finding["state"] == "open" and finding["since"] == clock.now().isoformat()
    since = finding["since"]

    clock.advance(timedelta(minutes=1))
    answer = client.post(
        f"/api/v1/findings/{code}/state",
        json={"state": "acknowledged", "note": "ticket DPO-17"},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "acknowledged"

    _refresh_snapshot(client, headers, clock)
    again = _findings(client, headers)[code]
    assert again["state"] == "acknowledged", "a new snapshot keeps the decision"
    assert again["since"] == since, "the finding keeps its identity and its age"
    assert again["decision"]["note"] == "ticket DPO-17"

    resolved = client.post(
        f"/api/v1/findings/{code}/state", json={"state": "resolved"}, headers=headers
    )
    assert resolved.json()["state"] == "resolved"
    assert code not in _findings_open(client, headers)
    with seeded.session() as db:
        actions = list(
            db.scalars(select(AuditEntryRow.action).where(AuditEntryRow.action.like("finding.%")))
        )
    assert actions == ["finding.acknowledged", "finding.resolved"]


def _findings_open(client: TestClient, headers: dict[str, str]) -> set[str]:
    response = client.get("/api/v1/findings?state=open", headers=headers)
    return {f["code"] for f in response.json()["findings"]}


def test_the_auditor_sees_no_decision_buttons_and_may_not_decide(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str], clock: FrozenClock
) -> None:
    dpo = _bearer(make_token)
    assert "Acknowledge</button>" in client.get("/cockpit/findings", headers=dpo).text
    auditor = _bearer(make_token, Role.AUDITOR)
    page = client.get("/cockpit/findings", headers=auditor)
    assert page.status_code == 200
    assert "Acknowledge" not in page.text and "Resolve" not in page.text
    code = next(iter(_findings(client, auditor)))
    refused = client.post(
        f"/api/v1/findings/{code}/state", json={"state": "resolved"}, headers=auditor
    )
    assert refused.status_code == 403
