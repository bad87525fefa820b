"""The oversight read model: read-only queries the cockpit needs that the per-table
repositories do not offer — counts per purpose, stored records with their decision,
expired rows.

It only SELECTs (every write goes through the other repositories and the services) and
returns plain frozen values, never ORM rows. The cockpit imports it as ``read``; the
transparency page's figures come from ``transparency_counts``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sphere.domain import Outcome
from sphere.storage.rights_tables import DsrRequestRow
from sphere.storage.tables import (
    AggregateRow,
    AttributeRow,
    ContactRow,
    DecisionRow,
    EventRow,
    IdentityRow,
    InteractionRow,
    ProcessingActivityRow,
    QuarantineRow,
)


@dataclass(frozen=True, slots=True)
class ActivityRow:
    id: str
    name: str
    purpose: str
    legal_basis: str
    data_categories: tuple[str, ...]
    subject_categories: tuple[str, ...]
    sources: tuple[str, ...]
    recipients: tuple[str, ...]
    retention_days: int | None
    dpia_required: bool
    dpia_status: str | None
    last_run_at: datetime | None


@dataclass(frozen=True, slots=True)
class PurposeUsage:
    """What is stored under one purpose: records by kind, distinct contacts, last decision."""

    interactions: int = 0
    events: int = 0
    attributes: int = 0
    contacts_imported: int = 0
    contacts: int = 0
    last_decided_at: datetime | None = None
    sources: tuple[str, ...] = ()

    @property
    def records(self) -> int:
        return self.interactions + self.events + self.attributes + self.contacts_imported


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One stored interaction or event with the decision it rests on (no content)."""

    record_type: str  # interaction | event
    id: str
    contact_id: str | None
    key_id: str | None
    source_name: str | None
    channel: str
    source_id: str | None
    visibility: str | None
    addressing: str | None
    special_categories: tuple[str, ...]
    decision_id: str | None
    purpose: str | None
    outcome: str | None
    rule_id: str | None
    policy_version: str | None
    retention_until: datetime | None


def activities(session: Session) -> list[ActivityRow]:
    rows = session.scalars(select(ProcessingActivityRow).order_by(ProcessingActivityRow.name))
    return [
        ActivityRow(
            id=r.id,
            name=r.name,
            purpose=r.purpose,
            legal_basis=r.legal_basis,
            data_categories=tuple(r.data_categories or ()),
            subject_categories=tuple(r.subject_categories or ()),
            sources=tuple(r.sources or ()),
            recipients=tuple(r.recipients or ()),
            retention_days=r.retention_days,
            dpia_required=r.dpia_required,
            dpia_status=r.dpia_status,
            last_run_at=r.last_run_at,
        )
        for r in rows
    ]


def usage_by_purpose(session: Session) -> dict[str, PurposeUsage]:
    """Counts of live records per purpose of the decision each rests on."""
    counts: dict[str, dict[str, int]] = {}
    contacts: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}

    def bump(purpose: str, kind: str, number: int) -> None:
        counts.setdefault(purpose, {})[kind] = counts.get(purpose, {}).get(kind, 0) + number

    for purpose, source_name, contact_id, number in session.execute(
        select(
            DecisionRow.purpose,
            InteractionRow.source_name,
            InteractionRow.contact_id,
            func.count(InteractionRow.id),
        )
        .join(DecisionRow, DecisionRow.id == InteractionRow.decision_id)
        .where(InteractionRow.deleted_at.is_(None))
        .group_by(DecisionRow.purpose, InteractionRow.source_name, InteractionRow.contact_id)
    ):
        bump(purpose, "interactions", number)
        sources.setdefault(purpose, set()).add(source_name)
        if contact_id:
            contacts.setdefault(purpose, set()).add(contact_id)
    for purpose, contact_id, number in session.execute(
        select(DecisionRow.purpose, EventRow.contact_id, func.count(EventRow.id))
        .join(DecisionRow, DecisionRow.id == EventRow.decision_id)
        .group_by(DecisionRow.purpose, EventRow.contact_id)
    ):
        bump(purpose, "events", number)
        if contact_id:
            contacts.setdefault(purpose, set()).add(contact_id)
    for purpose, contact_id, number in session.execute(
        select(AttributeRow.purpose, AttributeRow.contact_id, func.count(AttributeRow.id)).group_by(
            AttributeRow.purpose, AttributeRow.contact_id
        )
    ):
        bump(purpose, "attributes", number)
        contacts.setdefault(purpose, set()).add(contact_id)
    for purpose, contact_id in session.execute(
        select(DecisionRow.purpose, DecisionRow.contact_id)
        .join(ContactRow, ContactRow.id == DecisionRow.contact_id)
        .where(DecisionRow.record_type == "contact", ContactRow.erased_at.is_(None))
    ):
        bump(purpose, "contacts_imported", 1)
        contacts.setdefault(purpose, set()).add(contact_id)
    last = dict(
        session.execute(
            select(DecisionRow.purpose, func.max(DecisionRow.decided_at)).group_by(
                DecisionRow.purpose
            )
        ).all()
    )
    purposes = set(counts) | set(last)
    return {
        p: PurposeUsage(
            interactions=counts.get(p, {}).get("interactions", 0),
            events=counts.get(p, {}).get("events", 0),
            attributes=counts.get(p, {}).get("attributes", 0),
            contacts_imported=counts.get(p, {}).get("contacts_imported", 0),
            contacts=len(contacts.get(p, set())),
            last_decided_at=last.get(p),
            sources=tuple(sorted(sources.get(p, set()))),
        )
        for p in purposes
    }


