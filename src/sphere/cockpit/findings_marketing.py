"""The marketing findings (``sphere.cockpit.findings`` lists every check): campaigns not
yet sent whose recipients' consent lapsed or lapses soon, and minors in segments or
campaign audiences.

Campaigns carry no scheduled send time: a campaign that is not yet sent may be run at
any moment after its dry run, so "expires before the send" means "within the next 7
days". The send itself re-checks every recipient (``marketing.campaigns.run``); the
finding says the planned audience rests on consent that no longer holds.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from sphere.cockpit.finding import Finding, make_finding
from sphere.cockpit.minors import minors_in_marketing
from sphere.domain import Purpose
from sphere.dsr.deadline import NEAR_DEADLINE_DAYS
from sphere.i18n import N_
from sphere.i18n.message import day, joined, msg, word
from sphere.marketing.campaigns import audience_of, list_campaigns
from sphere.storage.crypto import Keyring
from sphere.storage.repositories import oversight as read
from sphere.storage.repositories.marketing import CampaignRecord, MarketingRepository

# Campaigns that have not been sent yet; ``done`` ones were, ``refused`` ones never are.
PENDING_CAMPAIGN_STATES = frozenset({"draft", "dry_run"})
# Campaigns have no scheduled send time: consent lapsing within this horizon would lapse
# before a send that may happen at any moment (the same 7 days as "near" for requests).
SOON = timedelta(days=NEAR_DEADLINE_DAYS)
DRY_RUN_PAGE = "/cockpit/marketing/dry-run"


def _segment_of(repo: MarketingRepository, record: CampaignRecord) -> str | None:
    """The campaign's segment id: its own, else the measure's audience segment."""
    if record.segment_id:
        return record.segment_id
    name = repo.get_measure(record.measure_id).audience.get("segment")
    return repo.get_segment(name).id if name else None


def campaign_consent(session: Session, keyring: Keyring, now: datetime) -> list[Finding]:
    """Set-based: one query per pending campaign finds the recipients whose consent
    lapsed or lapses soon; after a dry run only the audience it listed counts."""
    later = now + SOON
    repo = MarketingRepository(session)
    parts: list[dict[str, object]] = []
    campaigns: list[CampaignRecord] = []
    affected: set[str] = set()
    lapsed_now = False
    for record in list_campaigns(session):
        if record.state not in PENDING_CAMPAIGN_STATES:
            continue
        measure = repo.get_measure(record.measure_id)
        if measure.state != "approved":
            continue  # cannot be sent at all
        purpose = Purpose(measure.purpose)
        segment = _segment_of(repo, record)
        lapses = read.consent_lapses(session, purpose.value, now=now, later=later,
                                     segment_id=segment)  # fmt: skip
        if record.state == "dry_run":
            planned = set(record.dry_run_audience)
            current = set(audience_of(session, keyring, record))
            lapses = {c: k for c, k in lapses.items() if c in planned}
            recipients = len(planned & current)
        else:
            recipients = read.audience_size(session, segment)
        kinds: Counter[str] = Counter(lapses.values())
        if not kinds:
            continue
        affected.update(lapses)
        campaigns.append(record)
        lapsed_now = lapsed_now or bool(kinds["withdrawn"] or kinds["expired"])
        when = (
            msg(N_("dry run %(day)s"), day=day(record.dry_run_at))
            if record.dry_run_at
            else msg(N_("no dry run yet"))
        )
        counts = joined(
            label
            for k, label in (
                ("withdrawn", msg(N_("%(count)s withdrawn"), count=kinds["withdrawn"])),
                ("expired", msg(N_("%(count)s expired"), count=kinds["expired"])),
                ("expiring", msg(N_("%(count)s expiring by %(day)s"), count=kinds["expiring"],
                                 day=day(later))),
            )
            if kinds[k]
        )  # fmt: skip
        parts.append(
            msg(
                N_("'%(name)s' (%(state)s, %(when)s, purpose %(purpose)s): %(counts)s of "
                   "%(recipients)s recipients"),
                name=record.name, state=word("campaign_state", record.state), when=when,
                purpose=word("purpose", purpose), counts=counts, recipients=recipients,
            )
        )  # fmt: skip
    if not campaigns:
        return []
    return [
        make_finding(
            code="campaign.expired-consent",
            severity="medium" if lapsed_now else "low",
            title=N_("Campaigns about to send to people whose consent has lapsed"),
            evidence=msg(
                N_(
                    "%(campaigns)s. No send time is scheduled (a campaign may run any time "
                    "after its dry run), so consent ending before %(day)s counts; the send "
                    "re-checks every recipient"
                ),
                campaigns=joined(parts, "; "),
                day=day(later),
            ),
            count=len(affected),
            link=DRY_RUN_PAGE,
            article="GDPR Art. 6(1)(a), Art. 7(3); §7(2) UWG",
            object_ids=tuple(r.id for r in campaigns),
            links=tuple(
                (
                    msg(N_("Dry run: %(name)s"), name=r.name),
                    f"{DRY_RUN_PAGE}?{urlencode({'campaign': r.name})}",
                )
                for r in campaigns
            ),
        )
    ]


def minors(session: Session, keyring: Keyring) -> list[Finding]:
    """Minors (Art. 8, Recital 38) in segments or pending campaigns' audiences."""
    segments, audiences = minors_in_marketing(session, keyring)
    people = sorted({c for ids in [*segments.values(), *audiences.values()] for c in ids})
    if not people:
        return []
    parts = [
        msg(N_("segment '%(name)s': %(count)s"), name=name, count=len(ids))
        for name, ids in segments.items()
    ]
    parts += [
        msg(N_("campaign '%(name)s' audience: %(count)s"), name=name, count=len(ids))
        for name, ids in audiences.items()
    ]
    return [
        make_finding(
            code="minors.in-marketing",
            severity="high",
            title=N_("Minors in segments or campaign audiences"),
            evidence=msg(
                N_(
                    "%(count)s contact(s) flagged as minors: %(parts)s. Without a holder of "
                    "parental responsibility's consent they are excluded at send time; remove "
                    "them or record that consent"
                ),
                count=len(people),
                parts=joined(parts, "; "),
            ),
            count=len(people),
            link="/cockpit/marketing",
            article="GDPR Art. 8(1), Recital 38",
            object_ids=tuple(people),
        )
    ]
