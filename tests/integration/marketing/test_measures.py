"""Measures against stored data: real audience counts, DPO decisions, record of processing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sphere.cockpit.record import build_record
from sphere.domain import Purpose
from sphere.errors import InvalidInput
from sphere.marketing.measures import approve, check_stored, parse_measure, reject, submit
from sphere.runtime import Runtime
from sphere.storage.repositories.marketing import MarketingRepository
from sphere.storage.tables import AuditEntryRow
from tests.integration.marketing.conftest import NOW, TELE_POSTS, seed_contact
from tests.integration.marketing.test_campaigns import NEWSLETTER

ENRICH = {
    "name": "product enrichment",
    "kind": "enrichment",
    "purpose": "enrichment",
    "channel": "webhook",
    "data_items": [
        {"category": "product_content", "visibility": "public", "label": "product posts"}
    ],
}


def test_check_counts_stored_contacts_consents_objections_and_restrictions(rt: Runtime) -> None:
    for _ in range(3):
        seed_contact(rt, consents=[Purpose.DIRECT_MARKETING])
    ok = [
        seed_contact(rt, email=f"kunde{n}@example.com", consents=[Purpose.DIRECT_MARKETING])
        for n in range(4)
    ]
    seed_contact(rt, email="ohne@example.org")  # no consent
    seed_contact(
        rt,
        email="widerspruch@example.org",
        consents=[Purpose.DIRECT_MARKETING],
        objected_marketing=True,
    )
    seed_contact(
        rt, email="gesperrt@example.org", consents=[Purpose.DIRECT_MARKETING], restricted=True
    )
    with rt.session() as session:
        result = check_stored(session, rt.keyring, rt.policy(), parse_measure(NEWSLETTER), now=NOW)
    assert (result.verdict.value, result.eligible, result.total) == (
        "can_run_for_subset",
        len(ok),
        10,
    )
    codes = {r.code: r.count for r in result.exclusions}
    assert codes == {
        "channel.never-used": 3,  # consented, but never gave an e-mail address
        "consent.missing": 1,
        "objection.derived-denied": 1,
        "restriction.excluded": 1,
    }
    assert (result.consent.given, result.consent.missing) == (9, 1)


def test_submission_waits_for_the_dpo_and_approval_enters_the_record_of_processing(
    rt: Runtime,
) -> None:
    seed_contact(rt, posts=TELE_POSTS)
    with rt.session() as session:
        record, result = submit(session, rt.keyring, rt.policy(), ENRICH, actor="mkt", now=NOW)
    assert result.verdict.value == "needs_dpo_approval"  # DPIA required for enrichment
    assert record.state == "submitted" and record.processing_activity_id is None
    with rt.session() as session, pytest.raises(InvalidInput, match="reason"):
        approve(session, rt.policy(), ENRICH["name"], actor="dpo", reason=" ", now=NOW)
    with rt.session() as session:
        approved = approve(
            session, rt.policy(), ENRICH["name"], actor="dpo-1", reason="DPIA 2026-07 done", now=NOW
        )
        activity = MarketingRepository(session).processing_activity(approved.processing_activity_id)
        actions = session.scalars(select(AuditEntryRow.action)).all()
    assert approved.state == "approved" and approved.dpo_actor == "dpo-1"
    assert activity["name"] == "measure:product enrichment"
    assert activity["purpose"] == "enrichment" and activity["legal_basis"] == "art6_1_f"
    assert activity["dpia_required"] is True and activity["data_categories"] == ["product_content"]
    assert "measure.submitted" in actions and "measure.dpo-approved" in actions
    with rt.session() as session:  # listed under its purpose's Art. 30 entry, not instead of it
        entry = build_record(session, rt.policy(), now=NOW).activity("enrichment")
    assert entry.name == "Enrichment" and entry.measures == ("product enrichment",)
    assert entry.dpia_status == "dpo_approved" and not entry.dpia_missing
    assert "sales" in " ".join(entry.recipients)  # the purpose's recipients, not the channel
    with rt.session() as session, pytest.raises(InvalidInput, match="only submitted"):
        reject(session, rt.policy(), ENRICH["name"], actor="dpo", reason="changed my mind", now=NOW)


def test_dpo_rejection_and_policy_refusal(rt: Runtime) -> None:
    seed_contact(rt, posts=TELE_POSTS)
    hr = {**ENRICH, "name": "screen staff", "purpose": "hr_screening", "kind": "service_process"}
    with rt.session() as session:
        refused, result = submit(session, rt.keyring, rt.policy(), hr, actor="hr", now=NOW)
        assert refused.state == "rejected" and refused.dpo_actor == "policy"
        assert "BDSG" in (refused.dpo_reason or "") or any(
            "BDSG" in r.article for r in result.reasons
        )
        submit(session, rt.keyring, rt.policy(), ENRICH, actor="mkt", now=NOW)
        rejected = reject(
            session, rt.policy(), ENRICH["name"], actor="dpo", reason="no DPIA yet", now=NOW
        )
    assert rejected.state == "rejected" and rejected.processing_activity_id is None


def test_measure_input_errors_name_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"measure\.data_items\[0\]\.category"):
        parse_measure({**NEWSLETTER, "data_items": [{"category": "shoe_size"}]})
    with pytest.raises(InvalidInput, match=r"measure\.flags: unknown flag"):
        parse_measure({**NEWSLETTER, "flags": {"yolo": True}})
