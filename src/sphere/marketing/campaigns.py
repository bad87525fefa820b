"""Campaigns: create under an approved measure, dry-run, run — every recipient checked again
at send time, every send recorded with its legal basis, decision and audit entry.

A campaign is plain data (JSON/YAML)::

    name: tele spring offer
    measure: spring newsletter       # an APPROVED measure: purpose, channel, data items
    segment: tele-fans                # optional; otherwise the measure's audience
    offer: {subject: "Frühlingsangebot", body: "20 % auf das Tele 70-200 …"}
    max_sends: 3                      # frequency cap per contact …
    cap_window_days: 7                # … in this many days, across campaigns
    quiet_hours: {start: "20:00", end: "08:00"}   # recipient's local time
    art14: hold                       # or attach: people whose Art. 14 information is
                                      # due get it in the message (e-mail), else held

Refused at creation (stored with state ``refused``, reason and audit entry, nothing is
ever sent): the measure is not approved; it or the segment targets a special category
(GDPR Art. 9(1)); the segment was derived for a purpose not compatible with the
measure's (Art. 5(1)(b), Art. 6(4)); a channel other than the approved measure's.

Dry run: lists every contact of the audience with the verdict ``check_recipient`` gives
now and the reason — decided once per group of contacts that share every deciding fact,
stored, paged and exported (``marketing.dry_run``). Run: recomputes the audience and
checks EVERY recipient again with the facts as they are at send time (consent withdrawn
or an objection since the dry run → refused with that reason); contacts the dry run did
not list as reached are not reached: refused with the reason that holds now (e.g. still
no consent), or — if they would be allowed now — as having joined or become eligible
after the dry run (a new dry run must list them first); contacts who left it are not
reached either. Frequency caps and quiet hours are applied per recipient. Each attempt
becomes a ``campaign_sends`` row (sent | refused | failed), a decision-log row and an
audit entry. Offers carry no merge fields: a message holds no personal data beyond the
address it is sent to. Advertising messages end with the objection notice (§7(3) Nr. 4
UWG, GDPR Art. 21(4)).

A message is handed to the transport before the transaction commits; if the commit then
fails, the message has gone without its record — the transport's own log (SMTP server,
webhook receiver, ``X-Sphere-Send-Id``) is the evidence in that case.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import DataCategory, Decision, IdentityKind, Outcome, Purpose
from sphere.errors import InvalidInput
from sphere.governance.dpia import dpia_hold
from sphere.governance.policy_versions import active_policy
from sphere.marketing.audience import addressed, load_facts
from sphere.marketing.channel import OutreachChannel, Reason
from sphere.marketing.dry_run import DryRunReport, run_dry_run
from sphere.marketing.measures import audience_contacts, spec_from_record
from sphere.marketing.planning import MeasureKind
from sphere.marketing.profiles import targets_special_category
from sphere.marketing.recipient import (
    ART14_HELD,
    Campaign,
    QuietHours,
    RecipientVerdict,
    check_recipient,
)
from sphere.marketing.transport import DeliveryError, OutboundMessage, Transport
from sphere.policy import Policy
from sphere.rights.notices import (
    DueNotice,
    NoticeParties,
    due_notice,
    record_notice_given,
    sync_duties,
)
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.marketing import (
    CampaignRecord,
    MarketingRepository,
    MeasureRecord,
)

# Purposes whose derived data a campaign of the key purpose may use (GDPR Art. 6(4):
# compatible further processing). Profiling for marketing needs its own consent; data
# kept for enrichment on legitimate interest or for customer care is not marketing data.
COMPATIBLE_PURPOSES: Mapping[Purpose, frozenset[Purpose]] = {
    Purpose.DIRECT_MARKETING: frozenset({Purpose.DIRECT_MARKETING, Purpose.PROFILING}),
    Purpose.CUSTOMER_CARE: frozenset({Purpose.CUSTOMER_CARE, Purpose.SERVICE_PROVISION}),
    Purpose.SERVICE_PROVISION: frozenset({Purpose.SERVICE_PROVISION, Purpose.CUSTOMER_CARE}),
}
OBJECTION_NOTICE = (
    "\n\n--\nSie können der Verwendung Ihrer Daten für Werbung jederzeit widersprechen; "
    "antworten Sie einfach mit STOP. / You may object to the use of your data for "
    "advertising at any time; just reply STOP."
)
TIMING_CODES = frozenset({"quiet-hours", "frequency.cap"})
ART14_MODES = ("hold", "attach")
ADVERTISING_KINDS = frozenset({MeasureKind.CAMPAIGN, MeasureKind.LEAD_GENERATION})


@dataclass(frozen=True, slots=True)
class RecipientLine:
    """One person's verdict in a dry run or run (ids, codes and reasons — no address)."""

    contact_id: str
    allowed: bool
    code: str
    reason: str
    article: str = ""
    legal_basis: str | None = None
    status: str = ""  # run only: sent | refused | failed
    send_id: str | None = None
    retry_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "allowed": self.allowed,
            "code": self.code,
            "reason": self.reason,
            "article": self.article,
            "legal_basis": self.legal_basis,
            "status": self.status or None,
            "send_id": self.send_id,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
        }


