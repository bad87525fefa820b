"""Issue 13, point 2: consent is specific — to a purpose and to the data it covers
(GDPR Art. 4(11), Art. 6(1)(a)); enrichment on legitimate interest never builds scores
for marketing (CJEU C-252/21); a withdrawal of consent to profiling stops rebuilding
(Art. 7(3)); the policy may not base marketing profiling on legitimate interest without
a documented balancing test."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sphere.audit import verify
from sphere.consent.ledger import grant, withdraw
from sphere.domain import IdentityKind, LegalBasis, Purpose
from sphere.errors import PolicyError
from sphere.marketing.campaigns import dry_run, run
from sphere.marketing.enrichment import enrich_contact
from sphere.marketing.measures import check_stored, parse_measure
from sphere.marketing.profiles import score_contact
from sphere.marketing.score import ScoreModel
from sphere.policy.loader import default_policy_path, load_policy_text
from sphere.runtime import Runtime
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.consents import ConsentRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.tables import AuditEntryRow
from tests.integration.legal.conftest import NEWSLETTER, newsletter_campaign
from tests.integration.rights.scenario import Customer

BIRTHDAY_MAIL = {
    **NEWSLETTER,
    "name": "birthday mail",
    "data_items": [
        {**NEWSLETTER["data_items"][0], "source": "crm"},
        {
            "category": "profile_attribute",
            "collection": "official_api",
            "visibility": "public",
            "addressing": "public_mention",
            "label": "birthday from a comment",
            "source": "facebook",
        },
    ],
}


def _max(rt: Runtime) -> str:
    with rt.session() as session:
        contact = ContactRepository(session, rt.keyring).find_by_identity(
            IdentityKind.CUSTOMER_NUMBER, "K-1002"
        )
        assert contact is not None
        # Max agreed in the portal to marketing with what he shares (scope not narrowed)
        grant(session, contact.id, Purpose.DIRECT_MARKETING, channel="portal",
              at=rt.clock.now(), actor="test")  # fmt: skip
        return contact.id


def test_crm_newsletter_tick_does_not_cover_a_birthday_from_facebook(
    rt: Runtime, lena: Customer, smtp
) -> None:
    transport, inbox = smtp
    max_id = _max(rt)
    with rt.session() as session:
        (tick,) = [
            r for r in ConsentRepository(session).for_contact(lena.contact_id)
            if r.purpose is Purpose.DIRECT_MARKETING
        ]  # fmt: skip
        assert (tick.sources, tick.categories) == (("crm",), ("contact_data",))
        # the planning check: Lena is excluded, with the data named
        result = check_stored(
            session, rt.keyring, rt.policy(), parse_measure(BIRTHDAY_MAIL), now=rt.clock.now()
        )
    missing = next(r for r in result.exclusions if r.code == "consent.missing")
    assert "'birthday from a comment' (profile_attribute from facebook)" in missing.text
    assert result.eligible == 1

    newsletter_campaign(rt, "birthday", spec=BIRTHDAY_MAIL)
    with rt.session() as session:
        report = dry_run(session, rt.keyring, rt.policy(), "birthday", now=rt.clock.now(),
                         actor="mkt")  # fmt: skip
        assert {line.contact_id for line in report.reached} == {max_id}
        assert {line.contact_id: line.code for line in report.not_reached}[lena.contact_id] == (
            "consent.missing"
        )
        sent = run(session, rt.keyring, rt.policy(), "birthday", transport,
                   now=rt.clock.now(), actor="mkt")  # fmt: skip
    by_contact = {line.contact_id: line for line in sent.lines}
    assert by_contact[lena.contact_id].code == "consent.missing"  # send-time check
    assert by_contact[max_id].status == "sent" and len(inbox.messages) == 1

    # the same tick covers the e-mail address from the CRM: the newsletter reaches her
    newsletter_campaign(rt, "plain")
    with rt.session() as session:
        plain = dry_run(session, rt.keyring, rt.policy(), "plain", now=rt.clock.now(), actor="m")
    assert lena.contact_id in {line.contact_id for line in plain.reached}


def test_scoped_consent_gates_enrichment_per_source(rt: Runtime, lena: Customer) -> None:
    """Consent to profiling limited to CRM contact data does not reach Mastodon posts."""
    with rt.session() as session:
        grant(session, lena.contact_id, Purpose.PROFILING, channel="crm", at=rt.clock.now(),
              actor="test", sources=("crm",), categories=("contact_data",))  # fmt: skip
        narrow = enrich_contact(session, rt.keyring, rt.policy(), lena.contact_id,
                                now=rt.clock.now(), actor="mkt")  # fmt: skip
    assert narrow.stored == () and narrow.refusal is not None
    assert narrow.refusal.code == "enrichment.no-usable-source"
    with rt.session() as session:
        grant(session, lena.contact_id, Purpose.PROFILING, channel="portal", at=rt.clock.now(),
              actor="test", sources=("mastodon",))  # fmt: skip
        wide = enrich_contact(session, rt.keyring, rt.policy(), lena.contact_id,
                              now=rt.clock.now(), actor="mkt")  # fmt: skip
    assert wide.legal_basis is LegalBasis.CONSENT and wide.stored


def test_withdrawn_profiling_consent_stops_rebuilding_on_legitimate_interest(
    rt: Runtime, lena: Customer
) -> None:
    with rt.session() as session:
        grant(session, lena.contact_id, Purpose.PROFILING, channel="portal", at=rt.clock.now(),
              actor="test")  # fmt: skip
        first = enrich_contact(session, rt.keyring, rt.policy(), lena.contact_id,
                               now=rt.clock.now(), actor="mkt")  # fmt: skip
        assert {a.name for a in first.stored} >= {"cross_selling_potential", "churn_risk"}
        withdraw(session, rt.keyring, lena.contact_id, Purpose.PROFILING, channel="portal",
                 at=rt.clock.now(), actor="subject")  # fmt: skip
        again = enrich_contact(
            session,
            rt.keyring,
            rt.policy(),
            lena.contact_id,
            now=rt.clock.now(),
            actor="mkt",
            purpose=Purpose.ENRICHMENT,
        )
        left = AttributeRepository(session, rt.keyring).list_for_contact(lena.contact_id)
        refused = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "enrichment.refused")
        ).all()
        assert verify(session).ok
    assert again.stored == ()
    assert again.refusal is not None and again.refusal.code == "consent.withdrawn-profiling"
    assert "withdrawn" in again.refusal.text
    assert not [a for a in left if a.purpose in (Purpose.PROFILING, Purpose.ENRICHMENT)]
    assert refused and refused[-1].details["code"] == "consent.withdrawn-profiling"


def test_legitimate_interest_enrichment_builds_no_marketing_scores(
    rt: Runtime, lena: Customer
) -> None:
    with rt.session() as session:
        result = enrich_contact(
            session,
            rt.keyring,
            rt.policy(),
            lena.contact_id,
            now=rt.clock.now(),
            actor="mkt",
            purpose=Purpose.ENRICHMENT,
        )
        model = ScoreModel(name="interest_li", features={"sentiment_positive": 1.0},
                           intercept=0.0, purpose=Purpose.ENRICHMENT)  # fmt: skip
        scored = score_contact(session, rt.keyring, rt.policy(), lena.contact_id, model,
                               now=rt.clock.now(), actor="mkt")  # fmt: skip
    assert result.legal_basis is LegalBasis.LEGITIMATE_INTEREST
    names = {a.name for a in result.stored}
    assert names and not names & {"cross_selling_potential", "churn_risk"}
    assert scored.refusal is not None and scored.refusal.code == "legitimate-interest.no-scores"


# --- policy validation ----------------------------------------------------------------

PROFILING_DECL = """  profiling:
    dpv: dpv:CreatePersonalizedRecommendations
    legal_basis: art6_1_a
