"""Declared technical and organisational measures (GDPR Art. 32): the ones Sphere cannot
see for itself — backups kept off site, physical access, staff training, an incident
plan — each with the function that owns it and the date of its next review.

Art. 32(1)(d) asks for "a process for regularly testing, assessing and evaluating the
effectiveness" of the measures: a review date in the past is a finding
(``tom.review-overdue``, ``sphere.cockpit.toms``). The measures Sphere implements itself
are not declared here: they are evidenced from its configuration and state.

``GOALS`` follow Art. 32(1)(a)-(d) and, for minimisation, the German Standard-
Datenschutzmodell (SDM) Gewährleistungsziele. A refused field is named (``FieldError``)
and nothing is saved; every change is audited in the same transaction (keys, goals and
dates only: titles and owners are free text and stay out of the chain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.errors import NotFound
from sphere.governance.breach import BreachInputError as FieldError
from sphere.storage.repositories.toms import DeclaredMeasure, MeasureRepository

# goal → the provision it answers (English citation form; pages cite it their way)
GOALS: dict[str, str] = {
    "pseudonymisation_encryption": "GDPR Art. 32(1)(a)",
    "confidentiality": "GDPR Art. 32(1)(b)",
    "integrity": "GDPR Art. 32(1)(b)",
    "availability": "GDPR Art. 32(1)(b)-(c)",
    "resilience": "GDPR Art. 32(1)(b)",
    "testing": "GDPR Art. 32(1)(d)",
    "minimisation": "GDPR Art. 5(1)(c), Art. 25",
}
KINDS = ("technical", "organisational")
MAX_REVIEW_DAYS = 3 * 366  # a review further away than three years is no regular review
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")


@dataclass(frozen=True, slots=True)
class MeasureDraft:
    title: str
    kind: str
    goal: str
    owner: str
    review_due: datetime | None
    description: str = ""
    key: str = ""  # derived from the title when empty


def slug(title: str) -> str:
    """``Off-site backups (daily)`` → ``off-site-backups-daily``."""
    ascii_ = title.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:80].strip("-")


def day_of(value: datetime) -> datetime:
    """Midnight UTC of ``value``'s day: review dates are days."""
    return datetime.combine(value.date(), time(0), tzinfo=UTC)


def _review_due(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        raise FieldError("review_due", "give the date of the next review (Art. 32(1)(d))")
    due = day_of(value)
    if due.date() < now.date():
        raise FieldError("review_due", "the next review cannot lie in the past")
    if (due - now).days > MAX_REVIEW_DAYS:
        raise FieldError("review_due", "review at least every three years")
    return due


def check_measure(draft: MeasureDraft, *, now: datetime) -> dict[str, Any]:
    """The row's values, or ``FieldError`` naming the first bad field."""
    title = " ".join(draft.title.split())
    if len(title) < 3 or len(title) > 200:
        raise FieldError("title", "required, 3 to 200 characters")
    key = draft.key.strip() or slug(title)
    if not _KEY.match(key):
        raise FieldError("key", "3 to 80 characters: lower-case letters, digits and hyphens")
    if draft.kind not in KINDS:
        raise FieldError("kind", f"choose one of: {', '.join(KINDS)}")
    if draft.goal not in GOALS:
        raise FieldError("goal", f"choose one of: {', '.join(GOALS)}")
    owner = " ".join(draft.owner.split())
    if not owner or len(owner) > 200:
        raise FieldError("owner", "name who is responsible (a function or team), at most 200")
    description = draft.description.strip()
    if len(description) > 4000:
        raise FieldError("description", "at most 4000 characters")
    return {"key": key, "title": title, "description": description, "kind": draft.kind,
            "goal": draft.goal, "owner": owner,
            "review_due": _review_due(draft.review_due, now)}  # fmt: skip


def _details(measure: DeclaredMeasure) -> dict[str, Any]:
    return {"article": "art32_1", "key": measure.key, "kind": measure.kind,
            "goal": measure.goal, "review_due": measure.review_due.date().isoformat()}  # fmt: skip


def declare_measure(
    session: Session, draft: MeasureDraft, *, actor: str, at: datetime
) -> DeclaredMeasure:
    values = check_measure(draft, now=at)
    measure = MeasureRepository(session).add(
        **values, created_at=at, created_by=actor, updated_at=at, updated_by=actor
    )
    audit(session, actor=actor, action="tom.declared", object_ids=(measure.id,),
          details=_details(measure), at=at)  # fmt: skip
    return measure


def update_measure(
    session: Session, key: str, draft: MeasureDraft, *, actor: str, at: datetime
) -> DeclaredMeasure:
    """Change a declared measure; its key stays (it is how staff and scripts name it)."""
    repository = MeasureRepository(session)
    if repository.get(key) is None:
        raise NotFound(f"no declared measure {key!r}")
    values = check_measure(MeasureDraft(**{**_draft_values(draft), "key": key}), now=at)
    values.pop("key")
    measure = repository.update(key, **values, updated_at=at, updated_by=actor)
    audit(session, actor=actor, action="tom.updated", object_ids=(measure.id,),
          details=_details(measure), at=at)  # fmt: skip
    return measure


def review_measure(
    session: Session, key: str, *, next_review: datetime | None, actor: str, at: datetime
) -> DeclaredMeasure:
    """Record that the measure was reviewed now (Art. 32(1)(d)) and when it is next due."""
    repository = MeasureRepository(session)
    if repository.get(key) is None:
        raise NotFound(f"no declared measure {key!r}")
    due = _review_due(next_review, at)
    if due.date() <= at.date():
        raise FieldError("review_due", "the next review must lie after today")
    measure = repository.update(
        key, review_due=due, last_reviewed_at=at, updated_at=at, updated_by=actor
    )
    audit(session, actor=actor, action="tom.reviewed", object_ids=(measure.id,),
          details=_details(measure), at=at)  # fmt: skip
    return measure


def _draft_values(draft: MeasureDraft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in MeasureDraft.__dataclass_fields__}


def list_declared(session: Session) -> list[DeclaredMeasure]:
    return MeasureRepository(session).list()


def get_declared(session: Session, key: str) -> DeclaredMeasure:
    measure = MeasureRepository(session).get(key)
    if measure is None:
        raise NotFound(f"no declared measure {key!r}")
    return measure


def is_overdue(measure: DeclaredMeasure, now: datetime) -> bool:
    return measure.review_due.date() < now.date()


def measure_dict(measure: DeclaredMeasure, *, now: datetime) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in DeclaredMeasure.__dataclass_fields__:
        value = getattr(measure, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    data["review_due"] = measure.review_due.date().isoformat()
    data["article"] = GOALS[measure.goal]
    data["review_overdue"] = is_overdue(measure, now)
    return data
