"""Findings that come from other services: campaigns about to send on lapsed consent,
Art. 14 notices overdue or due soon, data-subject requests near or past their deadline.
Each is checked with a FrozenClock moved across the deadline, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sphere.cockpit.findings import Finding, compute_findings
from sphere.cockpit.record import build_record
from sphere.consent.ledger import grant, withdraw
from sphere.domain import Purpose
from sphere.dsr.notice import Party
from sphere.governance.policy_versions import active_policy
from sphere.marketing.campaigns import create_campaign, dry_run
from sphere.marketing.measures import submit
from sphere.rights.notices import send_notices
from sphere.rights.requests import RequestType, complete_request, open_request
from sphere.runtime import Runtime
from tests.integration.marketing.conftest import seed_contact
from tests.integration.marketing.test_campaigns import NEWSLETTER, OFFER

CONTENT = ("Tele 70-200", "lena.beispiel", "example.com", "Makro")


def _findings(rt: Runtime) -> dict[str, Finding]:
    now = rt.clock.now()
    with rt.session() as session:
        record = build_record(session, active_policy(session), now=now)
        found = compute_findings(session, rt.keyring, record, now=now)
    codes = [f.code for f in found]
    assert len(codes) == len(set(codes))  # one finding per code: its anchor is unique
    return {f.code: f for f in found}


def _advance(rt: Runtime, days: int) -> None:
    rt.clock.advance(timedelta(days=days))  # type: ignore[attr-defined]


def _newsletter(rt: Runtime) -> None:
    with rt.session() as session:
        measure, _ = submit(
            session, rt.keyring, rt.policy(), NEWSLETTER, actor="mkt", now=rt.clock.now()
        )
        assert measure.state == "approved"
        create_campaign(
            session,
            {"name": "tele", "measure": "spring newsletter", "offer": OFFER},
            actor="mkt",
            now=rt.clock.now(),
        )
        # refused at creation (channel not approved): never sent, never a finding
        refused = create_campaign(
            session,
            {"name": "by sms", "measure": "spring newsletter", "offer": OFFER, "channel": "sms"},
            actor="mkt",
            now=rt.clock.now(),
        )
        assert refused.state == "refused"


def test_campaign_on_lapsing_consent(rt: Runtime) -> None:
    start = rt.clock.now()
    seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    ben = seed_contact(rt, email="ben.muster@example.org", consents=[Purpose.DIRECT_MARKETING])
    carla = seed_contact(rt, email="carla.probe@example.net")
    seed_contact(rt, email="dora.test@example.com")  # never consented: not this finding
    with rt.session() as session:
        grant(
            session,
            carla,
            Purpose.DIRECT_MARKETING,
            channel="web",
            at=start - timedelta(days=20),
            actor="test",
            expires_at=start + timedelta(days=10),
        )
    _newsletter(rt)

    # Carla's consent ends in 10 days: beyond the 7-day horizon, no finding yet
    assert "campaign.expired-consent" not in _findings(rt)

    _advance(rt, 4)  # now it ends within 7 days, before a send that may come any time
    found = _findings(rt)["campaign.expired-consent"]
    assert found.severity == "low" and found.count == 1
    assert "'tele' (draft, no dry run yet, purpose direct_marketing)" in found.evidence
    assert "1 expiring by 2026-06-12 of 4 recipients" in found.evidence
    assert "by sms" not in found.evidence
    assert found.link == "/cockpit/marketing/dry-run"
    assert found.links == (("Dry run: tele", "/cockpit/marketing/dry-run?campaign=tele"),)
    campaign_id = found.object_ids[0]

    with rt.session() as session:  # the dry run fixes the planned audience: anna, ben, carla
        report = dry_run(session, rt.keyring, rt.policy(), "tele", now=rt.clock.now(), actor="mkt")
        assert len(report.reached) == 3
    _advance(rt, 7)  # Carla's consent has expired; Ben withdraws
    with rt.session() as session:
        withdraw(
            session,
            rt.keyring,
            ben,
            Purpose.DIRECT_MARKETING,
            channel="web",
            at=rt.clock.now(),
            actor="subject",
        )
    found = _findings(rt)["campaign.expired-consent"]
    assert found.severity == "medium" and found.count == 2
    assert found.object_ids == (campaign_id,)
    assert "'tele' (dry_run, dry run 2026-06-05" in found.evidence
    assert "1 withdrawn, 1 expired of 3 recipients" in found.evidence  # Dora was not planned
    assert not any(text in found.evidence for text in CONTENT)


def test_art14_notices_due_soon_then_overdue(seeded: Runtime) -> None:
    # the customer's public product post (enrichment) owes a notice within one month
    assert not {"notice.art14-overdue", "notice.art14-due-soon"} & set(_findings(seeded))

    _advance(seeded, 25)
    found = _findings(seeded)
    assert "notice.art14-overdue" not in found
    soon = found["notice.art14-due-soon"]
    assert soon.severity == "low" and soon.count == 1
    assert "1 notice duties for 1 contacts are due within 7 days (1 mastodon)" in soon.evidence
    assert "next deadline 2026-07-01" in soon.evidence

    _advance(seeded, 10)
    found = _findings(seeded)
    assert "notice.art14-due-soon" not in found
    overdue = found["notice.art14-overdue"]
    assert overdue.severity == "high" and overdue.count == 1
    assert overdue.object_ids == soon.object_ids
    assert "oldest deadline 2026-07-01" in overdue.evidence
    assert overdue.link == "/cockpit/findings#notice.art14-overdue"
    assert not any(text in overdue.evidence for text in CONTENT)

    with seeded.session() as session:  # the notice is sent: the duty is met
        party = Party("Optiklinse GmbH", "datenschutz@example.com")
        send_notices(
            session,
            seeded.policy(),
            None,
            now=seeded.clock.now(),
            actor="dpo",
            controller=party,
            supervisory_authority=party,
        )
    assert not {"notice.art14-overdue", "notice.art14-due-soon"} & set(_findings(seeded))


def test_request_deadline_near_then_overdue(seeded: Runtime) -> None:
    with seeded.session() as session:
        request = open_request(
            session,
            seeded.keyring,
            "lena.beispiel@example.com",
            RequestType.ACCESS,
            at=seeded.clock.now(),
            actor="dpo",
        )
    assert "dsr.deadline" not in _findings(seeded)  # due 2026-07-01: a month left

    _advance(seeded, 25)
    near = _findings(seeded)["dsr.deadline"]
    assert near.severity == "medium" and near.count == 1
    assert near.evidence == "1 due within 7 days (1 access); next due 2026-07-01"
    assert near.link == "/cockpit/requests" and near.object_ids == (request.id,)

    _advance(seeded, 6)  # 2026-07-02: past the end of the due day
    overdue = _findings(seeded)["dsr.deadline"]
    assert overdue.severity == "high"
    assert overdue.evidence == "1 overdue (1 access); oldest due 2026-07-01"

    with seeded.session() as session:
        complete_request(session, request.id, at=seeded.clock.now(), actor="dpo")
    assert "dsr.deadline" not in _findings(seeded)
