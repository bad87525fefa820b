"""The breach register (GDPR Art. 33, 34): record, assess and decide, notify, close.

Each step checks everything it was given before it writes anything, names the field of
the first problem (``discovered_at: before started_at``), and writes its audit entry in
the caller's transaction (Art. 33(5): the facts, effects and remedial action are
documented; the audit trail says who did what when). Staff write the texts; they are
organisational facts and must not contain personal data (the forms say so).

Where each rule lives:
- Art. 33(1) 72 hours from awareness, reasons for a late notification: ``notify_authority``
  and ``sphere.domain.breach.notification_clock``;
- Art. 33(1) "unlikely to result in a risk" → no notification, with the reasons: ``assess``;
- Art. 34(1) "high risk" → tell the people, unless an Art. 34(3) condition holds: ``assess``;
- Art. 33(3)(a)-(d), 34(2): the drafts, ``sphere.governance.breach_texts``;
- Art. 33(3)(a) approximate numbers of people and records: computed from Sphere's data
  (``storage.repositories.breaches``) when the breach is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import DataCategory
from sphere.domain.breach import BreachKind, NotificationClock, RiskLevel, notification_clock
from sphere.errors import InvalidInput
from sphere.storage.repositories.breaches import SYSTEMS, Breach, BreachRepository, Scope
from sphere.storage.repositories.sources import SourceRepository

MAX_TITLE = 200
MAX_TEXT = 4000
MIN_REASON = 10


class BreachInputError(InvalidInput):
    """A breach field is missing or wrong; ``field`` names it (forms mark it)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True, slots=True)
class BreachDraft:
    """What staff say about an incident when they record it."""

    title: str
    description: str
    started_at: datetime | None
    discovered_at: datetime | None
    systems: tuple[str, ...]
    kinds: tuple[str, ...] = (BreachKind.CONFIDENTIALITY.value,)
    ended_at: datetime | None = None
    sources: tuple[str, ...] = ()
    data_categories: tuple[str, ...] = ()
    records_from: datetime | None = None
    records_to: datetime | None = None


def _line(field: str, value: str, *, limit: int = MAX_TITLE) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise BreachInputError(field, "required")
    if len(text) > limit:
        raise BreachInputError(field, f"at most {limit} characters")
    return text


def _text(field: str, value: str, *, required: bool = True, minimum: int = 1) -> str:
    text = (value or "").strip()
    if required and len(text) < minimum:
        raise BreachInputError(field, "required" if not text else f"at least {minimum} characters")
    if len(text) > MAX_TEXT:
        raise BreachInputError(field, f"at most {MAX_TEXT} characters")
    return text


def _choices(
    field: str, values: Iterable[str], allowed: Iterable[str], *, required: bool
) -> tuple[str, ...]:
    known = tuple(allowed)
    chosen = tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    if required and not chosen:
        raise BreachInputError(field, f"name at least one of: {', '.join(known)}")
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise BreachInputError(
            field, f"unknown {', '.join(unknown)}; choose from: {', '.join(known)}"
        )
    return chosen


def check_draft(session: Session, draft: BreachDraft, *, now: datetime) -> BreachDraft:
    """The draft with its texts tidied, or ``BreachInputError`` naming the field."""
    title = _line("title", draft.title)
    description = _text("description", draft.description, minimum=MIN_REASON)
    kinds = _choices("kinds", draft.kinds, (k.value for k in BreachKind), required=True)
    if draft.started_at is None:
        raise BreachInputError("started_at", "required (when the breach began, as far as known)")
    if draft.discovered_at is None:
        raise BreachInputError("discovered_at", "required (when the company became aware of it)")
    if draft.discovered_at < draft.started_at:
        raise BreachInputError(
            "discovered_at", "before started_at: a breach is discovered after it began"
        )
    if draft.discovered_at > now:
        raise BreachInputError("discovered_at", "in the future")
    if draft.ended_at is not None and draft.ended_at < draft.started_at:
        raise BreachInputError("ended_at", "before started_at")
    systems = _choices("systems", draft.systems, SYSTEMS, required=True)
    known_sources = [s.name for s in SourceRepository(session).list()]
    sources = _choices("sources", draft.sources, known_sources, required=False)
    categories = _choices(
        "data_categories", draft.data_categories, (c.value for c in DataCategory), required=False
    )
    if draft.records_from and draft.records_to and draft.records_to < draft.records_from:
        raise BreachInputError("records_to", "before records_from")
    return BreachDraft(title, description, draft.started_at, draft.discovered_at, systems,
                       kinds, draft.ended_at, sources, categories, draft.records_from,
                       draft.records_to)  # fmt: skip


