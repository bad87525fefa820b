"""Send-time recipient check, table-driven."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import pytest

from sphere.domain import (
    Addressing,
    Collection,
    ConsentState,
    DataCategory,
    LegalBasis,
    Purpose,
    Relationship,
    Visibility,
)
from sphere.errors import InvalidInput
from sphere.marketing.channel import OutreachChannel
from sphere.marketing.planning import AudienceFacts, DataItem, MeasureKind, Verdict, check_measure
from sphere.marketing.recipient import (
    Campaign,
    QuietHours,
    RecipientFacts,
    RecipientVerdict,
    check_recipient,
)
from sphere.policy import Policy, default_policy

NOON = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Berlin (CEST)
EMAIL_ITEM = DataItem(
    DataCategory.CONTACT_DATA, Collection.MANUAL, Visibility.COMPANY_DIRECT, Addressing.DIRECT
)
COMMENT_ITEM = DataItem(
    DataCategory.PRODUCT_CONTENT, Collection.OFFICIAL_API, Visibility.PUBLIC, Addressing.ADDRESSED
)
NEWSLETTER = Campaign("cmp-7", Purpose.DIRECT_MARKETING, OutreachChannel.EMAIL, (EMAIL_ITEM,))
REPLY = Campaign(
    "svc-2", Purpose.CUSTOMER_CARE, OutreachChannel.SOCIAL_REPLY, (COMMENT_ITEM,),
    kind=MeasureKind.SERVICE_PROCESS,
)  # fmt: skip
WEBHOOK = replace(NEWSLETTER, id="hook-1", channel=OutreachChannel.WEBHOOK)

OK = RecipientFacts(
    "c-1",
    Relationship.VERIFIED_CUSTOMER,
    ConsentState.GIVEN,
    channels=frozenset({OutreachChannel.EMAIL, OutreachChannel.SOCIAL_REPLY}),
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return default_policy()


CASES = [
    # id, recipient, campaign, now, sends, allowed, code
    ("consent-given--art6-1-a", OK, NEWSLETTER, NOON, 0, True, "allowed"),
    ("consent-withdrawn--art7-3", replace(OK, consent=ConsentState.WITHDRAWN), NEWSLETTER,
     NOON, 0, False, "consent.withdrawn-denied"),
    ("no-consent--art6-1-a", replace(OK, consent=ConsentState.NONE), NEWSLETTER, NOON, 0,
     False, "consent.missing"),
    ("objection--art21-3", replace(OK, objection=True), NEWSLETTER, NOON, 0, False,
     "objection.derived-denied"),
    ("restricted--art18-2", replace(OK, restricted=True), NEWSLETTER, NOON, 0, False,
     "restriction.excluded"),
    ("special-category--art9-1", replace(OK, special_categories=True), NEWSLETTER, NOON, 0,
     False, "special-category.excluded"),
    ("channel-not-given--art5-1-b", replace(OK, channels=frozenset()), NEWSLETTER, NOON, 0,
     False, "channel.never-used"),
    ("frequency-cap-reached--uwg7-1", OK, NEWSLETTER, NOON, 3, False, "frequency.cap"),
    ("below-cap", OK, NEWSLETTER, NOON, 2, True, "allowed"),
    ("quiet-hours-berlin-night--uwg7-1", OK, NEWSLETTER,
     datetime(2026, 6, 1, 21, 30, tzinfo=UTC), 0, False, "quiet-hours"),  # 23:30 Berlin
    ("quiet-hours-other-zone", replace(OK, time_zone="America/New_York"), NEWSLETTER,
     datetime(2026, 6, 1, 21, 30, tzinfo=UTC), 0, True, "allowed"),  # 17:30 New York
    ("early-morning-berlin", OK, NEWSLETTER, datetime(2026, 6, 1, 5, 59, tzinfo=UTC), 0,
     False, "quiet-hours"),  # 07:59 Berlin
    ("webhook-ignores-quiet-hours", OK, WEBHOOK, datetime(2026, 6, 1, 23, 0, tzinfo=UTC), 9,
     True, "allowed"),
    ("social-reply-addressed--recital47", replace(OK, addressed_company=True), REPLY, NOON, 0,
     True, "allowed"),
    ("social-reply-not-addressed--recital47", OK, REPLY, NOON, 0, False,
     "channel.social-reply-not-addressed"),
    ("existing-customer-default-policy--uwg7-3",
     replace(OK, consent=ConsentState.NONE, email_from_purchase=True, informed_of_objection=True),
     replace(NEWSLETTER, similar_products_only=True, objection_notice_in_message=True), NOON, 0,
     False, "uwg.existing-customer-policy-conflict"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("recipient", "campaign", "now", "sends", "allowed", "code"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_recipient_table(
    recipient: RecipientFacts,
    campaign: Campaign,
    now: datetime,
    sends: int,
    allowed: bool,
    code: str,
    policy: Policy,
) -> None:
    verdict = check_recipient(recipient, campaign, policy, now=now, sends_in_window=sends)
    assert (verdict.allowed, verdict.code) == (allowed, code), verdict.reason
    assert verdict.reason.startswith("allowed" if allowed else "refused: ")
    assert "c-1" not in verdict.reason  # not even the id is needed in the reason


def test_allowed_names_legal_basis(policy: Policy) -> None:
    verdict = check_recipient(OK, NEWSLETTER, policy, now=NOON, sends_in_window=0)
    assert verdict == RecipientVerdict(
        True,
        "allowed for purpose 'direct_marketing' via email",
        LegalBasis.CONSENT,
        "allowed",
        "GDPR Art. 6(1)(a)",
    )


def test_consent_withdrawn_between_dry_run_and_send(policy: Policy) -> None:
    """The dry run saw consent; at send time it is withdrawn — the send is refused."""
    planned = check_measure(NEWSLETTER.as_measure(), [OK.as_audience()], policy, now=NOON)
    assert planned.verdict is Verdict.CAN_RUN
    withdrawn = replace(OK, consent=ConsentState.WITHDRAWN)
    verdict = check_recipient(withdrawn, NEWSLETTER, policy, now=NOON, sends_in_window=0)
    assert not verdict.allowed
    assert verdict.reason == (
        "refused: 'contact_data': Consent for purpose 'direct_marketing' was withdrawn"
    )
    assert verdict.article == "GDPR Art. 7(3)"


def test_quiet_hours_retry_at_end_in_utc(policy: Policy) -> None:
    verdict = check_recipient(
        OK, NEWSLETTER, policy, now=datetime(2026, 6, 1, 21, 30, tzinfo=UTC), sends_in_window=0
    )
    assert verdict.retry_at == datetime(2026, 6, 2, 6, 0, tzinfo=UTC)  # 08:00 Berlin
    assert "retry at 2026-06-02 06:00 UTC" in verdict.reason


def test_quiet_hours_across_dst_change(policy: Policy) -> None:
    # 00:30 UTC is 01:30 CET, before clocks go forward at 02:00; quiet until 08:00 CEST
    verdict = check_recipient(
        OK, NEWSLETTER, policy, now=datetime(2026, 3, 29, 0, 30, tzinfo=UTC), sends_in_window=0
    )
    assert verdict.retry_at == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_custom_quiet_hours(policy: Policy) -> None:
    lunch = QuietHours(time(12, 0), time(13, 0))
    verdict = check_recipient(
        OK, NEWSLETTER, policy, now=NOON, sends_in_window=0, quiet_hours=lunch
    )
    assert verdict.code == "quiet-hours"
    assert verdict.retry_at == datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
    never = QuietHours(time(0, 0), time(0, 0))
    assert check_recipient(
        OK, NEWSLETTER, policy, now=NOON, sends_in_window=0, quiet_hours=never
    ).allowed


@pytest.mark.parametrize(
    ("recipient", "sends", "message"),
    [
        (replace(OK, time_zone="Mars/Olympus"), 0, "time zone"),
        (OK, -1, "negative"),
    ],
    ids=["bad-zone", "negative-sends"],
)
def test_invalid_input(recipient: RecipientFacts, sends: int, message: str, policy: Policy) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_recipient(recipient, NEWSLETTER, policy, now=NOON, sends_in_window=sends)


def test_audience_facts_roundtrip() -> None:
    assert OK.as_audience() == AudienceFacts(
        relationship=Relationship.VERIFIED_CUSTOMER,
        consent=ConsentState.GIVEN,
        channels=OK.channels,
    )
