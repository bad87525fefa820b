"""Art. 14 duties: data about a contact obtained from social media, not from the person.

A duty exists per (contact, source) once the pipeline stored a record linked to the
contact under a rule whose duties include ``inform_art14`` (in the default policy:
enrichment of a verified customer's record from a public post). It is derived from the
stored records and their decision log: as records arrive, in each batch's transaction
(``DutyKeeper``, a pipeline batch observer), and by ``sync_duties`` as a safety net.

Deadline (Art. 14(3)): one month after the data were obtained, or at the first
communication with the person if earlier (``sphere.dsr.deadline.notice_deadline``).
``send_notices`` renders the notice text (``sphere.dsr.notice``) in the contact's
language (the language of their posts; German otherwise), records it as sent with the
SHA-256 of the text, and audits it. Delivering the text is the caller's job (mail
merge, portal inbox); the text holds no personal data, only the controller's notice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import Channel, DataCategory, Duty
from sphere.domain.controller import ControllerProfile
from sphere.dsr.deadline import notice_deadline
from sphere.dsr.notice import LANGUAGES, NoticeInput, Party, notice_purposes, render_notice
from sphere.pipeline.observers import StoredRecord
from sphere.policy import Policy
from sphere.storage.repositories.notice_duties import (
    DutyCandidate,
    NoticeDuty,
    NoticeDutyRepository,
)
from sphere.storage.repositories.recipients import Recipient, RecipientRepository

SOCIAL_CHANNELS = (Channel.MASTODON, Channel.X, Channel.FACEBOOK, Channel.BLUESKY)


@dataclass(frozen=True, slots=True)
class SentNotice:
    contact_id: str
    language: str
    sha256: str
    text: str
    duties: int


def duty_dict(duty: NoticeDuty, *, now: datetime) -> dict[str, Any]:
    return {
        "id": duty.id,
        "contact_id": duty.contact_id,
        "source": duty.source_name,
        "channel": duty.channel,
        "obtained_at": duty.obtained_at.isoformat(),
        "due_at": duty.due_at.isoformat(),
        "overdue": duty.sent_at is None and now >= duty.due_at,
        "sent_at": duty.sent_at.isoformat() if duty.sent_at else None,
        "language": duty.language,
    }


MARK = "notice_duties"
# Records ingested this long before the last sync are looked at again (workers' clocks
# may differ a little); a full sync (``incremental=False``) looks at every record.
OVERLAP = timedelta(days=1)
# Up to this many records no keeper was told of are looked at pair by pair; more (the
# first sync after the upgrade that added ``batch_observed``) make it a full sync.
CATCH_UP = 5_000


def informing_rules(policy: Policy) -> list[str]:
    """The rules of ``policy`` whose duties include informing under Art. 14."""
    return [r.id for r in policy.rules if Duty.INFORM_ART14 in r.duties]


def _add_duties(repo: NoticeDutyRepository, candidates: Sequence[DutyCandidate]) -> int:
    """Duties for ``candidates``: obtained when the pair's first record was stored, due
    a month later (Art. 14(3)(a)), in the language of the pair's latest post."""
    return repo.add_duties(
        [
            {
                "contact_id": candidate.contact_id,
                "source_name": candidate.source_name,
                "channel": candidate.channel,
                "obtained_at": candidate.first_ingested_at,
                "due_at": notice_deadline(candidate.first_ingested_at).due_at,
                "language": candidate.language if candidate.language in LANGUAGES else "de",
            }
            for candidate in candidates
        ]
    )