def record_breach(session: Session, draft: BreachDraft, *, actor: str, at: datetime) -> Breach:
    """Record an incident and compute the people and records it concerns (Art. 33(5))."""
    checked = check_draft(session, draft, now=at)
    repo = BreachRepository(session)
    assert checked.started_at is not None and checked.discovered_at is not None
    breach = repo.add(
        reference=repo.next_reference(checked.discovered_at.year),
        title=checked.title,
        description=checked.description,
        kinds=list(checked.kinds),
        started_at=checked.started_at,
        discovered_at=checked.discovered_at,
        ended_at=checked.ended_at,
        systems=list(checked.systems),
        sources=list(checked.sources),
        data_categories=list(checked.data_categories),
        records_from=checked.records_from,
        records_to=checked.records_to,
        created_at=at,
        created_by=actor,
    )
    scope = Scope(checked.systems, checked.sources, checked.data_categories,
                  checked.records_from, checked.records_to or checked.ended_at or at)  # fmt: skip
    affected = repo.compute_affected(breach.id, scope)
    breach = repo.update(
        breach.id,
        affected_subjects=affected.subjects,
        affected_pseudonymous=affected.pseudonymous,
        affected_records=affected.records,
        affected_detail=affected.detail(),
        affected_at=at,
    )
    audit(
        session,
        actor=actor,
        action="breach.recorded",
        object_ids=(breach.id,),
        details={"article": "art33_5", "reference": breach.reference,
                 "systems": list(checked.systems),
                 "subjects": affected.subjects, "records": affected.records,
                 "pseudonymous": affected.pseudonymous},
        at=at,
    )  # fmt: skip
    return breach


@dataclass(frozen=True, slots=True)
class Assessment:
    risk: str
    risk_reasons: str
    consequences: str
    measures: str
    notify_authority: bool
    authority_reason: str = ""
    notify_subjects: bool = False
    subjects_reason: str = ""


def assess_breach(session: Session, breach_id: str, assessment: Assessment, *, actor: str,
                  at: datetime) -> Breach:  # fmt: skip
    """Record the risk assessment and the decisions to notify (may be revised until the
    authority is notified)."""
    repo = BreachRepository(session)
    breach = repo.get(breach_id)
    if breach.closed_at is not None:
        raise BreachInputError("state", "the breach is closed")
    levels = [r.value for r in RiskLevel if r is not RiskLevel.UNASSESSED]
    risk = _choices("risk", [assessment.risk], levels, required=True)[0]
    reasons = _text("risk_reasons", assessment.risk_reasons, minimum=MIN_REASON)
    consequences = _text("consequences", assessment.consequences, minimum=MIN_REASON)  # 33(3)(c)
    measures = _text("measures", assessment.measures, minimum=MIN_REASON)  # Art. 33(3)(d)
    authority_reason = _text("authority_reason", assessment.authority_reason, required=False)
    subjects_reason = _text("subjects_reason", assessment.subjects_reason, required=False)
    # Art. 33(1): only a breach "unlikely to result in a risk" need not be notified.
    if risk != RiskLevel.UNLIKELY and not assessment.notify_authority:
        raise BreachInputError(
            "notify_authority",
            "a breach likely to result in a risk is notified to the supervisory authority "
            "(Art. 33(1))",
        )
    if not assessment.notify_authority and len(authority_reason) < MIN_REASON:
        raise BreachInputError(
            "authority_reason",
            "say why the breach is unlikely to result in a risk (Art. 33(1), documented "
            "under Art. 33(5))",
        )
    if breach.authority_notified_at is not None and not assessment.notify_authority:
        raise BreachInputError("notify_authority", "the authority was already notified")
    # Art. 34(1): high risk → tell the people, unless Art. 34(3)(a)-(c) applies (stated).
    if (
        risk == RiskLevel.HIGH
        and not assessment.notify_subjects
        and len(subjects_reason) < MIN_REASON
    ):
        raise BreachInputError(
            "subjects_reason",
            "a high risk requires telling the people concerned (Art. 34(1)) unless "
            "Art. 34(3)(a)-(c) applies: say which",
        )
    if breach.subjects_notified_at is not None and not assessment.notify_subjects:
        raise BreachInputError("notify_subjects", "the people concerned were already told")
    breach = repo.update(
        breach.id, risk=risk, risk_reasons=reasons, consequences=consequences, measures=measures,
        notify_authority=assessment.notify_authority, authority_reason=authority_reason,
        notify_subjects=assessment.notify_subjects, subjects_reason=subjects_reason,
        decided_at=at, decided_by=actor,
    )  # fmt: skip
    audit(
        session,
        actor=actor,
        action="breach.assessed",
        object_ids=(breach.id,),
        details={"article": "art33_1", "risk": risk,
                 "notify_authority": assessment.notify_authority,
                 "notify_subjects": assessment.notify_subjects},
        at=at,
    )  # fmt: skip
    return breach


