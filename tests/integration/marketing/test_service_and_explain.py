"""Trigger rules, social replies (Recital 47) and ``profile explain``."""

from __future__ import annotations

from sphere.domain import Addressing, Purpose
from sphere.marketing.enrichment import enrich_contact
from sphere.marketing.profile_explain import explain_profile, explain_text
from sphere.marketing.profiles import compute_segment, define_segment, score_contact
from sphere.marketing.score import ScoreModel
from sphere.marketing.service_tasks import TriggerRule, reply, run_triggers
from sphere.marketing.transport import OutboxTransport
from sphere.runtime import Runtime
from sphere.storage.repositories.interactions import InteractionRepository
from tests.integration.marketing.conftest import NOW, TELE_POSTS, Post, seed_contact

MACRO_COMPLAINTS = TriggerRule(name="macro-complaint", product="macro")


def _posts(rt: Runtime, cid: str) -> list:
    with rt.session() as session:
        return InteractionRepository(session, rt.keyring).list_for_contact(cid)


def test_negative_post_about_product_opens_a_task_only_where_the_company_was_addressed(
    rt: Runtime,
) -> None:
    addressed = seed_contact(
        rt,
        posts=(
            Post(
                "@optiklinse Mein Makro 100 ist kaputt, schlechter Service!",
                addressing=Addressing.ADDRESSED,
            ),
        ),
    )
    public = seed_contact(rt, posts=(Post("Mein Makro 100 ist kaputt, schlechter Service!"),))
    happy = seed_contact(
        rt,
        posts=(Post("@optiklinse Das Makro 100 ist großartig!", addressing=Addressing.ADDRESSED),),
    )
    prospect = seed_contact(
        rt,
        customer=False,
        posts=(Post("@optiklinse Makro 100 kaputt, schlecht!", addressing=Addressing.ADDRESSED),),
    )
    with rt.session() as session:
        run = run_triggers(session, rt.keyring, rt.policy(), [MACRO_COMPLAINTS], now=NOW, actor="t")
        again = run_triggers(
            session, rt.keyring, rt.policy(), [MACRO_COMPLAINTS], now=NOW, actor="t"
        )
    assert [t.contact_id for t in run.opened] == [addressed]
    assert run.opened[0].legal_basis == "art6_1_f"
    assert run.skipped == {"customer-care.other-denied": 1}  # the public post
    assert again.opened == ()  # idempotent
    assert happy not in {t.contact_id for t in run.opened}
    assert prospect not in {t.contact_id for t in run.opened}
    assert public not in {t.contact_id for t in run.opened}


def test_reply_only_where_the_author_addressed_the_company(rt: Runtime) -> None:
    asked = seed_contact(
        rt,
        handle="lena_fotografie",
        posts=(
            Post(
                "@optiklinse Passt das Tele 70-200 an meine Kamera?",
                addressing=Addressing.ADDRESSED,
            ),
        ),
    )
    mentioned = seed_contact(rt, posts=(Post("Optiklinse Tele 70-200 gekauft."),))
    outbox = OutboxTransport()
    question, mention = _posts(rt, asked)[0], _posts(rt, mentioned)[0]
    with rt.session() as session:
        ok = reply(
            session,
            rt.keyring,
            rt.policy(),
            question.id,
            "Ja, passt!",
            outbox,
            now=NOW,
            actor="care",
        )
        no = reply(
            session, rt.keyring, rt.policy(), mention.id, "Danke!", outbox, now=NOW, actor="care"
        )
    assert ok.sent and no.sent is False
    assert (
        no.reason.code == "channel.social-reply-not-addressed" and "Recital 47" in no.reason.article
    )
    assert [(m.to, m.in_reply_to) for m in outbox.messages] == [
        ("lena_fotografie", question.source_id)
    ]


def test_profile_explain_lists_attributes_scores_segments_matching_the_data(rt: Runtime) -> None:
    cid = seed_contact(rt, posts=TELE_POSTS, consents=[Purpose.PROFILING])
    model = ScoreModel(
        "tele_affinity", {"interest:telephoto": 0.7, "interest_count": 0.1}, 0.0, Purpose.PROFILING
    )
    with rt.session() as session:
        enrich_contact(session, rt.keyring, rt.policy(), cid, now=NOW, actor="t")
        score_contact(session, rt.keyring, rt.policy(), cid, model, now=NOW, actor="t")
        define_segment(
            session, "tele", {"attr": "interest", "contains": "telephoto"}, actor="t", now=NOW
        )
        compute_segment(session, rt.keyring, rt.policy(), "tele", now=NOW, actor="t")
        profile = explain_profile(session, rt.keyring, cid)
    interests = sorted(a["value"] for a in profile["attributes"] if a["name"] == "interest")
    assert interests == ["telephoto", "wildlife"]
    (score,) = profile["scores"]
    contributions = {c["feature"]: c["contribution"] for c in score["contributions"]}
    assert contributions == {"interest:telephoto": 0.7, "interest_count": 0.2}  # 2 interests × 0.1
    assert abs(score["total"] - 0.9) < 1e-9
    (segment,) = profile["segments"]
    assert segment["segment"] == "tele" and segment["legal_basis"] == "art6_1_a"
    assert any("telephoto" in line for line in segment["trace"])
    text = explain_text(profile)
    assert "interested in telephoto lenses: 3 posts" in text and "tele_affinity = 0.90" in text