def sync_duties(session: Session, policy: Policy, *, incremental: bool = False) -> int:
    """Create the duties that stored records imply; returns how many are new. Set-based
    (``NoticeDutyRepository.missing_duty_candidates``).

    The pipeline keeps the duties current as records arrive (``DutyKeeper``, in each
    batch's transaction, which also sets each record's ``batch_observed``), so this is
    the safety net. ``incremental`` (``due_duties``, ``send_notices``, the findings, the
    dry run, the campaign send) looks at two things, both small once the pipeline does
    its work: records no keeper was told of (``batch_observed`` unset: stored before the
    upgrade, by a worker of an older version during a rolling upgrade, by an import) —
    their pairs, or every record when there are more than ``CATCH_UP`` of them — and
    records stored under an informing rule since the last sync or batch (less
    ``OVERLAP``) whose pair has no duty. Without a mark (never synced) it is a full
    sync. A full sync looks at every record: a policy apply (rules that newly inform owe
    information about records stored long ago, with the deadline of when those were
    obtained). Records are marked observed before they are looked at, in the same
    transaction, so a record committed meanwhile stays unmarked for the next sync. Rules
    of older policy versions do not inform (their duties are not known here)."""
    repo = NoticeDutyRepository(session)
    social = [c.value for c in SOCIAL_CHANNELS]
    rules = informing_rules(policy)
    newest = repo.newest_ingested()
    mark = repo.mark(MARK) if incremental else None
    unobserved = repo.unobserved_records(limit=CATCH_UP + 1) if mark is not None else []
    if mark is None or len(unobserved) > CATCH_UP:  # a full sync
        mark = None
        repo.mark_observed()
        created = _add_duties(repo, repo.missing_duty_candidates(social, rules))
    else:
        created = _add_duties(
            repo, repo.missing_duty_candidates(social, rules, since=mark - OVERLAP)
        )
        if unobserved:
            repo.mark_observed([record_id for record_id, _, _ in unobserved])
            pairs = {(c, source) for _, c, source in unobserved if c is not None}
            created += _add_duties(repo, repo.missing_duty_candidates(social, rules, pairs=pairs))
    if newest is not None and (mark is None or newest > mark):
        repo.set_mark(MARK, newest)
    return created


class DutyKeeper:
    """Keeps the Art. 14 duties current as records arrive: told by the pipeline of each
    batch's stored records (``sphere.pipeline.observers.BatchObserver``, registered by
    ``sphere.runtime``), it derives the duties of the batch's (contact, source) pairs
    that have a record under an informing rule — the same query as ``sync_duties``,
    restricted to those pairs, and one executemany — and moves the sync mark forward,
    all in the batch's transaction. A batch without such a record costs one statement (the
    mark), never a wait: the mark is moved only when no other transaction holds it, and
    only when it is less than ``OVERLAP`` behind — a mark left older (no sync since an
    upgrade, or since ingestion paused) is moved by the next sync, which looks at what
    arrived meanwhile."""

    def stored(self, session: Session, records: Sequence[StoredRecord], *, policy: Policy) -> None:
        rules = set(informing_rules(policy))
        social = {c.value for c in SOCIAL_CHANNELS}
        pairs = {
            (r.contact_id, r.source_name)
            for r in records
            if r.contact_id is not None and r.rule_id in rules and r.channel in social
        }
        repo = NoticeDutyRepository(session)
        if pairs:
            _add_duties(repo, repo.missing_duty_candidates(social, rules, pairs=pairs))
        repo.advance_mark(MARK, max(r.ingested_at for r in records), within=OVERLAP)


def due_duties(session: Session, policy: Policy, *, now: datetime) -> list[NoticeDuty]:
    """Open duties, earliest deadline first, after an incremental sync (``sync_duties``:
    nothing to do when the pipeline kept them current, the records it did not see when
    it did not)."""
    del now  # the list shows every open duty; ``duty_dict`` marks the overdue ones
    sync_duties(session, policy, incremental=True)
    return NoticeDutyRepository(session).duties(open_only=True)


