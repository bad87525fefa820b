"""Enrichment, scores and segments on stored contacts: gates, provenance, explanations, and
the cascade on withdrawal (GDPR Art. 7(3), Art. 9, 18, 21, 22)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from sphere.audit import verify
from sphere.consent.ledger import withdraw
from sphere.domain import AttributeKind, LegalBasis, Purpose
from sphere.errors import InvalidInput
from sphere.marketing.enrichment import enrich_contact
from sphere.marketing.profiles import compute_segment, define_segment, score_contact
from sphere.marketing.score import ScoreModel
from sphere.runtime import Runtime
from sphere.storage.entities import SourceType
from sphere.storage.marketing_tables import ScoreRow, SegmentMembershipRow
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.interactions import InteractionRepository
from tests.integration.marketing.conftest import ANGRY_POSTS, NOW, TELE_POSTS, Post, seed_contact

CHURN = ScoreModel(
    name="churn",
    features={"churn_risk": 1.0, "sentiment_negative": 0.2},
    intercept=0.0,
    purpose=Purpose.PROFILING,
)


def _derived(rt: Runtime, contact_id: str) -> list:
    with rt.session() as session:
        return [
            a
            for a in AttributeRepository(session, rt.keyring).list_for_contact(contact_id)
            if a.kind is AttributeKind.DERIVED
        ]


def test_enrichment_with_consent_stores_explained_attributes_with_provenance(rt: Runtime) -> None:
    cid = seed_contact(rt, posts=TELE_POSTS, consents=[Purpose.PROFILING])
    with rt.session() as session:
        result = enrich_contact(session, rt.keyring, rt.policy(), cid, now=NOW, actor="test")
        post_ids = {i.id for i in InteractionRepository(session, rt.keyring).list_for_contact(cid)}
    assert result.refusal is None
    assert result.legal_basis is LegalBasis.CONSENT
    by_name = {(a.name, a.value): a for a in _derived(rt, cid)}
    tele = by_name[("interest", "telephoto")]
    # The explanation matches the stored data: 3 posts, first 40 and last 5 days ago.
    assert tele.explanation == (
        "interested in telephoto lenses: 3 posts between 2026-04-22 and 2026-05-27 mention them"
    )
    assert {r.id for r in tele.derived_from if r.type is SourceType.INTERACTION} == post_ids
    assert tele.consent_id is not None
    assert any(r.type is SourceType.CONSENT for r in tele.derived_from)
    assert ("interest", "wildlife") in by_name
    assert by_name[("sentiment", "positive")].purpose is Purpose.PROFILING
    assert {a.name for a in _derived(rt, cid)} >= {"churn_risk", "cross_selling_potential"}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"consents": []}, "enrichment.no-usable-source"),
        ({"consents": [Purpose.PROFILING], "restricted": True}, "restriction.excluded"),
        ({"consents": [Purpose.PROFILING], "objected_profiling": True}, "objection.derived-denied"),
    ],
    ids=["no-consent--art6-1-a", "restricted--art18-2", "objection--art21"],
)
def test_enrichment_refused_without_basis(rt: Runtime, kwargs: dict, code: str) -> None:
    cid = seed_contact(rt, posts=TELE_POSTS, **kwargs)
    with rt.session() as session:
        result = enrich_contact(session, rt.keyring, rt.policy(), cid, now=NOW, actor="test")
    assert result.refusal is not None and result.refusal.code == code
    assert result.stored == ()
    assert _derived(rt, cid) == []


def test_enrichment_on_legitimate_interest_where_the_policy_allows_it(rt: Runtime) -> None:
    """Purpose 'enrichment': a verified customer's public product posts, no consent needed
    (default policy rule enrichment.verified-product-content, Art. 6(1)(f))."""
    cid = seed_contact(rt, posts=TELE_POSTS)
    with rt.session() as session:
        result = enrich_contact(
            session, rt.keyring, rt.policy(), cid, now=NOW, actor="test", purpose=Purpose.ENRICHMENT
        )
    assert result.refusal is None
    assert result.legal_basis is LegalBasis.LEGITIMATE_INTEREST
    assert all(a.consent_id is None for a in result.stored)
    assert all(a.rule_id == "enrichment.verified-product-content" for a in result.stored)


def test_special_category_posts_are_skipped_without_explicit_consent(rt: Runtime) -> None:
    posts = (*TELE_POSTS, Post("Wegen meiner Diabetes brauche ich das Makro 100.", special=True))
    cid = seed_contact(rt, posts=posts, consents=[Purpose.PROFILING])
    with rt.session() as session:
        result = enrich_contact(session, rt.keyring, rt.policy(), cid, now=NOW, actor="test")
    assert result.skipped == {"special-category.no-explicit-consent": 1}
    assert ("interest", "macro") not in {(a.name, a.value) for a in result.stored}


def test_scraped_posts_are_not_used(rt: Runtime) -> None:
    cid = seed_contact(
        rt,
        posts=(Post("Das Tele 70-200 ist super.", source="scraped"),),
        consents=[Purpose.PROFILING],
    )
    with rt.session() as session:
        result = enrich_contact(session, rt.keyring, rt.policy(), cid, now=NOW, actor="test")
    assert result.refusal is not None
    assert result.skipped == {"collection.scraper-denied": 1}


def test_score_shows_contributions_and_art22_refusal(rt: Runtime) -> None:
    cid = seed_contact(rt, posts=ANGRY_POSTS, consents=[Purpose.PROFILING])
    with rt.session() as session:
        enrich_contact(session, rt.keyring, rt.policy(), cid, now=NOW, actor="test")
        outcome = score_contact(session, rt.keyring, rt.policy(), cid, CHURN, now=NOW, actor="test")
    assert outcome.refusal is None and outcome.result is not None
    churn = next(a for a in _derived(rt, cid) if a.name == "churn_risk")
    contributions = {c.feature: c.contribution for c in outcome.result.contributions}
    assert contributions["churn_risk"] == pytest.approx(float(churn.value))
    assert contributions["sentiment_negative"] == pytest.approx(0.2)
    assert outcome.result.total == pytest.approx(float(churn.value) + 0.2)
    stored = next(a for a in _derived(rt, cid) if a.name == "score:churn")
    assert json.loads(stored.value)["total"] == pytest.approx(outcome.result.total)
    assert {r.id for r in stored.derived_from if r.type is SourceType.ATTRIBUTE} >= {churn.id}

    automated = ScoreModel(
        name="auto-terminate",
        features={"churn_risk": 1.0},
        intercept=0.0,
        purpose=Purpose.PROFILING,
        drives_automated_decision=True,
    )
    with rt.session() as session:
        refused = score_contact(
            session, rt.keyring, rt.policy(), cid, automated, now=NOW, actor="t"
        )
        reviewed = score_contact(
            session,
            rt.keyring,
            rt.policy(),
            cid,
            automated,
            now=NOW,
            actor="t",
            human_review_by="dpo",
        )
    assert refused.refusal is not None and refused.refusal.article == "GDPR Art. 22(1)"
    assert "explicit consent" in refused.refusal.text
    # a human review alone is not enough: explicit consent is missing too (Art. 22(2)(c))
    assert reviewed.refusal is not None and reviewed.refusal.code == "art22.refused"


def test_art22_score_allowed_with_explicit_consent_and_human_review(rt: Runtime) -> None:
    cid = seed_contact(
        rt, posts=ANGRY_POSTS, consents=[Purpose.PROFILING], explicit=[Purpose.PROFILING]
    )
    automated = ScoreModel(
        name="auto-terminate",
        features={"churn_risk": 1.0},
        intercept=0.0,
        purpose=Purpose.PROFILING,
        drives_automated_decision=True,
    )
    with rt.session() as session:
        enrich_contact(session, rt.keyring, rt.policy(), cid, now=NOW, actor="test")
        outcome = score_contact(
            session,
            rt.keyring,
            rt.policy(),
            cid,
            automated,
            now=NOW,
            actor="t",
            human_review_by="dpo",
        )
    assert outcome.refusal is None


def test_segment_targeting_a_special_category_is_refused(rt: Runtime) -> None:
    with rt.session() as session, pytest.raises(InvalidInput, match=r"Art\. 9\(1\)"):
        define_segment(
            session, "sick", {"attr": "interest", "contains": "health"}, actor="t", now=NOW
        )


def test_withdrawal_removes_derived_attributes_scores_and_memberships_at_once(rt: Runtime) -> None:
    fan = seed_contact(rt, posts=TELE_POSTS, consents=[Purpose.PROFILING])
    other = seed_contact(rt, posts=TELE_POSTS, consents=[Purpose.PROFILING])
    model = ScoreModel(
        name="tele_affinity",
        features={"interest:telephoto": 1.0},
        intercept=0.0,
        purpose=Purpose.PROFILING,
    )
    with rt.session() as session:
        for cid in (fan, other):
            enrich_contact(session, rt.keyring, rt.policy(), cid, now=NOW, actor="test")
            score_contact(session, rt.keyring, rt.policy(), cid, model, now=NOW, actor="test")
        define_segment(
            session,
            "tele-fans",
            {
                "all": [
                    {"attr": "interest", "contains": "telephoto"},
                    {"score": "tele_affinity", ">=": 1},
                ]
            },
            actor="test",
            now=NOW,
        )
        run = compute_segment(session, rt.keyring, rt.policy(), "tele-fans", now=NOW, actor="test")
    assert set(run.members) == {fan, other}

    with rt.session() as session:
        withdraw(session, rt.keyring, fan, Purpose.PROFILING, channel="web", at=NOW, actor="test")
        # in the same transaction: nothing derived is left for this contact
        assert [
            a
            for a in AttributeRepository(session, rt.keyring).list_for_contact(fan)
            if a.kind is AttributeKind.DERIVED
        ] == []
        memberships = session.scalar(
            select(func.count())
            .select_from(SegmentMembershipRow)
            .where(SegmentMembershipRow.contact_id == fan)
        )
        scores = session.scalar(
            select(func.count()).select_from(ScoreRow).where(ScoreRow.contact_id == fan)
        )
        assert (memberships, scores) == (0, 0)
        # the other contact keeps theirs
        assert (
            session.scalar(
                select(func.count())
                .select_from(SegmentMembershipRow)
                .where(SegmentMembershipRow.contact_id == other)
            )
            == 1
        )
        assert verify(session).ok
