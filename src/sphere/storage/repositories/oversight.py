"""The oversight read model: read-only queries the cockpit needs that the per-table
repositories do not offer — what is held per purpose and per flow (from the held
counters of ``readmodel``: the record of processing, the inventories and the
transparency page read the same figures), and the set-based queries behind the
findings (counts plus a few ids as evidence, never a scan into Python).

It only SELECTs (every write goes through the other repositories and the services) and
returns plain frozen values, never ORM rows. The cockpit imports it as ``read``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from sphere.domain import Outcome
from sphere.storage.marketing_tables import SegmentMembershipRow
from sphere.storage.repositories import readmodel
from sphere.storage.repositories.consent_states import VALID, consent_states
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
    # records held per legal basis of the decision that stored them (basis code → n)
    bases: tuple[tuple[str, int], ...] = ()

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


# What a held row came from, when the read model does not name its source: events
# carry only their channel, imported contacts nothing (the CRM import is the only way a
# contact is imported), derived data is made from stored records.
CONTACT_CHANNEL = "crm"
DERIVED_SOURCE = "derived from stored records"


def _source_of(row: readmodel.HeldRow, source_of_channel: Mapping[str, str]) -> str:
    """The source a held row came from: its source name, else the one registered source
    of its channel (``source_of_channel``), else a description of the channel."""
    if row.record_type == "interaction" and row.source:
        return row.source
    if row.record_type == "attribute":
        return DERIVED_SOURCE
    channel = row.channel or (CONTACT_CHANNEL if row.record_type == "contact" else "")
    if channel in source_of_channel:
        return source_of_channel[channel]
    return f"{channel} import" if row.record_type == "contact" else f"{channel} events"


def usage_by_purpose(
    session: Session,
    purposes: Iterable[str],
    *,
    source_of_channel: Mapping[str, str] | None = None,
) -> dict[str, PurposeUsage]:
    """What is held per purpose of the decision each record rests on — from the held
    read model (``readmodel``), not a scan: counters summed per purpose, contacts per
    purpose, the sources the records came from (named as in :func:`flow_counts`) and
    the latest decision of each of ``purposes`` (an index lookup each)."""
    counts: dict[str, dict[str, int]] = {}
    sources: dict[str, set[str]] = {}
    bases: dict[str, dict[str, int]] = {}
    kinds = {
        "interaction": "interactions",
        "event": "events",
        "attribute": "attributes",
        "contact": "contacts_imported",
    }
    for row in readmodel.held_rows(session):
        if not row.purpose:
            continue  # a record without a logged decision belongs to no activity
        per = counts.setdefault(row.purpose, {})
        per[kinds[row.record_type]] = per.get(kinds[row.record_type], 0) + row.n
        if row.n > 0:
            sources.setdefault(row.purpose, set()).add(_source_of(row, source_of_channel or {}))
        if row.legal_basis:
            per_basis = bases.setdefault(row.purpose, {})
            per_basis[row.legal_basis] = per_basis.get(row.legal_basis, 0) + row.n
    contacts = readmodel.purpose_contacts(session)
    wanted = list(dict.fromkeys([*purposes, *counts]))
    last = readmodel.last_decided(session, wanted)
    return {
        p: PurposeUsage(
            interactions=counts.get(p, {}).get("interactions", 0),
            events=counts.get(p, {}).get("events", 0),
            attributes=counts.get(p, {}).get("attributes", 0),
            contacts_imported=counts.get(p, {}).get("contacts_imported", 0),
            contacts=contacts.get(p, 0),
            last_decided_at=last.get(p),
            sources=tuple(sorted(sources.get(p, set()))),
            bases=tuple(sorted((b, n) for b, n in bases.get(p, {}).items() if n > 0)),
        )
        for p in wanted
        if p in counts or p in last
    }


@dataclass(frozen=True, slots=True)
class FlowCount:
    """Records held from one source under one purpose, by the table they are kept in."""

    source: str  # a source name, "<channel> events", "crm import" or DERIVED_SOURCE
    store: str  # interactions | events | contacts | attributes
    purpose: str  # "undecided" for a record without a logged decision
    records: int


STORES = {
    "interaction": "interactions",
    "event": "events",
    "contact": "contacts",
    "attribute": "attributes",
}


def flow_counts(
    session: Session, *, source_of_channel: Mapping[str, str] | None = None
) -> list[FlowCount]:
    """Every held record per source, store and purpose (read model) — the same rows and
    source names behind the record's sources, so the two cannot disagree."""
    totals: dict[tuple[str, str, str], int] = {}
    for row in readmodel.held_rows(session):
        key = (
            _source_of(row, source_of_channel or {}),
            STORES[row.record_type],
            row.purpose or "undecided",
        )
        totals[key] = totals.get(key, 0) + row.n
    return [FlowCount(s, store, p, n) for (s, store, p), n in sorted(totals.items()) if n]