"""


def _policy_with_profiling_on_li(override: str) -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    assert PROFILING_DECL in text
    block = (
        "  profiling:\n    dpv: dpv:CreatePersonalizedRecommendations\n"
        "    legal_basis: art6_1_f\n"
        "    balancing_test: We have a legitimate interest in advertising.\n" + override
    )
    return text.replace(PROFILING_DECL, block)


def _field(name: str, words: int = 14) -> str:
    return f"      {name}: " + " ".join(f"{name}-reason{i}" for i in range(words)) + "\n"


FIELDS = ("interest", "necessity", "impact", "safeguards", "reasonable_expectations")


def test_policy_refuses_marketing_profiling_on_legitimate_interest() -> None:
    text = _policy_with_profiling_on_li("")
    with pytest.raises(PolicyError) as error:
        load_policy_text(text, source="p.yaml")
    line = text.splitlines().index("  profiling:") + 3  # 1-based: the legal_basis line
    assert (error.value.line, error.value.column) == (line, 18)
    assert "C-252/21" in str(error.value) and "legitimate_interest_override" in str(error.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([_field(f) for f in FIELDS[:4]], "missing 'reasonable_expectations'"),
        ([_field(f, 3 if f == "impact" else 14) for f in FIELDS], "impact is too thin"),
    ],
    ids=["field-missing", "one-liner"],
)
def test_override_needs_every_field_of_substance(fields: list[str], message: str) -> None:
    text = _policy_with_profiling_on_li("    legitimate_interest_override:\n" + "".join(fields))
    with pytest.raises(PolicyError) as error:
        load_policy_text(text, source="p.yaml")
    assert message in str(error.value) and error.value.line is not None


def test_override_with_a_documented_balancing_test_is_accepted() -> None:
    fields = "".join(_field(f) for f in FIELDS)
    policy = load_policy_text(_policy_with_profiling_on_li(
        "    legitimate_interest_override:\n" + fields), source="p.yaml")  # fmt: skip
    spec = policy.purposes[Purpose.PROFILING]
    assert spec.legal_basis is LegalBasis.LEGITIMATE_INTEREST
    assert dict(spec.legitimate_interest_override or ())["safeguards"].startswith("safeguards")


def test_default_policy_bases_no_advertising_on_legitimate_interest() -> None:
    policy = load_policy_text(default_policy_path().read_text(encoding="utf-8"))
    assert policy.purposes[Purpose.ENRICHMENT].dpv_term == "dpv:CustomerRelationshipManagement"
