"""The planning scenario table: each row is a measure a marketing, sales or service team
might plan, the audience as aggregated counts, the verdict and the law it rests on.

The same table is in docs/marketing.md; a test below checks they do not drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sphere.domain import (
    Addressing,
    Collection,
    ConsentState,
    DataCategory,
    Duty,
    LegalBasis,
    Purpose,
    Relationship,
    Visibility,
)
from sphere.errors import InvalidInput
from sphere.marketing.channel import OutreachChannel
from sphere.marketing.planning import (
    AudienceFacts,
    DataItem,
    Measure,
    MeasureKind,
    Verdict,
    check_measure,
)
from sphere.policy import Policy, default_policy, default_policy_path, load_policy_text

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "marketing.md"

E, SR, WH, SMS = (
    OutreachChannel.EMAIL,
    OutreachChannel.SOCIAL_REPLY,
    OutreachChannel.WEBHOOK,
    OutreachChannel.SMS,
)
VC, PC, PROSPECT = (
    Relationship.VERIFIED_CUSTOMER,
    Relationship.PROBABLE_CUSTOMER,
    Relationship.PROSPECT,
)
GIVEN, NONE, WITHDRAWN, EXPLICIT = (
    ConsentState.GIVEN,
    ConsentState.NONE,
    ConsentState.WITHDRAWN,
    ConsentState.EXPLICIT,
)

CRM_EMAIL = DataItem(
    DataCategory.CONTACT_DATA, Collection.MANUAL, Visibility.COMPANY_DIRECT, Addressing.DIRECT,
    "e-mail address given to the company",
)  # fmt: skip
PRODUCT_COMMENT = DataItem(
    DataCategory.PRODUCT_CONTENT, Collection.OFFICIAL_API, Visibility.PUBLIC, Addressing.ADDRESSED,
    "product comment addressed to the company",
)  # fmt: skip
PUBLIC_MENTION = DataItem(
    DataCategory.PRODUCT_CONTENT, Collection.OFFICIAL_API, Visibility.PUBLIC,
    Addressing.PUBLIC_MENTION, "public post naming the brand",
)  # fmt: skip
PUBLIC_POSTS = DataItem(
    DataCategory.GENERAL_CONTENT, Collection.OFFICIAL_API, Visibility.PUBLIC,
    Addressing.PUBLIC_MENTION, "public posts",
)  # fmt: skip
PROFILE_DOB = DataItem(
    DataCategory.PROFILE_ATTRIBUTE, Collection.OFFICIAL_API, Visibility.PUBLIC,
    Addressing.NOT_APPLICABLE, "date of birth from social profile",
)  # fmt: skip
WEB_EVENTS = DataItem(
    DataCategory.BEHAVIOURAL, Collection.EXPORT, Visibility.COMPANY_PUBLIC,
    Addressing.NOT_APPLICABLE, "web tracking events",
)  # fmt: skip
SPECIAL_POSTS = DataItem(
    DataCategory.SPECIAL_CATEGORY, Collection.OFFICIAL_API, Visibility.PUBLIC,
    Addressing.PUBLIC_MENTION, "posts about health",
)  # fmt: skip
SCRAPED = replace(PUBLIC_MENTION, collection=Collection.SCRAPER, label="scraped posts")
RESTRICTED_POST = replace(PUBLIC_MENTION, visibility=Visibility.RESTRICTED, label="followers-only")
DM_TO_COMPANY = DataItem(
    DataCategory.PRODUCT_CONTENT, Collection.OFFICIAL_API, Visibility.COMPANY_DIRECT,
    Addressing.DIRECT, "message to the company",
)  # fmt: skip


def campaign(name: str, *items: DataItem, channel: OutreachChannel = E, **flags: object) -> Measure:
    return Measure(name, MeasureKind.CAMPAIGN, Purpose.DIRECT_MARKETING, items, channel, **flags)  # type: ignore[arg-type]


def group(count: int, **facts: object) -> AudienceFacts:
    facts.setdefault("relationship", VC)
    facts.setdefault("channels", frozenset({E, SR, SMS}))
    return AudienceFacts(count=count, **facts)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scenario:
    id: str  # the article(s) the expected verdict rests on are part of the id
    measure: Measure
    audience: tuple[AudienceFacts, ...]
    verdict: Verdict
    eligible: int
    codes: tuple[str, ...] = ()  # reason codes that must appear
    texts: tuple[str, ...] = field(default=())  # fragments that must appear in the reasons
    policy: str = "default"


SCENARIOS = [
    # A profile attribute is not what the person gave us for this purpose and there is no
    # consent: purpose limitation and no legal basis.
    Scenario(
        "birthday-greeting-from-profile-dob--art6-1-a--art5-1-b",
        campaign("birthday greeting", PROFILE_DOB, CRM_EMAIL),
        (group(200, consent=NONE),),
        Verdict.MUST_NOT_RUN,
        0,
        ("consent.missing", "audience.none-eligible"),
        ("no consent for purpose 'direct_marketing' for 200 of 200 contacts",),
    ),
    # Verified customer's public product comment: legitimate interest with Art. 14 notice;
    # the DPIA the policy asks for enrichment is on record.
    Scenario(
        "enrichment-verified-product-comment--art6-1-f--art14",
        Measure(
            "enrich from comments",
            MeasureKind.ENRICHMENT,
            Purpose.ENRICHMENT,
            (PRODUCT_COMMENT,),
            WH,
            dpia_reference="DPIA-2026-04",
        ),
        (group(50, art14_notice_due=True),),
        Verdict.CAN_RUN,
        50,
        ("art14.notices-due", "dpia.on-record"),
        ("Art. 14 notices are due for 50 of 50 contacts",),
    ),  # fmt: skip
    # The same without a DPIA: the record of processing marks enrichment as DPIA-bound.
    Scenario(
        "enrichment-without-dpia--art35-1",
        Measure(
            "enrich from comments",
            MeasureKind.ENRICHMENT,
            Purpose.ENRICHMENT,
            (PRODUCT_COMMENT,),
            WH,
        ),
        (group(50),),
        Verdict.NEEDS_DPO_APPROVAL,
        50,
        ("dpia.missing", "dpia.policy"),
    ),  # fmt: skip
    # Enrichment of an unverified (probable) match needs consent.
    Scenario(
        "enrichment-probable-match-no-consent--art6-1-a",
        Measure(
            "enrich matches",
            MeasureKind.ENRICHMENT,
            Purpose.ENRICHMENT,
            (PRODUCT_COMMENT,),
            WH,
            dpia_reference="DPIA-2026-04",
        ),
        (group(30, relationship=PC),),
        Verdict.MUST_NOT_RUN,
        0,
        ("consent.missing",),
    ),  # fmt: skip
    # Social listening is anonymise-only: no individual may be contacted from it.
    Scenario(
        "wildlife-campaign-from-monitoring--art6-1-f--recital26",
        Measure(
            "wildlife campaign",
            MeasureKind.CAMPAIGN,
            Purpose.PUBLIC_MONITORING,
            (PUBLIC_POSTS,),
            SR,
            dpia_reference="DPIA-2026-01",
        ),
        (group(300, relationship=Relationship.UNKNOWN, addressed_company=False),),
        Verdict.MUST_NOT_RUN,
        0,
        ("monitoring.anonymise-only",),
        ("anonymous aggregates",),
    ),  # fmt: skip
    # The same audience as a marketing campaign from public brand mentions: consent needed.
    Scenario(
        "wildlife-campaign-from-public-posts--art6-1-a",
        campaign("wildlife campaign", PUBLIC_MENTION, channel=SR),
        (group(300, relationship=PROSPECT),),
        Verdict.MUST_NOT_RUN,
        0,
        ("consent.missing",),
    ),
    # Someone who only named the brand did not ask for an answer.
    Scenario(
        "service-reply-not-addressed--art6-1-f--recital47",
        Measure(
            "service reply",
            MeasureKind.SERVICE_PROCESS,
            Purpose.CUSTOMER_CARE,
            (PUBLIC_MENTION,),
            SR,
        ),
        (group(1, relationship=PROSPECT, addressed_company=False),),
        Verdict.MUST_NOT_RUN,
        0,
        ("customer-care.other-denied",),
    ),  # fmt: skip
    Scenario(
        "service-reply-addressed--art6-1-f--recital47",
        Measure(
            "service reply",
            MeasureKind.SERVICE_PROCESS,
            Purpose.CUSTOMER_CARE,
            (PRODUCT_COMMENT,),
            SR,
        ),
        (group(12, relationship=PROSPECT, addressed_company=True),),
        Verdict.CAN_RUN,
        12,
        ("measure.can-run",),
    ),  # fmt: skip
    Scenario(
        "hr-screening-employee-posts--bdsg26--art88",
        Measure(
            "screen staff posts",
            MeasureKind.SERVICE_PROCESS,
            Purpose.HR_SCREENING,
            (PUBLIC_POSTS,),
            WH,
        ),
        (group(20, relationship=Relationship.EMPLOYEE),),
        Verdict.MUST_NOT_RUN,
        0,
        ("hr.screening-denied",),
        ("BDSG §26",),
    ),  # fmt: skip
    Scenario(
        "newsletter-consenting-customers--art6-1-a--uwg7-2",
        campaign("newsletter", CRM_EMAIL),
        (group(500, consent=GIVEN),),
        Verdict.CAN_RUN,
        500,
        ("measure.can-run",),
        ("GDPR Art. 6(1)(a)",),
    ),
    # §7(3) UWG holds, but the default policy declares direct marketing on consent.
    Scenario(
        "existing-customers-similar-products-default-policy--uwg7-3--art6-1-f",
        campaign(
            "accessories mail",
            CRM_EMAIL,
            similar_products_only=True,
            objection_notice_in_message=True,
        ),
        (group(400, email_from_purchase=True, informed_of_objection=True),),
        Verdict.NEEDS_DPO_APPROVAL,
        400,
        ("uwg.existing-customer-policy-conflict",),
    ),  # fmt: skip
    # With a policy whose DPO recorded the Recital 47 balancing for existing customers.
    Scenario(
        "existing-customers-similar-products--uwg7-3--recital47",
        campaign(
            "accessories mail",
            CRM_EMAIL,
            similar_products_only=True,
            objection_notice_in_message=True,
        ),
        (group(400, email_from_purchase=True, informed_of_objection=True),),
        Verdict.CAN_RUN,
        400,
        ("measure.can-run",),
        policy="existing-customer",
    ),  # fmt: skip
    # Not similar products: the exemption does not apply, §7(2) Nr. 2 UWG needs consent.
    Scenario(
        "existing-customers-other-products--uwg7-2-nr2",
        campaign(
            "travel offer", CRM_EMAIL, similar_products_only=False, objection_notice_in_message=True
        ),
        (group(400, email_from_purchase=True, informed_of_objection=True),),
        Verdict.MUST_NOT_RUN,
        0,
        ("uwg.no-consent",),
        policy="existing-customer",
    ),  # fmt: skip
    Scenario(
        "lookalike-from-special-category-posts--art9-1",
        Measure(
            "lookalike audience",
            MeasureKind.LEAD_GENERATION,
            Purpose.PROFILING,
            (SPECIAL_POSTS,),
            WH,
        ),
        (group(2000, relationship=PROSPECT, consent=GIVEN),),
        Verdict.MUST_NOT_RUN,
        0,
        ("special-category.not-needed-denied",),
    ),  # fmt: skip
    Scenario(
        "churn-score-automatic-termination--art22-1",
        Measure(
            "churn termination",
            MeasureKind.SERVICE_PROCESS,
            Purpose.PROFILING,
            (WEB_EVENTS,),
            WH,
            automated_decision_with_legal_effect=True,
        ),
        (group(800, consent=GIVEN),),
        Verdict.MUST_NOT_RUN,
        800,
        ("art22.refused",),
        ("explicit consent (Art. 22(2)(c)) and a human review (Art. 22(3))",),
    ),  # fmt: skip
    Scenario(
        "churn-score-explicit-consent-human-review--art22-2-c--art22-3",
        Measure(
            "churn retention offer",
            MeasureKind.SERVICE_PROCESS,
            Purpose.PROFILING,
            (WEB_EVENTS,),
            WH,
            automated_decision_with_legal_effect=True,
            explicit_consent_recorded=True,
            human_review_recorded=True,
        ),
        (group(800, consent=EXPLICIT),),
        Verdict.NEEDS_DPO_APPROVAL,
        800,
        ("art22.safeguarded", "dpia.art35-3a"),
    ),  # fmt: skip
    Scenario(
        "sms-channel-never-used--art5-1-b--uwg7-2",
        campaign("sms flash sale", CRM_EMAIL, channel=SMS),
        (group(100, consent=GIVEN, channels=frozenset({E})),),
        Verdict.MUST_NOT_RUN,
        0,
        ("channel.never-used",),
    ),
    Scenario(
        "scraper-sourced-data--art5-1-a",
        campaign("scraped leads", SCRAPED, CRM_EMAIL),
        (group(250, consent=GIVEN),),
        Verdict.MUST_NOT_RUN,
        0,
        ("collection.scraper-denied",),
    ),
    Scenario(
        "mixed-audience-30pct-withdrawn--art7-3",
        campaign("spring newsletter", CRM_EMAIL),
        (group(700, consent=GIVEN), group(300, consent=WITHDRAWN)),
        Verdict.CAN_RUN_FOR_SUBSET,
        700,
        ("consent.withdrawn-denied", "audience.subset"),
        ("300 of 1,000 contacts excluded", "may run for 700 of 1,000 contacts"),
    ),
    Scenario(
        "missing-consent-412-of-1000--art6-1-a",
        campaign("summer newsletter", CRM_EMAIL),
        (group(588, consent=GIVEN), group(412, consent=NONE)),
        Verdict.CAN_RUN_FOR_SUBSET,
        588,
        ("consent.missing",),
        ("no consent for purpose 'direct_marketing' for 412 of 1,000 contacts",),
    ),
    Scenario(
        "objection-excluded--art21-3",
        campaign("autumn newsletter", CRM_EMAIL),
        (group(900, consent=GIVEN), group(100, consent=GIVEN, objection=True)),
        Verdict.CAN_RUN_FOR_SUBSET,
        900,
        ("objection.derived-denied",),
        ("Art. 21",),
    ),
    Scenario(
        "restricted-excluded--art18-2",
        campaign("winter newsletter", CRM_EMAIL),
        (group(950, consent=GIVEN), group(50, consent=GIVEN, restricted=True)),
        Verdict.CAN_RUN_FOR_SUBSET,
        950,
        ("restriction.excluded",),
        ("Art. 18(2)",),
    ),
    Scenario(
        "minors-in-profiled-audience--art8--art35-1--wp248",
        campaign("school holiday offer", CRM_EMAIL, systematic_profiling=True),
        (group(80, consent=GIVEN), group(20, consent=GIVEN, minor=True, guardian_consent=True)),
        Verdict.NEEDS_DPO_APPROVAL,
        100,
        ("vulnerable.minors", "dpia.missing", "dpia.criteria"),
    ),
    Scenario(
        "employees-as-audience--bdsg26-2",
        campaign("staff discount", CRM_EMAIL),
        (group(40, relationship=Relationship.EMPLOYEE, consent=GIVEN),),
        Verdict.NEEDS_DPO_APPROVAL,
        40,
        ("vulnerable.employees",),
    ),
    Scenario(
        "large-scale-profiling-web-and-social--art35-3-a",
        Measure(
            "interest profiles",
            MeasureKind.ENRICHMENT,
            Purpose.PROFILING,
            (WEB_EVENTS, PRODUCT_COMMENT),
            WH,
            systematic_profiling=True,
        ),
        (group(50_000, consent=GIVEN),),
        Verdict.NEEDS_DPO_APPROVAL,
        50_000,
        ("dpia.missing", "dpia.art35-3a", "dpia.criteria"),
        ("matching or combining data sets", "large scale"),
    ),  # fmt: skip
    Scenario(
        "large-scale-profiling-dpia-on-record--art35-7",
        Measure(
            "interest profiles",
            MeasureKind.ENRICHMENT,
            Purpose.PROFILING,
            (WEB_EVENTS, PRODUCT_COMMENT),
            WH,
            systematic_profiling=True,
            dpia_reference="DPIA-2026-07",
        ),
        (group(50_000, consent=GIVEN),),
        Verdict.CAN_RUN,
        50_000,
        ("dpia.on-record",),
    ),  # fmt: skip
    Scenario(
        "social-reply-campaign-partly-not-addressed--recital47",
        campaign("reply with offer", PRODUCT_COMMENT, channel=SR),
        (
            group(60, consent=GIVEN, addressed_company=True),
            group(40, consent=GIVEN, addressed_company=False),
        ),
        Verdict.CAN_RUN_FOR_SUBSET,
        60,
        ("channel.social-reply-not-addressed",),
    ),  # fmt: skip
    Scenario(
        "people-mentioned-in-posts--art14--art5-1-b",
        campaign("reach mentioned friends", PUBLIC_MENTION, channel=SR),
        (group(70, relationship=Relationship.THIRD_PARTY),),
        Verdict.MUST_NOT_RUN,
        0,
        ("third-party.never-a-contact",),
    ),
    Scenario(
        "special-category-involvement-excluded--art9-1",
        campaign("comfort strap offer", CRM_EMAIL),
        (group(90, consent=GIVEN), group(10, consent=GIVEN, special_categories=True)),
        Verdict.CAN_RUN_FOR_SUBSET,
        90,
        ("special-category.excluded",),
    ),
    Scenario(
        "missing-provenance--art5-2--art14-2-f",
        campaign("imported list", CRM_EMAIL),
        (group(60, consent=GIVEN, provenance_recorded=False),),
        Verdict.MUST_NOT_RUN,
        0,
        ("provenance.missing-denied",),
    ),
    Scenario(
        "followers-only-post-not-addressed--art6-1--art5-1-b",
        campaign("reach followers", RESTRICTED_POST, channel=SR),
        (group(15, relationship=PROSPECT, addressed_company=True),),
        Verdict.MUST_NOT_RUN,
        0,
        ("nonpublic.not-addressed-denied",),
    ),
    Scenario(
        "lead-generation-from-messages-with-consent--art6-1-a",
        Measure(
            "hand leads to sales",
            MeasureKind.LEAD_GENERATION,
            Purpose.DIRECT_MARKETING,
            (DM_TO_COMPANY,),
            WH,
        ),
        (group(25, relationship=PROSPECT, consent=GIVEN),),
        Verdict.CAN_RUN,
        25,
        ("measure.can-run",),
    ),  # fmt: skip
    Scenario(
        "order-status-email-is-not-advertising--art6-1-b",
        Measure(
            "order status", MeasureKind.SERVICE_PROCESS, Purpose.SERVICE_PROVISION, (CRM_EMAIL,), E
        ),
        (group(300, consent=NONE),),
        Verdict.CAN_RUN,
        300,
        ("measure.can-run",),
        ("GDPR Art. 6(1)(b)",),
    ),  # fmt: skip
    Scenario(
        "empty-audience",
        campaign("nobody", CRM_EMAIL),
        (),
        Verdict.MUST_NOT_RUN,
        0,
        ("audience.empty",),
    ),
]

EXISTING_CUSTOMER_RULE = """
  - id: marketing.existing-customer-email
    when:
      purpose: direct_marketing
      relationship: verified_customer
      data_category: contact_data
      visibility: company_direct
      consent: none
    outcome: allow_with_duties
    duties: [record_provenance]
    reason: Existing customers may receive offers for similar products; they can object any time.
    article: GDPR Art. 6(1)(f), Recital 47, UWG §7(3)