def special_category_counts(session: Session) -> dict[str, dict[str, int]]:
    """table → Art. 9 category → rows holding it (read model; a row with two categories
    counts under both)."""
    found: dict[str, dict[str, int]] = {}
    tables = {"interaction": "interactions", "attribute": "attributes"}
    for row in readmodel.held_rows(session):
        if row.record_type in tables and row.special and row.n:
            per = found.setdefault(tables[row.record_type], {})
            for category in row.special_categories:
                per[category] = per.get(category, 0) + row.n
    return found


def special_category_rows(session: Session) -> int:
    """Stored rows (interactions and attributes) holding any Art. 9 category."""
    return sum(
        row.n
        for row in readmodel.held_rows(session)
        if row.record_type in ("interaction", "attribute") and row.special
    )


def reidentification_counts(session: Session) -> dict[tuple[str, str], int]:
    """(risk level, action) → stored posts without a link to their author (read model)."""
    found: dict[tuple[str, str], int] = {}
    for row in readmodel.held_rows(session):
        if row.record_type == "interaction" and row.reid and row.n:
            level, _, action = row.reid.partition(":")
            found[(level, action)] = found.get((level, action), 0) + row.n
    return found


def reidentification_sample(
    session: Session, levels: Iterable[str], action: str, *, limit: int
) -> list[str]:
    return list(
        session.scalars(
            select(InteractionRow.id)
            .where(InteractionRow.reid_risk.in_(list(levels)), InteractionRow.reid_action == action)
            .order_by(InteractionRow.id)
            .limit(limit)
        )
    )


def special_category_sample(session: Session, *, limit: int) -> list[str]:
    """Ids of a few stored rows that hold Art. 9 data (evidence for the finding)."""
    ids: list[str] = []
    for table in (InteractionRow, AttributeRow):
        ids += session.scalars(
            select(table.id)
            .where(cast(table.special_categories, String) != "[]")
            .order_by(table.id)
            .limit(limit - len(ids))
        )
        if len(ids) >= limit:
            break
    return ids


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


@dataclass(frozen=True, slots=True)
class Overdue:
    """Rows of one table past their retention deadline: how many, the oldest deadline,
    and the first few ids (evidence)."""

    table: str
    count: int
    oldest: datetime
    sample: tuple[str, ...]


def expired(session: Session, *, now: datetime, sample: int = 20) -> list[Overdue]:
    """Per table, the rows whose retention deadline has passed (index range counts on
    ``retention_until``; no rows are loaded beyond the sample)."""
    found: list[Overdue] = []
    for name, table in (
        ("attributes", AttributeRow),
        ("events", EventRow),
        ("interactions", InteractionRow),
        ("quarantine", QuarantineRow),
    ):
        due = table.retention_until < now
        count, oldest = session.execute(
            select(func.count(), func.min(table.retention_until)).where(due)
        ).one()
        if count:
            ids = session.scalars(
                select(table.id).where(due).order_by(table.retention_until, table.id).limit(sample)
            )
            found.append(Overdue(name, int(count), oldest, tuple(ids)))
    return found


@dataclass(frozen=True, slots=True)
class Sampled:
    """How many rows match, and the first few ids."""

    count: int
    sample: tuple[str, ...]
    contacts: int = 0