def notice_input(
    policy: Policy,
    *,
    controller: Party,
    supervisory_authority: Party,
    dpo: Party | None = None,
    channels: tuple[str, ...] = (),
    registered: Sequence[Recipient] = (),
) -> NoticeInput:
    """The notice's facts from the policy: purposes with basis and retention; recipients
    (Art. 14(1)(e)) and transfers with their safeguards (Art. 14(1)(f)) from the
    recipients register for those purposes."""
    from sphere.domain import Purpose

    relevant = [
        spec
        for purpose, spec in policy.purposes.items()
        if purpose in (Purpose.CUSTOMER_CARE, Purpose.ENRICHMENT)
    ] or list(policy.purposes.values())
    retention = "; ".join(f"{s.purpose.value}: {s.retention_days} days" for s in relevant)
    where = ", ".join(sorted(set(channels))) or "social media"
    return NoticeInput(
        controller=controller,
        purposes=notice_purposes(relevant),
        data_categories=(DataCategory.PRODUCT_CONTENT, DataCategory.CONTACT_DATA),
        source={
            "en": f"your public posts on {where}",
            "de": f"Ihre öffentlichen Beiträge auf {where}",
        },
        retention=retention,
        supervisory_authority=supervisory_authority,
        dpo=dpo,
        **_recipients_and_transfers(registered, {s.purpose.value for s in relevant}),
    )


# Art. 14(1)(f): the safeguard of a transfer, and where a copy of it is to be had.
_MECHANISM = {
    "en": {"adequacy": "adequacy decision of the European Commission (Art. 45 GDPR)",
           "dpf": "EU-US Data Privacy Framework, adequacy decision (Art. 45 GDPR)",
           "scc": "standard contractual clauses of the European Commission (Art. 46(2)(c) GDPR)",
           "bcr": "binding corporate rules (Art. 47 GDPR)",
           "derogation": "derogation for specific situations (Art. 49 GDPR)"},
    "de": {"adequacy": "Angemessenheitsbeschluss der EU-Kommission (Art. 45 DSGVO)",
           "dpf": "EU-US Data Privacy Framework, Angemessenheitsbeschluss (Art. 45 DSGVO)",
           "scc": "Standardvertragsklauseln der EU-Kommission (Art. 46 Abs. 2 lit. c DSGVO)",
           "bcr": "verbindliche interne Datenschutzvorschriften (Art. 47 DSGVO)",
           "derogation": "Ausnahme für bestimmte Fälle (Art. 49 DSGVO)"},
}  # fmt: skip
_COPY = {
    "en": "A copy of the safeguards is available from our data protection officer.",
    "de": "Eine Kopie der Garantien erhalten Sie bei unserem Datenschutzbeauftragten.",
}
_ROLE = {
    "en": {"processor": "processor", "sub_processor": "sub-processor"},
    "de": {"processor": "Auftragsverarbeiter", "sub_processor": "Unterauftragsverarbeiter"},
}


def _recipients_and_transfers(
    registered: Sequence[Recipient], purposes: set[str]
) -> dict[str, Any]:
    found = [r for r in registered if purposes & set(r.purposes)]
    if not found:
        return {}
    recipients = tuple(
        {
            lang: f"{r.name} ({_ROLE[lang].get(r.role, r.role)}, {r.country})"
            for lang in ("en", "de")
        }
        for r in found
    )
    transfers = [r for r in found if r.transfer_mechanism]
    if not transfers:
        return {"recipients": recipients}
    third = {
        lang: "; ".join(f"{r.name}, {r.country}: {_MECHANISM[lang][r.transfer_mechanism or '']}"
                        for r in transfers) + ". " + _COPY[lang]
        for lang in ("en", "de")
    }  # fmt: skip
    return {"recipients": recipients, "third_country": third}


@dataclass(frozen=True, slots=True)
class NoticeParties:
    """Who the Art. 14 information names: the controller, the supervisory authority and,
    if appointed, the DPO (Art. 14(1)(a), (b), (2)(e))."""

    controller: Party
    supervisory_authority: Party
    dpo: Party | None = None