"""


def existing_customer_policy() -> Policy:
    """The default policy, with direct marketing on legitimate interest for existing customers."""
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace(
        "  direct_marketing:\n    dpv: dpv:DirectMarketing\n    legal_basis: art6_1_a\n",
        "  direct_marketing:\n    dpv: dpv:DirectMarketing\n    legal_basis: art6_1_f\n"
        "    balancing_test: Existing customers expect offers for similar products "
        "(Recital 47, UWG section 7(3)).\n",
    )
    marker = "  - id: marketing.with-consent\n"
    assert marker in text
    text = text.replace(marker, EXISTING_CUSTOMER_RULE.lstrip("\n") + "\n" + marker)
    return load_policy_text(text, source="existing-customer.yaml")


@pytest.fixture(scope="module")
def policies() -> dict[str, Policy]:
    return {"default": default_policy(), "existing-customer": existing_customer_policy()}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(scenario: Scenario, policies: dict[str, Policy]) -> None:
    result = check_measure(scenario.measure, scenario.audience, policies[scenario.policy], now=NOW)
    codes = {r.code for r in result.reasons}
    text = "\n".join(str(r) for r in result.reasons)
    assert result.verdict is scenario.verdict, result.summary()
    assert result.eligible == scenario.eligible, result.summary()
    assert set(scenario.codes) <= codes, result.summary()
    for fragment in scenario.texts:
        assert fragment in text, result.summary()
    assert result.reasons, "every verdict carries a reason"


def test_table_has_at_least_25_scenarios() -> None:
    assert len(SCENARIOS) >= 25
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)


def test_docs_list_every_scenario() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    missing = [s.id for s in SCENARIOS if f"`{s.id}`" not in docs]
    assert not missing, f"docs/marketing.md lacks scenarios: {missing}"


def test_per_item_answer_names_basis_and_duties(policies: dict[str, Policy]) -> None:
    measure = Measure(
        "enrich", MeasureKind.ENRICHMENT, Purpose.ENRICHMENT,
        (PRODUCT_COMMENT, PROFILE_DOB), WH, dpia_reference="DPIA-1",
    )  # fmt: skip
    audience = (group(10, consent=GIVEN), group(5, consent=NONE, art14_notice_due=True))
    result = check_measure(measure, audience, policies["default"], now=NOW)
    comment, dob = result.items
    assert comment.usable_for == 15
    assert set(comment.legal_bases) == {LegalBasis.CONSENT, LegalBasis.LEGITIMATE_INTEREST}
    assert Duty.INFORM_ART14 in comment.duties
    assert dob.usable_for == 10  # profile attributes only with consent
    assert result.eligible == 10
    assert result.consent.given == 10 and result.consent.missing == 5
    # the five without consent are excluded, so no Art. 14 notice is due for them
    assert result.art14_notices_due == 0 and result.art14_deadline is None


def test_art14_deadline_is_one_month(policies: dict[str, Policy]) -> None:
    measure = Measure(
        "enrich", MeasureKind.ENRICHMENT, Purpose.ENRICHMENT, (PRODUCT_COMMENT,), WH,
        dpia_reference="DPIA-1",
    )  # fmt: skip
    result = check_measure(
        measure, (group(3, art14_notice_due=True),), policies["default"], now=NOW
    )
    assert result.art14_notices_due == 3
    assert result.art14_deadline == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert Duty.INFORM_ART14 in result.duties


def test_large_scale_threshold_is_configurable(policies: dict[str, Policy]) -> None:
    measure = campaign("n", CRM_EMAIL, systematic_profiling=True)
    audience = (group(500, consent=GIVEN),)
    low = check_measure(measure, audience, policies["default"], now=NOW, large_scale_threshold=400)
    high = check_measure(measure, audience, policies["default"], now=NOW)
    assert low.dpia.required and not high.dpia.required
    assert any("large scale" in c for c in low.dpia.criteria)


def test_reasons_hold_no_personal_data(policies: dict[str, Policy]) -> None:
    measure = campaign("n", DataItem(DataCategory.CONTACT_DATA, label="e-mail address"))
    result = check_measure(measure, (group(2, consent=NONE),), policies["default"], now=NOW)
    assert "@" not in result.summary()


@pytest.mark.parametrize(
    ("measure", "audience", "message"),
    [
        (replace(campaign("x", CRM_EMAIL), data_items=()), (group(1),), "names no data items"),
        (campaign("x", CRM_EMAIL), (group(-1),), r"audience\[0\]\.count"),
    ],
    ids=["no-items", "negative-count"],
)
def test_invalid_input(
    measure: Measure, audience: tuple[AudienceFacts, ...], message: str, policies: dict[str, Policy]
) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_measure(measure, audience, policies["default"], now=NOW)


def test_naive_now_is_refused(policies: dict[str, Policy]) -> None:
    with pytest.raises(ValueError, match="time zone"):
        check_measure(campaign("x", CRM_EMAIL), (), policies["default"], now=datetime(2026, 1, 1))


def test_per_contact_and_aggregated_audiences_agree(policies: dict[str, Policy]) -> None:
    measure = campaign("n", CRM_EMAIL)
    per_contact = [group(1, consent=GIVEN)] * 7 + [group(1, consent=WITHDRAWN)] * 3
    aggregated = [group(7, consent=GIVEN), group(3, consent=WITHDRAWN)]
    a = check_measure(measure, per_contact, policies["default"], now=NOW)
    b = check_measure(measure, aggregated, policies["default"], now=NOW)
    assert (a.verdict, a.eligible, a.total, a.reasons) == (
        b.verdict,
        b.eligible,
        b.total,
        b.reasons,
    )
    assert a.eligible == 7