def stored_records(session: Session) -> Iterator[StoredRecord]:
    """Every live interaction and event with its decision, in a stable order."""
    for row, decision in session.execute(
        select(InteractionRow, DecisionRow)
        .outerjoin(DecisionRow, DecisionRow.id == InteractionRow.decision_id)
        .where(InteractionRow.deleted_at.is_(None))
        .order_by(InteractionRow.ingested_at, InteractionRow.id)
    ):
        yield StoredRecord(
            record_type="interaction",
            id=row.id,
            contact_id=row.contact_id,
            key_id=row.key_id,
            source_name=row.source_name,
            channel=row.channel,
            source_id=row.source_id,
            visibility=row.visibility,
            addressing=row.addressing,
            special_categories=tuple(row.special_categories or ()),
            decision_id=row.decision_id,
            purpose=decision.purpose if decision else None,
            outcome=decision.outcome if decision else None,
            rule_id=decision.rule_id if decision else None,
            policy_version=decision.policy_version if decision else None,
            retention_until=row.retention_until,
        )
    for event, decision in session.execute(
        select(EventRow, DecisionRow)
        .outerjoin(DecisionRow, DecisionRow.id == EventRow.decision_id)
        .order_by(EventRow.ingested_at, EventRow.id)
    ):
        yield StoredRecord(
            record_type="event",
            id=event.id,
            contact_id=event.contact_id,
            key_id=event.key_id,
            source_name=None,
            channel=event.channel,
            source_id=event.source_id,
            visibility=None,
            addressing=None,
            special_categories=(),
            decision_id=event.decision_id,
            purpose=decision.purpose if decision else None,
            outcome=decision.outcome if decision else None,
            rule_id=decision.rule_id if decision else None,
            policy_version=decision.policy_version if decision else None,
            retention_until=event.retention_until,
        )


def expired(session: Session, *, now: datetime) -> dict[str, list[tuple[str, datetime]]]:
    """Rows whose retention deadline has passed: table → [(id, deadline)] oldest first."""
    found: dict[str, list[tuple[str, datetime]]] = {}
    for name, table in (
        ("interactions", InteractionRow),
        ("events", EventRow),
        ("attributes", AttributeRow),
        ("quarantine", QuarantineRow),
    ):
        query = select(table.id, table.retention_until).where(table.retention_until < now)
        if table is InteractionRow:
            query = query.where(InteractionRow.deleted_at.is_(None))
        rows = list(session.execute(query.order_by(table.retention_until)))
        if rows:
            found[name] = [(i, deadline) for i, deadline in rows]
    return found


def consent_based_attributes(session: Session) -> list[tuple[str, str, str]]:
    """(attribute id, contact id, purpose) of every attribute that relies on consent."""
    rows = session.execute(
        select(AttributeRow.id, AttributeRow.contact_id, AttributeRow.purpose).where(
            AttributeRow.legal_basis.in_(("art6_1_a", "art9_2_a"))
        )
    )
    return [(a, c, p) for a, c, p in rows]


def special_category_rows(session: Session) -> dict[str, dict[str, list[str]]]:
    """table → category → ids of rows holding Art. 9 data (JSON list filtered in Python,
    as JSON containment differs between SQLite and PostgreSQL)."""
    found: dict[str, dict[str, list[str]]] = {}
    for name, table in (("interactions", InteractionRow), ("attributes", AttributeRow)):
        for row_id, categories in session.execute(select(table.id, table.special_categories)):
            for category in categories or ():
                found.setdefault(name, {}).setdefault(category, []).append(row_id)
    return found


