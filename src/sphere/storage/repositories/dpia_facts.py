"""What Sphere holds for one purpose, counted for the WP248 criteria of a DPIA
(``sphere.governance.dpia_criteria``): read models and set-based counts only, so the
criteria cost the same at a million records as at a thousand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from sphere.storage.marketing_tables import MeasureRow, ScoreRow
from sphere.storage.readmodel_tables import HeldContactPurposeRow
from sphere.storage.repositories import readmodel
from sphere.storage.tables import AttributeRow, ContactRow, IdentityRow, SourceRow


@dataclass(frozen=True, slots=True)
class PurposeFacts:
    contacts: int = 0  # contacts with a record held for the purpose
    records: int = 0
    special: dict[str, int] = field(default_factory=dict)  # Art. 9 category → records
    minors: int = 0  # in the minors register (Art. 8, Recital 38)
    employees: int = 0
    scores: int = 0  # scores kept under the purpose
    automated_scores: int = 0  # of them: driving an automated decision (Art. 22)
    derived: int = 0  # derived attributes (enrichment)
    linked_contacts: int = 0  # contacts known by identities on two or more channels
    sources: dict[str, int] = field(default_factory=dict)  # source name → records
    source_collection: dict[str, str] = field(default_factory=dict)  # name → collection
    measures: tuple[dict[str, Any], ...] = ()  # approved measures: name, flags


def _held(session: Session, purpose: str) -> Any:
    return select(HeldContactPurposeRow.contact_id).where(
        HeldContactPurposeRow.purpose == purpose, HeldContactPurposeRow.n > 0
    )


def purpose_facts(session: Session, purpose: str) -> PurposeFacts:
    special: dict[str, int] = {}
    sources: dict[str, int] = {}
    records = 0
    for row in readmodel.held_rows(session):
        if row.purpose != purpose or row.n <= 0:
            continue
        records += row.n
        sources[row.source or row.channel] = sources.get(row.source or row.channel, 0) + row.n
        for category in row.special_categories:
            special[category] = special.get(category, 0) + row.n
    held = _held(session, purpose)

    def count(query: Any) -> int:
        return int(session.scalar(query) or 0)

    minors = count(select(func.count()).select_from(ContactRow).where(
        ContactRow.id.in_(held), ContactRow.minor_since.is_not(None)))  # fmt: skip
    employees = count(select(func.count()).select_from(ContactRow).where(
        ContactRow.id.in_(held), ContactRow.is_employee.is_(True)))  # fmt: skip
    scored = (
        select(func.count())
        .select_from(ScoreRow)
        .join(AttributeRow, AttributeRow.id == ScoreRow.attribute_id)
        .where(AttributeRow.purpose == purpose)
    )
    derived = count(select(func.count()).select_from(AttributeRow).where(
        AttributeRow.purpose == purpose, AttributeRow.kind == "derived"))  # fmt: skip
    multi = (
        select(IdentityRow.contact_id)
        .where(IdentityRow.contact_id.in_(held), IdentityRow.channel != "")
        .group_by(IdentityRow.contact_id)
        .having(func.count(distinct(IdentityRow.channel)) >= 2)
        .subquery()
    )
    measures = tuple(
        {"name": name, "flags": dict(flags or {})}
        for name, flags in session.execute(
            select(MeasureRow.name, MeasureRow.flags)
            .where(MeasureRow.purpose == purpose, MeasureRow.state == "approved")
            .order_by(MeasureRow.name)
        )
    )
    return PurposeFacts(
        contacts=readmodel.purpose_contacts(session).get(purpose, 0),
        records=records,
        special=special,
        minors=minors,
        employees=employees,
        scores=count(scored),
        automated_scores=count(scored.where(ScoreRow.drives_automated_decision.is_(True))),
        derived=derived,
        linked_contacts=count(select(func.count()).select_from(multi)),
        sources=sources,
        source_collection=_collections(session),
        measures=measures,
    )


def _collections(session: Session) -> dict[str, str]:
    return {name: collection for name, collection in session.execute(
        select(SourceRow.name, SourceRow.collection))}  # fmt: skip


def measure_facts(session: Session, name: str) -> dict[str, Any] | None:
    """A measure's purpose, flags and stored planning check, or None."""
    row = session.execute(
        select(
            MeasureRow.purpose, MeasureRow.flags, MeasureRow.check_result, MeasureRow.total
        ).where(MeasureRow.name == name)
    ).first()
    if row is None:
        return None
    return {"purpose": row.purpose, "flags": dict(row.flags or {}),
            "check": dict(row.check_result or {}), "total": int(row.total or 0)}  # fmt: skip


def measure_names(session: Session) -> list[str]:
    return list(session.scalars(select(MeasureRow.name).order_by(MeasureRow.name)))