def clock_of(breach: Breach, *, now: datetime) -> NotificationClock:
    return notification_clock(breach.discovered_at, now=now,
                              notified_at=breach.authority_notified_at,
                              notify_authority=breach.notify_authority)  # fmt: skip


def notify_authority(session: Session, breach_id: str, *, authority_reference: str = "",
                     delay_reason: str = "", actor: str, at: datetime) -> Breach:  # fmt: skip
    """Record that the notification went to the supervisory authority (Art. 33(1));
    after 72 hours only with the reasons for the delay."""
    repo = BreachRepository(session)
    breach = repo.get(breach_id)
    if breach.notify_authority is not True:
        raise BreachInputError("notify_authority", "assess the breach and decide to notify first")
    if breach.authority_notified_at is not None:
        raise BreachInputError("state", "the authority was already notified")
    reference = " ".join((authority_reference or "").split())[:100]
    reason = _text("delay_reason", delay_reason, required=False)
    late = notification_clock(breach.discovered_at, now=at).late
    if late and len(reason) < MIN_REASON:
        raise BreachInputError(
            "delay_reason",
            "more than 72 hours after awareness: Art. 33(1) requires the reasons for the delay",
        )
    breach = repo.update(
        breach.id, authority_notified_at=at, authority_reference=reference, delay_reason=reason
    )
    audit(session, actor=actor, action="breach.authority-notified", object_ids=(breach.id,),
          details={"article": "art33_1", "late": late}, at=at)  # fmt: skip
    return breach


def notify_subjects(session: Session, breach_id: str, *, actor: str, at: datetime) -> Breach:
    """Record that the people concerned were told (Art. 34(1)); their portal shows the
    message from now on."""
    repo = BreachRepository(session)
    breach = repo.get(breach_id)
    if breach.notify_subjects is not True:
        raise BreachInputError(
            "notify_subjects", "assess the breach and decide to tell the people concerned first"
        )
    if breach.subjects_notified_at is not None:
        raise BreachInputError("state", "the people concerned were already told")
    breach = repo.update(breach.id, subjects_notified_at=at)
    audit(session, actor=actor, action="breach.subjects-notified", object_ids=(breach.id,),
          details={"article": "art34_1", "subjects": breach.affected_subjects}, at=at)  # fmt: skip
    return breach


def close_breach(session: Session, breach_id: str, *, actor: str, at: datetime) -> Breach:
    """Close a breach whose decisions are carried out."""
    repo = BreachRepository(session)
    breach = repo.get(breach_id)
    if breach.closed_at is not None:
        raise BreachInputError("state", "the breach is closed already")
    if breach.decided_at is None:
        raise BreachInputError("risk", "assess the breach before closing it")
    if breach.notify_authority and breach.authority_notified_at is None:
        raise BreachInputError(
            "notify_authority", "the supervisory authority has not been notified yet"
        )
    if breach.notify_subjects and breach.subjects_notified_at is None:
        raise BreachInputError("notify_subjects", "the people concerned have not been told yet")
    breach = repo.update(breach.id, closed_at=at)
    audit(session, actor=actor, action="breach.closed", object_ids=(breach.id,),
          details={"article": "art33_5"}, at=at)  # fmt: skip
    return breach


def list_breaches(session: Session, *, open_only: bool = False) -> list[Breach]:
    return BreachRepository(session).list(open_only=open_only)


def get_breach(session: Session, breach_id: str) -> Breach:
    return BreachRepository(session).get(breach_id)


def breaches_told_to(session: Session, contact_id: str) -> list[Breach]:
    """The breaches this person was told about (Art. 34): shown in their portal."""
    return [b for b in BreachRepository(session).of_contact(contact_id) if b.subjects_notified_at]


def state_of(breach: Breach) -> str:
    """recorded → assessed → notified → closed (for lists and filters)."""
    if breach.closed_at is not None:
        return "closed"
    if breach.authority_notified_at is not None or breach.subjects_notified_at is not None:
        return "notified"
    return "assessed" if breach.decided_at is not None else "recorded"


def breach_dict(breach: Breach, *, now: datetime) -> dict[str, Any]:
    clock = clock_of(breach, now=now)
    data: dict[str, Any] = {}
    for name, value in breach.__class__.__dataclass_fields__.items():
        del value
        item = getattr(breach, name)
        data[name] = (
            item.isoformat()
            if isinstance(item, datetime)
            else (list(item) if isinstance(item, tuple) else item)
        )
    data["state"] = state_of(breach)
    data["clock"] = {"deadline": clock.deadline.isoformat(), "state": clock.state.value,
                     "hours_left": clock.hours_left, "late": clock.late}  # fmt: skip
    return data