def identities_without_basis(session: Session) -> list[tuple[str, str]]:
    """(identity id, contact id) of identities that are neither verified nor provided
    (no verification method) or whose contact has no logged decision at all."""
    decided = select(DecisionRow.contact_id).where(DecisionRow.contact_id.is_not(None))
    rows = session.execute(
        select(IdentityRow.id, IdentityRow.contact_id).where(
            (IdentityRow.verified.is_(False) & IdentityRow.verification_method.is_(None))
            | IdentityRow.contact_id.not_in(decided)
        )
    )
    return [(i, c) for i, c in rows]


def free_text_sample(session: Session, *, limit: int) -> Iterator[tuple[str, str, str, str]]:
    """(table, column, row id, value) of clear free-text columns that could hold personal
    data by mistake: decision reasons, attribute explanations, quarantine reasons."""
    from sphere.storage.tables import QuarantineRow

    for table, column in (
        (DecisionRow, "reason"),
        (AttributeRow, "explanation"),
        (QuarantineRow, "reason"),
    ):
        col = getattr(table, column)
        for row_id, value in session.execute(select(table.id, col).limit(limit)):
            if value:
                yield table.__tablename__, column, row_id, value


@dataclass(frozen=True, slots=True)
class ImportedContact:
    contact_id: str
    source_name: str | None  # from the identity's "provided:<source>" method
    purpose: str
    outcome: str
    rule_id: str
    policy_version: str


def imported_contacts(session: Session) -> list[ImportedContact]:
    """Contacts that exist because of a logged import decision (not erased)."""
    methods: dict[str, str] = {}
    for contact_id, method in session.execute(
        select(IdentityRow.contact_id, IdentityRow.verification_method).where(
            IdentityRow.verification_method.like("provided:%")
        )
    ):
        methods.setdefault(contact_id, method.removeprefix("provided:"))
    rows = session.execute(
        select(DecisionRow)
        .join(ContactRow, ContactRow.id == DecisionRow.contact_id)
        .where(DecisionRow.record_type == "contact", ContactRow.erased_at.is_(None))
        .order_by(DecisionRow.decided_at, DecisionRow.id)
    ).scalars()
    return [
        ImportedContact(
            contact_id=r.contact_id or "",
            source_name=methods.get(r.contact_id or ""),
            purpose=r.purpose,
            outcome=r.outcome,
            rule_id=r.rule_id,
            policy_version=r.policy_version,
        )
        for r in rows
    ]


# The state name of ``sphere.rights.requests.RequestState.COMPLETED``, spelled out here
# because storage may not import the rights service.
_COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class TransparencyCounts:
    """Raw counts behind the public transparency page — nothing about a person."""

    answered: tuple[tuple[datetime, datetime | None], ...]  # (received, completed) each
    posts_aggregate_only: int  # anonymised posts, counted in ``aggregates``
    posts_stored: int  # posts stored as personal data (``interactions``)


def transparency_counts(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> TransparencyCounts:
    """Completed data-subject requests (rejections not counted) with their receipt and
    completion times, and the posts kept only as anonymous counts versus stored.

    ``since``/``until`` (half-open) restrict to requests completed and posts written in
    that window (the release layer publishes per calendar month)."""
    answered_q = select(DsrRequestRow.received_at, DsrRequestRow.completed_at).where(
        DsrRequestRow.state == _COMPLETED
    )
    aggregate_q = select(func.coalesce(func.sum(AggregateRow.count), 0)).where(
        AggregateRow.outcome == Outcome.ANONYMISE.value
    )
    stored_q = select(func.count()).select_from(InteractionRow)
    if since is not None:
        answered_q = answered_q.where(DsrRequestRow.completed_at >= since)
        aggregate_q = aggregate_q.where(AggregateRow.day >= since.date())
        stored_q = stored_q.where(InteractionRow.created_at >= since)
    if until is not None:
        answered_q = answered_q.where(DsrRequestRow.completed_at < until)
        aggregate_q = aggregate_q.where(AggregateRow.day < until.date())
        stored_q = stored_q.where(InteractionRow.created_at < until)
    answered = session.execute(answered_q).all()
    aggregate_only = session.scalar(aggregate_q)
    stored = session.scalar(stored_q)
    return TransparencyCounts(
        answered=tuple((received, completed) for received, completed in answered),
        posts_aggregate_only=int(aggregate_only or 0),
        posts_stored=int(stored or 0),
    )
