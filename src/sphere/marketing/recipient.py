"""Send-time recipient check: may THIS message go to THIS person NOW?

A campaign's planning check (``planning.check_measure``) ran on a snapshot; by the time a
message is sent, consent may have been withdrawn (GDPR Art. 7(3)), an objection filed
(Art. 21(3)) or processing restricted (Art. 18). So every single send is checked again
with the recipient's facts as they are at send time, through the same
``planning.assess_contact`` the dry run used, and then against the send rules:

1. consent, objection, restriction, policy, special categories, channel reachability,
   social reply only where the author addressed the company (Recital 47), §7(2)/(3) UWG
   — exactly as in the planning check;
2. an eligibility that rests only on §7(3) UWG against a consent-based policy is refused
   here (it needs the DPO's approval first);
3. the frequency cap: at most ``campaign.max_sends`` messages in ``campaign.cap_window``
   (a company rule against unreasonable nuisance, §7(1) UWG);
4. the Art. 14 information (data obtained from social media) is due at the latest with
   the first communication (Art. 14(3)(b)): a person who has not received it is held
   (``art14.held``) unless the campaign carries it (``art14_mode: attach``, e-mail only);
5. quiet hours in the recipient's time zone (default Europe/Berlin): refused with
   ``retry_at``, the end of the quiet period in UTC. Webhooks reach no person and are
   exempt from caps and quiet hours.

Reasons never contain personal data: ids, purposes, counts and articles only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sphere.domain import ConsentState, LegalBasis, Purpose, Relationship, ensure_utc
from sphere.errors import InvalidInput
from sphere.marketing.channel import OutreachChannel
from sphere.marketing.planning import AudienceFacts, DataItem, Measure, MeasureKind, assess_contact
from sphere.policy import Policy

DEFAULT_TIME_ZONE = "Europe/Berlin"
ART14_HELD = "art14.held"


@dataclass(frozen=True, slots=True)
class RecipientFacts:
    """The recipient's facts at send time. ``contact_id`` is an id, never an address."""

    contact_id: str
    relationship: Relationship = Relationship.UNKNOWN
    consent: ConsentState = ConsentState.NONE
    objection: bool = False
    restricted: bool = False
    special_categories: bool = False
    addressed_company: bool = False
    channels: frozenset[OutreachChannel] = frozenset()
    email_from_purchase: bool = False
    informed_of_objection: bool = False
    provenance_recorded: bool = True
    time_zone: str = DEFAULT_TIME_ZONE
    minor: bool = False  # GDPR Art. 8
    guardian_consent: bool = False
    art14_notice_due: bool = False  # the Art. 14 information has not been given yet

    def as_audience(self) -> AudienceFacts:
        return AudienceFacts(
            count=1,
            relationship=self.relationship,
            consent=self.consent,
            objection=self.objection,
            restricted=self.restricted,
            special_categories=self.special_categories,
            addressed_company=self.addressed_company,
            channels=self.channels,
            email_from_purchase=self.email_from_purchase,
            informed_of_objection=self.informed_of_objection,
            provenance_recorded=self.provenance_recorded,
            minor=self.minor,
            guardian_consent=self.guardian_consent,
        )