def notice_parties(
    profile: ControllerProfile,
    *,
    controller: Party | None = None,
    supervisory_authority: Party | None = None,
    dpo: Party | None = None,
) -> NoticeParties | None:
    """The parties from the configured controller profile (``company.yaml``), each one
    replaceable by an explicit value (CLI options); None when the controller's name or
    the supervisory authority is known neither way (Art. 14(1)(a), (2)(e) need both)."""
    if controller is None and profile.name:
        contact = ", ".join(v for v in (profile.address, profile.email or profile.contact) if v)
        controller = Party(profile.name, contact)
    authority = profile.supervisory_authority
    if supervisory_authority is None and authority.name:
        supervisory_authority = Party(
            authority.name, ", ".join(v for v in (authority.address, authority.url) if v)
        )
    if dpo is None and (profile.dpo.reach or profile.privacy_contact):
        dpo = Party(profile.dpo.name or "Data protection officer", profile.contact)
    if controller is None or supervisory_authority is None:
        return None
    return NoticeParties(controller, supervisory_authority, dpo)


@dataclass(frozen=True, slots=True)
class DueNotice:
    contact_id: str
    language: str
    text: str
    sha256: str
    duty_ids: tuple[str, ...]


def due_notice(
    session: Session, policy: Policy, contact_id: str, parties: NoticeParties
) -> DueNotice | None:
    """The Art. 14 notice a contact has not received yet, rendered in their language —
    not yet recorded as sent (a campaign records it once the message is delivered)."""
    duties = NoticeDutyRepository(session).duties(open_only=True, contact_id=contact_id)
    if not duties:
        return None
    language = duties[0].language if duties[0].language in LANGUAGES else "de"
    inputs = notice_input(
        policy,
        controller=parties.controller,
        supervisory_authority=parties.supervisory_authority,
        dpo=parties.dpo,
        channels=tuple(d.channel for d in duties),
        registered=RecipientRepository(session).list(active_only=True),
    )
    text = render_notice(inputs, language).text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return DueNotice(contact_id, language, text, digest, tuple(d.id for d in duties))


def record_notice_given(
    session: Session, notice: DueNotice, *, at: datetime, actor: str, via: str
) -> int:
    """Record a delivered notice (the duties it covered) with an audit entry."""
    count = NoticeDutyRepository(session).mark_duties_sent(
        notice.contact_id, at=at, notice_sha256=notice.sha256, language=notice.language
    )
    audit(
        session,
        actor=actor,
        action="notice.sent",
        subject_id=notice.contact_id,
        object_ids=notice.duty_ids,
        details={"language": notice.language, "duties": count, "sha256": notice.sha256,
                 "article": "art14", "via": via},
        at=at,
    )  # fmt: skip
    return count


def send_notices(
    session: Session,
    policy: Policy,
    template: NoticeInput | None,
    *,
    now: datetime,
    actor: str,
    controller: Party,
    supervisory_authority: Party,
    dpo: Party | None = None,
    contact_id: str | None = None,
) -> list[SentNotice]:
    """Render and record the notice for every contact with open duties (or one contact),
    after an incremental sync (as ``due_duties``): the first communication with the
    person carries the information at the latest (Art. 14(3)(b))."""
    sync_duties(session, policy, incremental=True)
    repo = NoticeDutyRepository(session)
    registered = RecipientRepository(session).list(active_only=True)
    by_contact: dict[str, list[NoticeDuty]] = {}
    for duty in repo.duties(open_only=True, contact_id=contact_id):
        by_contact.setdefault(duty.contact_id, []).append(duty)
    sent: list[SentNotice] = []
    for cid, duties in by_contact.items():
        language = duties[0].language if duties[0].language in LANGUAGES else "de"
        inputs = template or notice_input(
            policy,
            controller=controller,
            supervisory_authority=supervisory_authority,
            dpo=dpo,
            channels=tuple(d.channel for d in duties),
            registered=registered,
        )
        notice = render_notice(inputs, language)
        digest = hashlib.sha256(notice.text.encode("utf-8")).hexdigest()
        count = repo.mark_duties_sent(cid, at=now, notice_sha256=digest, language=language)
        audit(
            session,
            actor=actor,
            action="notice.sent",
            subject_id=cid,
            object_ids=tuple(d.id for d in duties),
            details={"language": language, "duties": count, "sha256": digest, "article": "art14"},
            at=now,
        )
        sent.append(SentNotice(cid, language, digest, notice.text, count))
    return sent