@dataclass(frozen=True, slots=True)
class CampaignReport:
    campaign: str
    mode: str  # dry_run | run | preview
    lines: tuple[RecipientLine, ...]

    @property
    def reached(self) -> tuple[RecipientLine, ...]:
        return tuple(line for line in self.lines if line.allowed)

    @property
    def not_reached(self) -> tuple[RecipientLine, ...]:
        return tuple(line for line in self.lines if not line.allowed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "mode": self.mode,
            "reached": [line.as_dict() for line in self.reached],
            "not_reached": [line.as_dict() for line in self.not_reached],
            "counts": {"reached": len(self.reached), "not_reached": len(self.not_reached)},
        }


def _clock(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{path}: must be a time HH:MM")
    try:
        return time.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        raise InvalidInput(f"{path}: must be a time HH:MM") from None


def _positive_int(data: Mapping[str, Any], key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"campaign.{key}: must be a positive whole number")
    return value


def _parse(data: object) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise InvalidInput("campaign: must be a mapping")
    known = {"name", "measure", "segment", "offer", "channel", "max_sends", "cap_window_days",
             "quiet_hours", "art14"}  # fmt: skip
    unknown = set(data) - known
    if unknown:
        raise InvalidInput(f"campaign: unknown key {sorted(unknown)[0]!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidInput("campaign.name: must be a non-empty string of at most 200 characters")
    if not isinstance(data.get("measure"), str):
        raise InvalidInput("campaign.measure: must name an approved measure")
    offer = data.get("offer")
    if (
        not isinstance(offer, Mapping)
        or not isinstance(offer.get("subject"), str)
        or not isinstance(offer.get("body"), str)
        or not offer["body"].strip()
    ):
        raise InvalidInput("campaign.offer: needs a subject and a non-empty body")
    if "{" in offer["subject"] + offer["body"]:
        raise InvalidInput("campaign.offer: merge fields are not supported (no personal data)")
    quiet = data.get("quiet_hours") or {}
    if not isinstance(quiet, Mapping):
        raise InvalidInput("campaign.quiet_hours: must be a mapping with start and end")
    segment = data.get("segment")
    if segment is not None and not isinstance(segment, str):
        raise InvalidInput("campaign.segment: must be a segment name")
    channel = data.get("channel")
    if channel is not None:
        try:
            channel = OutreachChannel(channel).value
        except ValueError:
            raise InvalidInput("campaign.channel: unknown channel") from None
    art14 = data.get("art14", "hold")
    if art14 not in ART14_MODES:
        raise InvalidInput("campaign.art14: 'attach' (carry the Art. 14 information) or 'hold'")
    return {
        "art14_mode": art14,
        "name": name.strip(),
        "measure": data["measure"],
        "segment": segment,
        "offer": {"subject": offer["subject"], "body": offer["body"]},
        "channel": channel,
        "max_sends": _positive_int(data, "max_sends", 3),
        "cap_window_days": _positive_int(data, "cap_window_days", 7),
        "quiet_start": _clock(quiet.get("start", "20:00"), "campaign.quiet_hours.start"),
        "quiet_end": _clock(quiet.get("end", "08:00"), "campaign.quiet_hours.end"),
    }


def _creation_refusal(
    session: Session, measure: MeasureRecord | None, segment_name: str | None, channel: str | None
) -> Reason | None:
    if measure is None:
        return Reason("measure.unknown", "no measure with this name is on record", "GDPR Art. 30")
    if measure.state != "approved":
        return Reason(
            "measure.not-approved",
            f"measure '{measure.name}' is {measure.state}; only approved measures may run",
            "GDPR Art. 5(2), Art. 35(2)",
        )
    if any(i.get("category") == DataCategory.SPECIAL_CATEGORY.value for i in measure.data_items):
        return Reason(
            "special-category.targeted",
            "the measure uses special categories of personal data for marketing",
            "GDPR Art. 9(1)",
        )
    if channel is not None and channel != measure.channel:
        return Reason(
            "channel.not-approved",
            f"the measure was approved for channel '{measure.channel}', not '{channel}'",
            "GDPR Art. 5(1)(b)",
        )
    if segment_name is not None:
        segment = MarketingRepository(session).get_segment(segment_name)
        if targets_special_category(dict(segment.definition)):
            return Reason(
                "special-category.targeted",
                f"segment '{segment.name}' targets a special category of personal data",
                "GDPR Art. 9(1)",
            )
        purpose = Purpose(measure.purpose)
        allowed = COMPATIBLE_PURPOSES.get(purpose, frozenset({purpose}))
        if Purpose(segment.purpose) not in allowed:
            return Reason(
                "purpose.mismatch",
                f"segment '{segment.name}' was derived for purpose '{segment.purpose}', which "
                f"is not compatible with '{purpose.value}'",
                "GDPR Art. 5(1)(b), Art. 6(4)",
            )
    return None


def create_campaign(session: Session, data: object, *, actor: str, now: datetime) -> CampaignRecord:
    """Store a campaign; a refused one is stored with state ``refused`` and its reason."""
    values = _parse(data)
    repo = MarketingRepository(session)
    measure = repo.find_measure(values.pop("measure"))
    segment_name = values.pop("segment")
    channel = values.pop("channel")
    refusal = _creation_refusal(session, measure, segment_name, channel)
    segment_id = repo.get_segment(segment_name).id if segment_name else None
    if measure is None:
        raise InvalidInput("campaign.measure: no measure with this name is on record")
    record = repo.add_campaign(
        measure_id=measure.id,
        segment_id=segment_id,
        channel=measure.channel,
        state="refused" if refusal else "draft",
        refusal=(
            {"code": refusal.code, "text": refusal.text, "article": refusal.article}
            if refusal
            else {}
        ),
        created_by=actor,
        created_at=now,
        **values,
    )
    audit(
        session,
        actor=actor,
        action="campaign.refused" if refusal else "campaign.created",
        object_ids=tuple(i for i in (record.id, measure.id, segment_id) if i),
        purpose=measure.purpose,
        details={"code": refusal.code} if refusal else {"channel": measure.channel},
        at=now,
    )
    return record


def pure_campaign(record: CampaignRecord, measure: MeasureRecord) -> Campaign:
    spec = spec_from_record(measure).measure
    return Campaign(
        id=record.id,
        purpose=spec.purpose,
        channel=spec.channel,
        data_items=spec.data_items,
        kind=spec.kind,
        max_sends=record.max_sends,
        cap_window=timedelta(days=record.cap_window_days),
        similar_products_only=spec.similar_products_only,
        objection_notice_in_message=spec.objection_notice_in_message,
        art14_mode=record.art14_mode,
    )


def _audience(
    session: Session, keyring: Keyring, record: CampaignRecord, measure: MeasureRecord
) -> list[str]:
    """The campaign's audience now: its segment, else the measure's audience definition.
    (A relationship filter of the measure is applied per person in ``_verdict``.)"""
    audience = dict(measure.audience)
    if record.segment_id:
        audience["segment"] = record.segment_id
    return audience_contacts(session, keyring, audience)


def _verdict(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    campaign: Campaign,
    record: CampaignRecord,
    measure: MeasureRecord,
    contact_id: str,
    *,
    now: datetime,
) -> RecipientVerdict:
    facts = load_facts(
        session, keyring, contact_id, campaign.purpose, now=now, data_items=campaign.data_items
    )
    wanted = measure.audience.get("relationship")
    if wanted and facts.recipient.relationship.value not in wanted:
        return RecipientVerdict(
            False,
            "refused: not in the measure's audience (relationship)",
            None,
            "audience.relationship",
            "GDPR Art. 5(1)(b)",
        )
    person_channels = [c.value for c in OutreachChannel if c.reaches_person]
    sent = MarketingRepository(session).sent_since(
        contact_id, now - campaign.cap_window, person_channels
    )
    quiet = QuietHours(time.fromisoformat(record.quiet_start), time.fromisoformat(record.quiet_end))
    return check_recipient(
        facts.recipient, campaign, policy, now=now, sends_in_window=sent, quiet_hours=quiet
    )


def _line(contact_id: str, verdict: RecipientVerdict, **extra: Any) -> RecipientLine:
    return RecipientLine(
        contact_id=contact_id,
        allowed=verdict.allowed,
        code=verdict.code,
        reason=verdict.reason,
        article=verdict.article,
        legal_basis=verdict.legal_basis.value if verdict.legal_basis else None,
        retry_at=verdict.retry_at,
        **extra,
    )


def runnable(session: Session, name: str) -> tuple[CampaignRecord, MeasureRecord]:
    repo = MarketingRepository(session)
    record = repo.get_campaign(name)
    if record.state == "refused":
        reason = record.refusal.get("text", "refused")
        raise InvalidInput(f"campaign {record.name!r} was refused: {reason}")
    measure = repo.get_measure(record.measure_id)
    if measure.state != "approved":
        raise InvalidInput(
            f"measure {measure.name!r} is {measure.state}; campaign {record.name!r} cannot run"
        )
    held = dpia_hold(session, active_policy(session), Purpose(measure.purpose))
    if held is not None:
        raise InvalidInput(f"campaign {record.name!r} is held: {held} (GDPR Art. 35(1))")
    return record, measure


def dry_run(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    name: str,
    *,
    now: datetime,
    actor: str,
    progress: Any = None,
) -> DryRunReport:
    """Who would be reached now and who not, with the reason per person; sends nothing.
    Decided per group of contacts sharing their facts (``marketing.dry_run``)."""
    return run_dry_run(session, keyring, policy, name, now=now, actor=actor, progress=progress)


def audience_of(session: Session, keyring: Keyring, record: CampaignRecord) -> list[str]:
    """Contact ids of the campaign's audience now (the measure's relationship filter is
    applied per person at send time, not here)."""
    measure = MarketingRepository(session).get_measure(record.measure_id)
    return _audience(session, keyring, record, measure)


def _codes(lines: Sequence[RecipientLine]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.code] = counts.get(line.code, 0) + 1
    return counts


def _address(
    session: Session, keyring: Keyring, contact_id: str, channel: OutreachChannel
) -> tuple[str, str | None]:
    """The address to send to (decrypted now), and the post a social reply answers."""
    if channel is OutreachChannel.WEBHOOK:
        return "", None
    identities = ContactRepository(session, keyring).identities(contact_id)
    if channel is OutreachChannel.EMAIL:
        kinds = (IdentityKind.EMAIL,)
    elif channel is OutreachChannel.SMS:
        kinds = (IdentityKind.PHONE,)
    else:
        kinds = (IdentityKind.HANDLE,)
    value = next((i.value for i in identities if i.kind in kinds and i.value), "")
    in_reply_to = None
    if channel is OutreachChannel.SOCIAL_REPLY:
        posts = [
            i
            for i in InteractionRepository(session, keyring).list_for_contact(contact_id)
            if i.deleted_at is None and addressed(i)
        ]
        in_reply_to = posts[-1].source_id if posts else None
    return value, in_reply_to


def run(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    name: str,
    transport: Transport,
    *,
    now: datetime,
    actor: str,
    notice_parties: NoticeParties | None = None,
) -> CampaignReport:
    """Send the campaign (see the module docstring for every check). ``notice_parties``
    name the controller and authority in the Art. 14 information a campaign with
    ``art14: attach`` carries; without them those people are held."""
    record, measure = runnable(session, name)
    if record.dry_run_at is None or record.state != "dry_run":
        raise InvalidInput(f"campaign {record.name!r} needs a dry run before it runs")
    campaign = pure_campaign(record, measure)
    sync_duties(session, policy, incremental=True)  # Art. 14 duties of new records
    repo = MarketingRepository(session)
    decisions = DecisionRepository(session)
    planned = list(record.dry_run_audience)
    current = _audience(session, keyring, record, measure)
    lines: list[RecipientLine] = []
    advertising = campaign.kind in ADVERTISING_KINDS or campaign.purpose is Purpose.DIRECT_MARKETING
    body = record.offer["body"] + (OBJECTION_NOTICE if advertising else "")

    for cid in list(dict.fromkeys([*planned, *current])):
        if cid not in planned:
            # Not listed as reached by the dry run: excluded then (and refused now with the
            # reason that holds now), or new to the audience since — never sent either way.
            verdict = _verdict(session, keyring, policy, campaign, record, measure, cid, now=now)
            if verdict.allowed or verdict.code in TIMING_CODES:
                verdict = RecipientVerdict(
                    False,
                    "refused: not listed as reached by the dry run (joined the audience or "
                    "became eligible since); a new dry run must list them first",
                    None,
                    "audience.changed-after-dry-run",
                    "GDPR Art. 5(2), company rule",
                )
        elif cid not in current:
            verdict = RecipientVerdict(
                False,
                "refused: no longer in the campaign's audience (segment or measure)",
                None,
                "audience.left",
                "GDPR Art. 5(1)(b)",
            )
        else:
            verdict = _verdict(session, keyring, policy, campaign, record, measure, cid, now=now)
        notice = None
        if verdict.allowed and campaign.art14_mode == "attach":
            verdict, notice = _art14(session, policy, cid, verdict, notice_parties)
        send_id = str(uuid.uuid4())
        status, code = ("refused", verdict.code)
        if verdict.allowed:
            to, in_reply_to = _address(session, keyring, cid, campaign.channel)
            message = OutboundMessage(
                send_id=send_id,
                campaign=record.name,
                contact_id=cid,
                channel=campaign.channel,
                purpose=campaign.purpose.value,
                legal_basis=verdict.legal_basis.value if verdict.legal_basis else None,
                subject=record.offer["subject"],
                body=body + (ART14_SEPARATOR + notice.text if notice else ""),
                to=to,
                in_reply_to=in_reply_to,
            )
            try:
                transport.deliver(message)
                status = "sent"
            except DeliveryError as exc:
                status, code = "failed", exc.code
            if status == "sent" and notice is not None:
                record_notice_given(session, notice, at=now, actor=actor, via="campaign")
        decision = decisions.append(
            Decision(
                outcome=Outcome.ALLOW if verdict.allowed else Outcome.DENY,
                purpose=campaign.purpose,
                rule_id=verdict.code,
                reason=verdict.reason,
                policy_version=policy.version,
                legal_basis=verdict.legal_basis,
                article=verdict.article or None,
            ),
            record_type="campaign_send",
            record_ref=f"send:{send_id}",
            contact_id=cid,
            at=now,
        )
        repo.add_send(
            id=send_id,
            campaign_id=record.id,
            contact_id=cid,
            status=status,
            code=code,
            reason=verdict.reason,
            legal_basis=verdict.legal_basis.value if verdict.legal_basis else None,
            decision_id=decision.id,
            transport=transport.name,
            channel=campaign.channel.value,
            sent_at=now,
        )
        audit(
            session,
            actor=actor,
            action=f"campaign.send-{status}",
            subject_id=cid,
            object_ids=(send_id, decision.id, record.id),
            purpose=campaign.purpose,
            legal_basis=verdict.legal_basis,
            details={"code": code, "channel": campaign.channel.value, "transport": transport.name},
            at=now,
        )
        lines.append(_line(cid, verdict, status=status, send_id=send_id))
    repo.update_campaign(record.id, state="done", last_run_at=now)
    report = CampaignReport(record.name, "run", tuple(lines))
    audit(
        session,
        actor=actor,
        action="campaign.run",
        object_ids=(record.id,),
        purpose=campaign.purpose,
        details={
            "sent": sum(1 for line in lines if line.status == "sent"),
            "refused": sum(1 for line in lines if line.status == "refused"),
            "failed": sum(1 for line in lines if line.status == "failed"),
        },
        at=now,
    )
    return report


ART14_SEPARATOR = "\n\n--\n"


def _art14(
    session: Session,
    policy: Policy,
    contact_id: str,
    verdict: RecipientVerdict,
    parties: NoticeParties | None,
) -> tuple[RecipientVerdict, DueNotice | None]:
    """The Art. 14 notice an allowed message must carry, or a hold when it cannot."""
    if not MarketingRepository(session).notice_due(contact_id):
        return verdict, None
    if parties is None:
        held = RecipientVerdict(
            False,
            "held: the Art. 14 information is due with this first communication and the run "
            "was given no controller and authority details to carry it",
            verdict.legal_basis,
            ART14_HELD,
            "GDPR Art. 14(3)(b)",
        )
        return held, None
    return verdict, due_notice(session, policy, contact_id, parties)


def campaign_dict(session: Session, record: CampaignRecord) -> dict[str, Any]:
    repo = MarketingRepository(session)
    sends = repo.sends(campaign_id=record.id)
    return {
        "id": record.id,
        "name": record.name,
        "measure": repo.get_measure(record.measure_id).name,
        "segment": repo.get_segment(record.segment_id).name if record.segment_id else None,
        "channel": record.channel,
        "state": record.state,
        "refusal": dict(record.refusal) or None,
        "max_sends": record.max_sends,
        "cap_window_days": record.cap_window_days,
        "quiet_hours": {"start": record.quiet_start, "end": record.quiet_end},
        "art14": record.art14_mode,
        "dry_run_at": record.dry_run_at.isoformat() if record.dry_run_at else None,
        "last_run_at": record.last_run_at.isoformat() if record.last_run_at else None,
        "sends": {s: sum(1 for x in sends if x.status == s) for s in ("sent", "refused", "failed")},
    }


def list_campaigns(session: Session) -> list[CampaignRecord]:
    return MarketingRepository(session).list_campaigns()