@dataclass(frozen=True, slots=True)
class Campaign:
    """What is being sent. ``max_sends`` per ``cap_window`` is the frequency cap."""

    id: str
    purpose: Purpose
    channel: OutreachChannel
    data_items: tuple[DataItem, ...]
    kind: MeasureKind = MeasureKind.CAMPAIGN
    max_sends: int = 3
    cap_window: timedelta = timedelta(days=7)
    similar_products_only: bool = False
    objection_notice_in_message: bool = False
    art14_mode: str = "hold"  # attach | hold (Art. 14(3)(b))

    def as_measure(self) -> Measure:
        return Measure(
            name=self.id,
            kind=self.kind,
            purpose=self.purpose,
            data_items=self.data_items,
            channel=self.channel,
            similar_products_only=self.similar_products_only,
            objection_notice_in_message=self.objection_notice_in_message,
        )


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local times between which nothing is sent; ``start > end`` spans midnight."""

    start: time = time(20, 0)
    end: time = time(8, 0)

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True, slots=True)
class RecipientVerdict:
    allowed: bool
    reason: str
    legal_basis: LegalBasis | None
    code: str
    article: str = ""
    retry_at: datetime | None = None


def check_recipient(
    recipient: RecipientFacts,
    campaign: Campaign,
    policy: Policy,
    *,
    now: datetime,
    sends_in_window: int,
    quiet_hours: QuietHours | None = None,
) -> RecipientVerdict:
    """Decide one send; see the module docstring. ``quiet_hours=None`` uses 20:00–08:00."""
    now = ensure_utc(now)
    if sends_in_window < 0:
        raise InvalidInput("sends_in_window is negative")
    quiet = quiet_hours if quiet_hours is not None else QuietHours()
    assessment = assess_contact(campaign.as_measure(), recipient.as_audience(), policy)
    if assessment.exclusion is not None:
        e = assessment.exclusion
        return RecipientVerdict(False, f"refused: {e.text}", None, e.code, e.article)
    if assessment.uwg_exemption_conflict:
        return RecipientVerdict(
            False,
            "refused: only the §7(3) UWG existing-customer exemption would allow this message, "
            f"and the policy requires consent for purpose '{campaign.purpose.value}'; "
            "the DPO must approve first",
            None,
            "uwg.existing-customer-policy-conflict",
            "§7(3) UWG, GDPR Art. 6(1)(f)",
        )
    bases = {d.legal_basis for d in assessment.decisions if d.legal_basis is not None}
    basis = LegalBasis.CONSENT if LegalBasis.CONSENT in bases else min(bases, default=None)

    if campaign.channel.reaches_person:
        if sends_in_window >= campaign.max_sends:
            days = campaign.cap_window / timedelta(days=1)
            return RecipientVerdict(
                False,
                f"refused: frequency cap of {campaign.max_sends} messages in {days:g} days "
                f"reached ({sends_in_window} sent)",
                basis,
                "frequency.cap",
                "§7(1) UWG, company rule",
            )
        zone = _zone(recipient.time_zone)
        local = now.astimezone(zone)
        if quiet.contains(local.time()):
            retry = _quiet_end(local, quiet).astimezone(now.tzinfo)
            return RecipientVerdict(
                False,
                f"refused: quiet hours {quiet.start:%H:%M}–{quiet.end:%H:%M} in the recipient's "
                f"time zone; retry at {retry:%Y-%m-%d %H:%M} UTC",
                basis,
                "quiet-hours",
                "§7(1) UWG, company rule",
                retry_at=retry,
            )
    article = basis.article if basis is not None else ""
    carries = ""
    if recipient.art14_notice_due and campaign.channel.reaches_person:
        if campaign.art14_mode != "attach" or campaign.channel is not OutreachChannel.EMAIL:
            how = (
                "the campaign holds people until it is sent"
                if campaign.art14_mode != "attach"
                else f"a message by {campaign.channel.value} cannot carry it"
            )
            return RecipientVerdict(
                False,
                "held: the information on data obtained from social media (Art. 14) has not "
                f"been given yet and is due at the latest with the first communication; {how}",
                basis,
                ART14_HELD,
                "GDPR Art. 14(3)(b)",
            )
        carries = "; the message carries the Art. 14 information (first communication)"
    return RecipientVerdict(
        True,
        f"allowed for purpose '{campaign.purpose.value}' via {campaign.channel.value}{carries}",
        basis,
        "allowed",
        article,
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("recipient time_zone is not a known IANA time zone") from None


def _quiet_end(local: datetime, quiet: QuietHours) -> datetime:
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)  # wall-clock arithmetic: the zone's offset is recomputed
    return end
