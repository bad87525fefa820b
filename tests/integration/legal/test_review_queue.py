"""Nothing that needs consent or review disappears silently (issue 13, point 4): a known
customer asking for help while disclosing her own health condition becomes a review item
with reason, rule, article and category — without her text — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from sphere.audit import verify
from sphere.cockpit.reviews import list_reviews, set_review_state
from sphere.rights.erasure import erase_contact
from sphere.rights.retention import run_retention
from sphere.runtime import Runtime
from sphere.storage.review_tables import ReviewItemRow
from sphere.storage.tables import AuditEntryRow, DecisionRow, InteractionRow
from tests.factories import mastodon_status, write_jsonl
from tests.integration.rights.scenario import ACCOUNT_ID, Customer, ingest

CHEMO = "nach meiner Chemo zittern meine Hände, ich kann den Zoomring nicht mehr drehen"


def _post(rt: Runtime, tmp_path: Path, status: dict, name: str = "p.jsonl") -> None:
    ingest(rt, write_jsonl(tmp_path / name, [status]), "masto")


def test_health_disclosure_to_the_company_opens_a_review_item(
    rt: Runtime, lena: Customer, tmp_path: Path
) -> None:
    status = mastodon_status("77", CHEMO, mention_company=True, account_id=ACCOUNT_ID)
    _post(rt, tmp_path, status)
    with rt.session() as session:
        # not stored as it is: no interaction with this post
        assert (
            session.scalar(select(InteractionRow.id).where(InteractionRow.source_id == "77"))
            is None
        )
        (row,) = session.scalars(select(ReviewItemRow)).all()
        assert row.contact_id == lena.contact_id
        assert row.categories == ["health"]
        assert row.rule_id == "special-category.needs-explicit-consent"
        assert row.outcome == "needs_consent"
        assert "Art. 9" in (row.article or "")
        assert row.text_ciphertext is None and row.text_basis is None  # no text kept
        assert b"Chemo" not in row.post_ref_ciphertext  # the reference is encrypted
        decision = session.get(DecisionRow, row.decision_id)
        assert decision is not None and decision.record_type == "review_item"
        assert decision.special_categories == ["health"]
        assert decision.record_ref == row.id  # the post is named only in the item
        opened = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "review.opened")
        ).all()
        assert len(opened) == 1 and opened[0].details["special_categories"] == ["health"]
        assert verify(session).ok

        (view,) = list_reviews(session, rt.keyring, language="de")
        assert view.item.post_ref == "mastodon:77"  # where to answer
        assert view.item.text is None
        assert view.topic == "Gesundheit"
        assert view.template_language == "de"
        assert "Direktnachricht" in view.template and "Gesundheit" in view.template
        (view_en,) = list_reviews(session, rt.keyring, language="en")
        assert view_en.topic == "health"
        set_review_state(session, row.id, "replied", actor="agent:test", at=rt.clock.now())
        assert list_reviews(session, rt.keyring) == []  # only open items by default
    # the same post again (a re-delivery) opens no second item
    _post(rt, tmp_path, status, "again.jsonl")
    with rt.session() as session:
        assert len(session.scalars(select(ReviewItemRow)).all()) == 1


def test_private_message_gets_the_consent_template_and_erasure_removes_it(
    rt: Runtime, lena: Customer, tmp_path: Path
) -> None:
    status = mastodon_status(
        "78", "I'm diabetic and the grip is too small", mention_company=True,
        account_id=ACCOUNT_ID, visibility="direct", language="en",
    )  # fmt: skip
    _post(rt, tmp_path, status)
    with rt.session() as session:
        (view,) = list_reviews(session, rt.keyring, language="en")
        assert view.item.addressing == "direct"
        assert view.template_language == "en"
        assert "explicit consent under Art. 9(2)(a) GDPR" in view.template
        erase_contact(session, rt.keyring, lena.contact_id, at=rt.clock.now(), actor="dpo")
        assert session.scalars(select(ReviewItemRow)).all() == []


def test_review_items_expire_after_thirty_days(rt: Runtime, lena: Customer, tmp_path) -> None:
    from datetime import timedelta

    _post(rt, tmp_path, mastodon_status("79", CHEMO, mention_company=True, account_id=ACCOUNT_ID))
    with rt.session() as session:
        later = rt.clock.now() + timedelta(days=30, seconds=1)
        result = run_retention(session, rt.keyring, now=later, actor="test")
        assert result.credentials["review_items"] == 1
        assert session.scalars(select(ReviewItemRow)).all() == []


def test_text_is_kept_minimised_only_where_the_policy_declares_art_9_2_e(
    rt: Runtime, lena: Customer, tmp_path: Path
) -> None:
    """With ``special_category_basis: art9_2_e`` for customer care, a PUBLIC post keeps
    its text minimised and encrypted for answering; a private message still keeps none."""
    from sphere.governance.policy_versions import apply_policy
    from sphere.policy import default_policy_path, load_policy_text

    text = (
        default_policy_path()
        .read_text(encoding="utf-8")
        .replace(
            "    retention_days: 180\n    dpia_required: false\n",
            "    retention_days: 180\n    dpia_required: false\n"
            "    special_category_basis: art9_2_e\n",
            1,
        )
    )
    assert "special_category_basis: art9_2_e" in text
    with rt.session() as session:
        apply_policy(session, load_policy_text(text), actor="dpo", at=rt.clock.now())
    rt.forget_policy()
    public = mastodon_status(
        "80", f"{CHEMO}, frag mal Max Mustermann", mention_company=True, account_id=ACCOUNT_ID
    )
    private = mastodon_status(
        "81", CHEMO, mention_company=True, account_id=ACCOUNT_ID, visibility="direct"
    )
    ingest(rt, write_jsonl(tmp_path / "p.jsonl", [public, private]), "masto")
    with rt.session() as session:
        views = {v.item.post_ref: v for v in list_reviews(session, rt.keyring, language="de")}
        kept = views["mastodon:80"].item
        assert kept.text_basis == "art9_2_e" and kept.text is not None
        assert "Chemo" in kept.text  # what she asked about, for answering her
        assert "Max Mustermann" not in kept.text  # a third party's name is minimised away
        row = session.scalars(select(ReviewItemRow).where(ReviewItemRow.id == kept.id)).one()
        assert b"Chemo" not in (row.text_ciphertext or b"")  # encrypted at rest
        assert views["mastodon:81"].item.text is None  # not made public: no text
