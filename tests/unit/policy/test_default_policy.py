"""The shipped default policy: each case cites the law its expected outcome rests on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sphere.domain import (
    Addressing,
    Collection,
    ConsentState,
    DataCategory,
    Duty,
    Facts,
    LegalBasis,
    Outcome,
    Purpose,
    Relationship,
    Visibility,
)
from sphere.policy import Policy

A, C, D, K, Out = Addressing, Collection, DataCategory, ConsentState, Outcome
P, R, V = Purpose, Relationship, Visibility

CASES: list[tuple[str, Facts, Outcome, str]] = [
    # GDPR Art. 21(2)/(3): an objection stops direct marketing
    (
        "objection-marketing",
        Facts(
            P.DIRECT_MARKETING,
            relationship=R.VERIFIED_CUSTOMER,
            data_category=D.CONTACT_DATA,
            consent=K.GIVEN,
            objection=True,
        ),
        Out.DENY,
        "objection.derived-denied",
    ),
    # GDPR Art. 21(2): profiling for marketing stops on objection, even with consent
    (
        "objection-profiling",
        Facts(P.PROFILING, data_category=D.BEHAVIOURAL, consent=K.GIVEN, objection=True),
        Out.DENY,
        "objection.derived-denied",
    ),
    # GDPR Art. 21(1): enrichment on legitimate interest stops on objection
    (
        "objection-enrichment",
        Facts(
            P.ENRICHMENT,
            relationship=R.VERIFIED_CUSTOMER,
            data_category=D.PRODUCT_CONTENT,
            objection=True,
        ),
        Out.DENY,
        "objection.derived-denied",
    ),
    # GDPR Art. 7(3): withdrawn consent ends marketing
    (
        "withdrawn-marketing",
        Facts(P.DIRECT_MARKETING, data_category=D.CONTACT_DATA, consent=K.WITHDRAWN),
        Out.DENY,
        "consent.withdrawn-denied",
    ),
    # GDPR Art. 7(3): withdrawn consent ends enrichment
    (
        "withdrawn-enrichment",
        Facts(
            P.ENRICHMENT,
            relationship=R.VERIFIED_CUSTOMER,
            data_category=D.PROFILE_ATTRIBUTE,
            consent=K.WITHDRAWN,
        ),
        Out.DENY,
        "consent.withdrawn-denied",
    ),
    # BDSG §26, GDPR Art. 88: no social-media screening of employees
    (
        "hr-screening",
        Facts(P.HR_SCREENING, relationship=R.EMPLOYEE, consent=K.GIVEN),
        Out.DENY,
        "hr.screening-denied",
    ),
    # GDPR Art. 5(1)(a), platform terms: scraped data is refused, even for customer care
    (
        "scraper",
        Facts(
            P.CUSTOMER_CARE,
            addressing=A.ADDRESSED,
            data_category=D.PRODUCT_CONTENT,
            collection=C.SCRAPER,
        ),
        Out.DENY,
        "collection.scraper-denied",
    ),
    # GDPR Art. 9(1): health data in a complaint needs explicit consent
    (
        "special-no-consent",
        Facts(P.CUSTOMER_CARE, addressing=A.ADDRESSED, data_category=D.SPECIAL_CATEGORY),
        Out.NEEDS_CONSENT,
        "special-category.needs-explicit-consent",
    ),
    # GDPR Art. 9(2)(a): ordinary consent is not explicit consent
    (
        "special-plain-consent",
        Facts(
            P.CUSTOMER_CARE,
            addressing=A.DIRECT,
            visibility=V.COMPANY_DIRECT,
            data_category=D.SPECIAL_CATEGORY,
            consent=K.GIVEN,
        ),
        Out.NEEDS_CONSENT,
        "special-category.needs-explicit-consent",
    ),
    # GDPR Art. 9(2)(a): with explicit consent, allowed with duties
    (
        "special-explicit",
        Facts(
            P.CUSTOMER_CARE,
            addressing=A.DIRECT,
            visibility=V.COMPANY_DIRECT,
            data_category=D.SPECIAL_CATEGORY,
            consent=K.EXPLICIT,
        ),
        Out.ALLOW_WITH_DUTIES,
        "special-category.explicit-consent",
    ),
    # GDPR Art. 9(1), 5(1)(c): special categories are not needed for profiling
    (
        "special-profiling",
        Facts(P.PROFILING, data_category=D.SPECIAL_CATEGORY, consent=K.EXPLICIT),
        Out.DENY,
        "special-category.not-needed-denied",
    ),
    # GDPR Art. 6(1), 5(1)(b): a followers-only post not addressed to the company
    (
        "restricted-not-addressed",
        Facts(
            P.CUSTOMER_CARE,
            visibility=V.RESTRICTED,
            addressing=A.PUBLIC_MENTION,
            data_category=D.PRODUCT_CONTENT,
        ),
        Out.DENY,
        "nonpublic.not-addressed-denied",
    ),
    # GDPR Art. 6(1), 5(1)(b): a private message between people, no consent
    (
        "private-message",
        Facts(
            P.ENRICHMENT,
            visibility=V.PRIVATE_MESSAGE,
            addressing=A.PRIVATE_CONTEXT,
            relationship=R.VERIFIED_CUSTOMER,
            data_category=D.PRODUCT_CONTENT,
        ),
        Out.DENY,
        "nonpublic.not-addressed-denied",
    ),
    # GDPR Art. 6(1), 5(1)(b): private context even where the platform shows it publicly
    (
        "private-context",
        Facts(P.PUBLIC_MONITORING, addressing=A.PRIVATE_CONTEXT),
        Out.DENY,
        "nonpublic.private-context-denied",
    ),
    # GDPR Art. 6(1)(f), Art. 89, Recital 26: public monitoring is anonymous aggregates only
    (
        "monitoring-anonymise",
        Facts(P.PUBLIC_MONITORING, addressing=A.PUBLIC_MENTION, data_category=D.PRODUCT_CONTENT),
        Out.ANONYMISE,
        "monitoring.anonymise-only",
    ),
    # Recital 26: health data in public monitoring is only counted anonymously
    (
        "monitoring-special",
        Facts(P.PUBLIC_MONITORING, addressing=A.PUBLIC_MENTION, data_category=D.SPECIAL_CATEGORY),
        Out.ANONYMISE,
        "monitoring.anonymise-only",
    ),
    # GDPR Art. 6(1)(f)/(b), Recital 47: a post addressing the company may be answered
    (
        "care-addressed",
        Facts(
            P.CUSTOMER_CARE,
            visibility=V.PUBLIC,
            addressing=A.ADDRESSED,
            data_category=D.PRODUCT_CONTENT,
        ),
        Out.ALLOW,
        "customer-care.addressed",
    ),
    # GDPR Art. 6(1)(f)/(b): a direct message to the company, even from an unknown author
    (
        "care-direct",
        Facts(
            P.CUSTOMER_CARE,
            visibility=V.COMPANY_DIRECT,
            addressing=A.DIRECT,
            data_category=D.GENERAL_CONTENT,
        ),
        Out.ALLOW,
        "customer-care.addressed",
    ),
    # Recital 47 (reasonable expectations): a mere brand mention is not a request to answer
    (
        "care-mention",
        Facts(P.CUSTOMER_CARE, addressing=A.PUBLIC_MENTION, data_category=D.PRODUCT_CONTENT),
        Out.DENY,
        "customer-care.other-denied",
    ),
    # GDPR Art. 6(1)(f), Art. 14: verified customer's product post enriches with duties
    (
        "enrich-verified-product",
        Facts(
            P.ENRICHMENT,
            addressing=A.PUBLIC_MENTION,
            relationship=R.VERIFIED_CUSTOMER,
            data_category=D.PRODUCT_CONTENT,
        ),
        Out.ALLOW_WITH_DUTIES,
        "enrichment.verified-product-content",
    ),
    # GDPR Art. 6(1)(a): profile attributes need consent
    (
        "enrich-profile",
        Facts(P.ENRICHMENT, relationship=R.VERIFIED_CUSTOMER, data_category=D.PROFILE_ATTRIBUTE),
        Out.NEEDS_CONSENT,
        "enrichment.needs-consent",
    ),
    # GDPR Art. 6(1)(a): an unverified match needs consent, even for product content
    (
        "enrich-probable",
        Facts(P.ENRICHMENT, relationship=R.PROBABLE_CUSTOMER, data_category=D.PRODUCT_CONTENT),
        Out.NEEDS_CONSENT,
        "enrichment.needs-consent",
    ),
    # GDPR Art. 6(1)(a): with consent, enrichment from profile attributes is allowed
    (
        "enrich-consent",
        Facts(
            P.ENRICHMENT,
            relationship=R.PROBABLE_CUSTOMER,
            data_category=D.PROFILE_ATTRIBUTE,
            consent=K.GIVEN,
        ),
        Out.ALLOW_WITH_DUTIES,
        "enrichment.with-consent",
    ),
    # GDPR Art. 5(1)(b)(c): nobody to enrich when the author is not a customer
    (
        "enrich-unknown",
        Facts(P.ENRICHMENT, relationship=R.UNKNOWN, data_category=D.PRODUCT_CONTENT),
        Out.DENY,
        "enrichment.other-denied",
    ),
    # GDPR Art. 6(1)(a), UWG §7: marketing from social data needs consent
    (
        "marketing-no-consent",
        Facts(P.DIRECT_MARKETING, relationship=R.VERIFIED_CUSTOMER, data_category=D.CONTACT_DATA),
        Out.NEEDS_CONSENT,
        "marketing.needs-consent",
    ),
    # GDPR Art. 6(1)(a): with consent, marketing is allowed (provenance kept)
    (
        "marketing-consent",
        Facts(
            P.DIRECT_MARKETING,
            relationship=R.VERIFIED_CUSTOMER,
            data_category=D.CONTACT_DATA,
            consent=K.GIVEN,
        ),
        Out.ALLOW_WITH_DUTIES,
        "marketing.with-consent",
    ),
    # GDPR Art. 6(1)(a): profiling needs consent
    (
        "profiling-no-consent",
        Facts(P.PROFILING, data_category=D.BEHAVIOURAL),
        Out.NEEDS_CONSENT,
        "marketing.needs-consent",
    ),
    # GDPR Art. 6(1)(a): fuzzy identity matching only with consent
    (
        "matching-no-consent",
        Facts(
            P.IDENTITY_MATCHING, relationship=R.PROBABLE_CUSTOMER, data_category=D.PROFILE_ATTRIBUTE
        ),
        Out.NEEDS_CONSENT,
        "identity-matching.needs-consent",
    ),
    # GDPR Art. 6(1)(a): with consent, matching is allowed
    (
        "matching-consent",
        Facts(P.IDENTITY_MATCHING, data_category=D.CONTACT_DATA, consent=K.GIVEN),
        Out.ALLOW_WITH_DUTIES,
        "identity-matching.with-consent",
    ),
    # GDPR Art. 5(1)(b)(c), Art. 14: a person mentioned in a post is never a contact
    (
        "third-party-marketing",
        Facts(
            P.DIRECT_MARKETING,
            relationship=R.THIRD_PARTY,
            data_category=D.CONTACT_DATA,
            consent=K.GIVEN,
        ),
        Out.DENY,
        "third-party.never-a-contact",
    ),
    # same for customer care: answering the author does not make the mentioned person a contact
    (
        "third-party-care",
        Facts(
            P.CUSTOMER_CARE,
            addressing=A.ADDRESSED,
            relationship=R.THIRD_PARTY,
            data_category=D.GENERAL_CONTENT,
        ),
        Out.DENY,
        "third-party.never-a-contact",
    ),
    # Recital 26: third parties only in anonymous aggregates of public monitoring
    (
        "third-party-monitoring",
        Facts(P.PUBLIC_MONITORING, addressing=A.PUBLIC_MENTION, relationship=R.THIRD_PARTY),
        Out.ANONYMISE,
        "third-party.monitoring-anonymise",
    ),
    # GDPR Art. 5(2), Art. 14(2)(f): no derived processing without recorded provenance
    (
        "no-provenance",
        Facts(P.PROFILING, data_category=D.BEHAVIOURAL, consent=K.GIVEN, provenance_recorded=False),
        Out.DENY,
        "provenance.missing-denied",
    ),
    # GDPR Art. 6(1)(b): a verified customer's order question serves the contract
    (
        "service-contract",
        Facts(
            P.SERVICE_PROVISION,
            visibility=V.COMPANY_DIRECT,
            addressing=A.DIRECT,
            relationship=R.VERIFIED_CUSTOMER,
            data_category=D.PRODUCT_CONTENT,
        ),
        Out.ALLOW,
        "service.contract",
    ),
    # TDDDG §25, GDPR Art. 6(1)(a): web analytics need consent
    (
        "analytics-no-consent",
        Facts(P.WEB_ANALYTICS, data_category=D.BEHAVIOURAL),
        Out.NEEDS_CONSENT,
        "web-analytics.needs-consent",
    ),
    # GDPR Art. 5(2), 24: a case no rule foresees goes to a person (fail closed)
    (
        "fail-closed",
        Facts(P.SERVICE_PROVISION, relationship=R.PROSPECT, addressing=A.PUBLIC_MENTION),
        Out.NEEDS_REVIEW,
        "default.fail-closed",
    ),
]


@pytest.mark.parametrize(
    ("facts", "outcome", "rule_id"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_default_policy_decides(
    default: Policy, facts: Facts, outcome: Outcome, rule_id: str
) -> None:
    decision = default.evaluate(facts)
    assert (decision.outcome, decision.rule_id) == (outcome, rule_id)
    assert decision.purpose is facts.purpose
    assert decision.policy_version == default.version
    assert decision.article  # every decision cites the law it rests on
    assert decision.reason and "{purpose}" not in decision.reason


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 25


def test_every_default_rule_is_exercised_by_a_case_or_reachable(default: Policy) -> None:
    # the loader already rejects shadowed rules; here: every rule owns cells
    table = default.rule_table()
    owned = {default.rule_ids()[i] for i in set(table.ravel().tolist())}
    assert owned == set(default.rule_ids())


def test_legal_basis_of_default_decisions(default: Policy) -> None:
    enrich = default.evaluate(
        Facts(P.ENRICHMENT, relationship=R.VERIFIED_CUSTOMER, data_category=D.PRODUCT_CONTENT)
    )
    assert enrich.legal_basis is LegalBasis.LEGITIMATE_INTEREST  # declared basis
    assert enrich.duties == (Duty.RECORD_PROVENANCE, Duty.INFORM_ART14)
    assert enrich.retention == timedelta(days=730)

    consented = default.evaluate(
        Facts(
            P.ENRICHMENT,
            relationship=R.VERIFIED_CUSTOMER,
            data_category=D.PROFILE_ATTRIBUTE,
            consent=K.GIVEN,
        )
    )
    assert consented.legal_basis is LegalBasis.CONSENT  # rule relies on consent

    special = default.evaluate(
        Facts(
            P.CUSTOMER_CARE,
            addressing=A.DIRECT,
            data_category=D.SPECIAL_CATEGORY,
            consent=K.EXPLICIT,
        )
    )
    assert special.legal_basis is LegalBasis.EXPLICIT_CONSENT

    denied = default.evaluate(Facts(P.HR_SCREENING))
    assert denied.legal_basis is None and denied.retention is None

    monitoring = default.evaluate(Facts(P.PUBLIC_MONITORING))
    assert monitoring.legal_basis is LegalBasis.LEGITIMATE_INTEREST


def test_reason_names_the_purpose_without_personal_data(default: Policy) -> None:
    decision = default.evaluate(Facts(P.PROFILING, consent=K.WITHDRAWN))
    assert decision.reason == "Consent for purpose 'profiling' was withdrawn."


def test_no_default_allow_without_basis(default: Policy) -> None:
    # invariant 1: every storing decision names a legal basis and a retention period
    for index in range(0, default.table_size, 997):
        decision = default.cell_decision(index)
        if decision.permits_storage:
            assert decision.legal_basis is not None
            assert decision.retention is not None