def attributes_without_valid_consent(
    session: Session, *, now: datetime, sample: int = 20
) -> Sampled:
    """Attributes resting on consent (Art. 6(1)(a), 9(2)(a)) whose contact has no valid
    consent for the attribute's purpose at ``now`` (set-based: one join with the
    consent states of every contact)."""
    states = consent_states(now)
    condition = and_(
        AttributeRow.legal_basis.in_(("art6_1_a", "art9_2_a")),
        or_(states.c.state.is_(None), states.c.state.not_in(VALID)),
    )
    base = (
        select(AttributeRow.id)
        .outerjoin(
            states,
            and_(
                states.c.contact_id == AttributeRow.contact_id,
                states.c.purpose == AttributeRow.purpose,
            ),
        )
        .where(condition)
    )
    count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    ids = session.scalars(base.order_by(AttributeRow.id).limit(sample)) if count else []
    return Sampled(int(count), tuple(ids))


def consent_lapses(
    session: Session,
    purpose: str,
    *,
    now: datetime,
    later: datetime,
    segment_id: str | None = None,
) -> dict[str, str]:
    """Living contacts (of a segment, when given) whose consent for ``purpose`` is on
    record but fails a send: contact id → ``withdrawn`` | ``expired`` (at ``now``) |
    ``expiring`` (valid now, not at ``later``). Contacts who never consented are left
    out: another legal basis may hold for them. One query over the consent ledger."""
    today = consent_states(now, purposes=(purpose,), name="today")
    soon = consent_states(later, purposes=(purpose,), name="soon")
    kind = case(
        (today.c.state == "withdrawn", "withdrawn"),
        (today.c.state.not_in(VALID), "expired"),
        (or_(soon.c.state.is_(None), soon.c.state.not_in(VALID)), "expiring"),
        else_=None,
    )
    query = (
        select(today.c.contact_id, kind)
        .join(ContactRow, ContactRow.id == today.c.contact_id)
        .outerjoin(soon, soon.c.contact_id == today.c.contact_id)
        .where(ContactRow.erased_at.is_(None), kind.is_not(None))
    )
    if segment_id is not None:
        query = query.join(
            SegmentMembershipRow,
            and_(
                SegmentMembershipRow.contact_id == today.c.contact_id,
                SegmentMembershipRow.segment_id == segment_id,
            ),
        )
    return {contact_id: found for contact_id, found in session.execute(query)}


def audience_size(session: Session, segment_id: str | None = None) -> int:
    """Living contacts (of a segment, when given)."""
    query = select(func.count()).select_from(ContactRow).where(ContactRow.erased_at.is_(None))
    if segment_id is not None:
        query = query.join(
            SegmentMembershipRow,
            and_(
                SegmentMembershipRow.contact_id == ContactRow.id,
                SegmentMembershipRow.segment_id == segment_id,
            ),
        )
    return int(session.scalar(query) or 0)


def identities_without_basis(session: Session, *, sample: int = 20) -> Sampled:
    """Identities that are neither verified nor provided (no verification method), or
    whose contact has no logged decision at all: how many, of how many contacts."""
    decided = (
        select(DecisionRow.id).where(DecisionRow.contact_id == IdentityRow.contact_id).exists()
    )
    condition = (
        IdentityRow.verified.is_(False) & IdentityRow.verification_method.is_(None)
    ) | ~decided
    count, contacts = session.execute(
        select(func.count(), func.count(func.distinct(IdentityRow.contact_id))).where(condition)
    ).one()
    ids = (
        session.scalars(
            select(IdentityRow.id).where(condition).order_by(IdentityRow.id).limit(sample)
        )
        if count
        else []
    )
    return Sampled(int(count), tuple(ids), int(contacts))


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

    Without a window the stored posts come from the held read model — the same counters
    the record of processing and the inventories show. ``since``/``until`` (half-open)
    restrict to requests completed and posts written in that window (the release layer
    publishes per calendar month), counted from the records themselves."""
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
    if since is None and until is None:
        stored = sum(r.n for r in readmodel.held_rows(session) if r.record_type == "interaction")
    else:
        stored = session.scalar(stored_q)
    return TransparencyCounts(
        answered=tuple((received, completed) for received, completed in answered),
        posts_aggregate_only=int(aggregate_only or 0),
        posts_stored=int(stored),
    )
