"""Stored records and contacts grouped by the facts that decide them — one GROUP BY
each, so a draft policy, a planning check or a dry run is evaluated once per distinct
combination of facts (a few hundred) instead of once per record or person (a million).

Record groups (the what-if): an interaction's facts are its visibility, addressing,
Art. 9 flag and source, and its author's state — linked or not, employee, objection,
restriction, customer number on file, consent state per purpose now — plus the rule,
purpose and policy version of the decision it rests on. Events: channel, author state,
web-analytics consent. Imported contacts: the providing source and the decision.

Each group carries a ``key``: the group's facts as one string, computed by the database
with the same expression that later selects the group's rows (``group_rows``), so a
decision taken in Python on a group is joined back to its rows in SQL.

Audience groups (planning check, dry run): per living contact the facts
``marketing.audience`` reads one by one, computed for all contacts at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from sphere.domain import Purpose
from sphere.storage.marketing_tables import CampaignSendRow, SegmentMembershipRow
from sphere.storage.repositories.consent_states import consent_states
from sphere.storage.rights_tables import NoticeDutyRow
from sphere.storage.tables import (
    ContactRow,
    DecisionRow,
    EventRow,
    IdentityRow,
    InteractionRow,
)

PURPOSES = tuple(p.value for p in Purpose)


@dataclass(frozen=True, slots=True)
class AuthorFacts:
    """The linked author's state (all False/empty for an unlinked author)."""

    linked: bool
    is_customer: bool
    is_employee: bool
    objected: bool
    restricted: bool
    consents: tuple[tuple[str, str], ...]  # (purpose, state) for purposes with a record


@dataclass(frozen=True, slots=True)
class RecordGroup:
    """Stored records that share every deciding fact."""

    record_type: str  # interaction | event | contact
    key: str
    records: int
    example_ids: tuple[str, ...]
    author: AuthorFacts
    rule_id: str | None
    purpose: str | None
    policy_version: str | None
    visibility: str | None = None
    addressing: str | None = None
    special: bool = False
    source: str | None = None  # interactions: source name; events: channel; contacts: source


def _text(column: Any) -> Any:
    return func.coalesce(cast(column, String), literal_column("'-'"))


def _labelled(columns: list[Any]) -> list[Any]:
    return [column.label(f"f{n}") for n, column in enumerate(columns)]


def _key(*columns: Any) -> Any:
    expression = _text(columns[0])
    for column in columns[1:]:
        expression = expression + literal_column("'|'") + _text(column)
    return expression


def _authors(now: datetime) -> Any:
    states = consent_states(now, name="author_states")
    pivot = (
        select(
            states.c.contact_id,
            *[
                func.max(case((states.c.purpose == p, states.c.state), else_=None)).label(f"c_{p}")
                for p in PURPOSES
            ],
        )
        .group_by(states.c.contact_id)
        .subquery("author_consents")
    )
    customers = (
        select(IdentityRow.contact_id)
        .where(IdentityRow.kind == "customer_number")
        .group_by(IdentityRow.contact_id)
        .subquery("customers")
    )
    c = ContactRow
    return (
        select(
            c.id.label("contact_id"),
            c.is_employee.label("is_employee"),
            or_(c.objected_marketing, c.objected_profiling).label("objected"),
            c.restricted.label("restricted"),
            customers.c.contact_id.is_not(None).label("is_customer"),
            *[pivot.c[f"c_{p}"] for p in PURPOSES],
        )
        .outerjoin(pivot, pivot.c.contact_id == c.id)
        .outerjoin(customers, customers.c.contact_id == c.id)
        .subquery("authors")
    )


def _author_columns(a: Any, linked: Any) -> list[Any]:
    return [linked, a.c.is_customer, a.c.is_employee, a.c.objected, a.c.restricted] + [
        a.c[f"c_{p}"] for p in PURPOSES
    ]


def _author(values: Sequence[Any]) -> AuthorFacts:
    linked, customer, employee, objected, restricted, *consents = values
    if not linked:
        return AuthorFacts(False, False, False, False, False, ())
    return AuthorFacts(
        True,
        bool(customer),
        bool(employee),
        bool(objected),
        bool(restricted),
        tuple((p, s) for p, s in zip(PURPOSES, consents, strict=True) if s is not None),
    )


def _interaction_query(now: datetime) -> tuple[Any, list[Any]]:
    i, d, a = InteractionRow, DecisionRow, _authors(now)
    special = cast(i.special_categories, String) != literal_column("'[]'")
    columns = [i.visibility, i.addressing, special, i.source_name]
    columns += _author_columns(a, i.contact_id.is_not(None))
    columns += [d.rule_id, d.purpose, d.policy_version]
    base = (
        select(i.id.label("id"), i.contact_id.label("contact_id"), _key(*columns).label("key"))
        .add_columns(*_labelled(columns))
        .outerjoin(d, d.id == i.decision_id)
        .outerjoin(a, a.c.contact_id == i.contact_id)
    )
    return base, columns


def _event_query(now: datetime) -> tuple[Any, list[Any]]:
    e, d, a = EventRow, DecisionRow, _authors(now)
    columns = [e.channel, *_author_columns(a, e.contact_id.is_not(None))]
    columns += [d.rule_id, d.purpose, d.policy_version]
    base = (
        select(e.id.label("id"), e.contact_id.label("contact_id"), _key(*columns).label("key"))
        .add_columns(*_labelled(columns))
        .outerjoin(d, d.id == e.decision_id)
        .outerjoin(a, a.c.contact_id == e.contact_id)
    )
    return base, columns


def _contact_query() -> tuple[Any, list[Any]]:
    d, c = DecisionRow, ContactRow
    provided = (
        select(
            IdentityRow.contact_id,
            func.min(IdentityRow.verification_method).label("method"),
        )
        .where(IdentityRow.verification_method.like("provided:%"))
        .group_by(IdentityRow.contact_id)
        .subquery("provided")
    )
    columns = [provided.c.method, d.rule_id, d.purpose, d.policy_version]
    base = (
        select(
            d.contact_id.label("id"), d.contact_id.label("contact_id"), _key(*columns).label("key")
        )
        .add_columns(*_labelled(columns))
        .join(c, c.id == d.contact_id)
        .outerjoin(provided, provided.c.contact_id == d.contact_id)
        .where(d.record_type == "contact", c.erased_at.is_(None))
    )
    return base, columns


def _query(record_type: str, now: datetime) -> tuple[Any, list[Any]]:
    if record_type == "interaction":
        return _interaction_query(now)
    if record_type == "event":
        return _event_query(now)
    if record_type == "contact":
        return _contact_query()
    raise ValueError(f"unknown record type {record_type!r}")


# PostgreSQL estimates as many groups as rows for a GROUP BY over ~25 fact columns (it
# multiplies their distinct counts), so with the default work_mem it sorts every row on
# disk (an external merge of 211 MB at a million records) although the groups are few
# (1,513 measured). With room for a hash aggregate it takes one pass; JIT compilation of
# these wide expressions cost 8.7 s of a 33 s query and is off too. Both are SET LOCAL:
# they end with the transaction. Measured on 800,000 interactions: 33 s -> 4 s.
ANALYTIC_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL work_mem = '256MB'")


def analytic(session: Session) -> None:
    """Planner settings for the grouping queries below (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        for statement in ANALYTIC_SETTINGS:
            session.execute(text(statement))


def _grouped(rows: Any, names: list[str], *aggregates: Any) -> Any:
    """GROUP BY the fact columns, then build each group's key from its values (the same
    text as the per-row ``key`` column, which ``group_rows`` selects by)."""
    inner = (
        select(*[a.label(f"a{n}") for n, a in enumerate(aggregates)], *[rows.c[n] for n in names])
        .group_by(*[rows.c[n] for n in names])
        .subquery("grouped")
    )
    return select(
        _key(*[inner.c[n] for n in names]),
        *[inner.c[f"a{n}"] for n in range(len(aggregates))],
        *[inner.c[n] for n in names],
    )


def record_groups(session: Session, record_type: str, *, now: datetime) -> list[RecordGroup]:
    """Every group of stored ``record_type`` rows sharing their deciding facts."""
    base, columns = _query(record_type, now)
    rows = base.subquery("records")
    names = [c.name for c in rows.c][3:]
    analytic(session)
    query = _grouped(rows, names, func.count(), func.min(rows.c.id))
    groups = []
    for key, count, example, *values in session.execute(query):
        if record_type == "interaction":
            visibility, addressing, special, source, *rest = values
            author, (rule, purpose, version) = _author(rest[:-3]), rest[-3:]
            groups.append(
                RecordGroup(
                    "interaction",
                    key,
                    count,
                    (example,),
                    author,
                    rule,
                    purpose,
                    version,
                    visibility,
                    addressing,
                    bool(special),
                    source,
                )
            )
        elif record_type == "event":
            channel, *rest = values
            author, (rule, purpose, version) = _author(rest[:-3]), rest[-3:]
            groups.append(
                RecordGroup(
                    "event", key, count, (example,), author, rule, purpose, version, source=channel
                )
            )
        else:
            method, rule, purpose, version = values
            source = method.removeprefix("provided:") if method else None
            groups.append(
                RecordGroup(
                    "contact",
                    key,
                    count,
                    (example,),
                    AuthorFacts(True, True, False, False, False, ()),
                    rule,
                    purpose,
                    version,
                    source=source,
                )
            )
    return groups


def group_rows(session: Session, record_type: str, keys: Sequence[str], *, now: datetime) -> Any:
    """A subquery of (id, contact_id, key) of the rows of the groups ``keys``."""
    analytic(session)
    base, _ = _query(record_type, now)
    rows = base.subquery("records")
    return select(rows.c.id, rows.c.contact_id, rows.c.key).where(rows.c.key.in_(list(keys)))


def group_ids(
    session: Session, record_type: str, keys: Sequence[str], *, now: datetime, batch: int = 1000
) -> Iterator[list[str]]:
    """The ids of the rows of the groups ``keys``, in batches (keyset on the id)."""
    rows = group_rows(session, record_type, keys, now=now).subquery()
    after: str | None = None
    while True:
        query = select(rows.c.id).order_by(rows.c.id).limit(batch)
        if after is not None:
            query = query.where(rows.c.id > after)
        ids = list(session.scalars(query))
        if not ids:
            return
        yield ids
        after = ids[-1]


def stream_ids(
    session: Session, record_type: str, keys: Sequence[str], *, now: datetime, chunk: int = 5000
) -> Iterator[list[str]]:
    """The ids of the rows of the groups ``keys`` from ONE query, streamed in chunks
    (a server-side cursor on PostgreSQL): listing a million rows costs one join."""
    rows = group_rows(session, record_type, keys, now=now).subquery()
    result = session.execute(
        select(rows.c.id).order_by(rows.c.id).execution_options(yield_per=chunk)
    )
    for part in result.partitions(chunk):
        yield [row[0] for row in part]


@dataclass(frozen=True, slots=True)
class RecordRef:
    id: str
    contact_id: str | None
    key_id: str | None
    record_ref: str  # "<channel>:<source id>" as the decision log names the record


def record_refs(session: Session, record_type: str, ids: Sequence[str]) -> list[RecordRef]:
    """Who and what the interactions or events ``ids`` are (for audit and decisions)."""
    table = InteractionRow if record_type == "interaction" else EventRow
    found = []
    for chunk in chunks(list(ids)):
        for row_id, contact_id, key_id, channel, source_id in session.execute(
            select(table.id, table.contact_id, table.key_id, table.channel, table.source_id).where(
                table.id.in_(list(chunk))
            )
        ):
            found.append(RecordRef(row_id, contact_id, key_id, f"{channel}:{source_id}"))
    return found


def group_examples(
    session: Session, record_type: str, key: str, *, now: datetime, limit: int
) -> list[str]:
    rows = group_rows(session, record_type, [key], now=now).subquery()
    return list(session.scalars(select(rows.c.id).order_by(rows.c.id).limit(limit)))


def distinct_contacts(
    session: Session, groups: Iterable[tuple[str, Sequence[str]]], *, now: datetime
) -> int:
    """Distinct contacts among the rows of the given (record type, keys) groups."""
    found: set[str] = set()
    for record_type, keys in groups:
        if not keys:
            continue
        rows = group_rows(session, record_type, keys, now=now).subquery()
        found.update(
            session.scalars(
                select(rows.c.contact_id).where(rows.c.contact_id.is_not(None)).distinct()
            )
        )
    return len(found)


# --- audience groups (planning check, dry run) ----------------------------------------
@dataclass(frozen=True, slots=True)
class AudienceGroup:
    """Living contacts of an audience that share every fact a send check reads."""

    key: str
    count: int
    is_employee: bool
    is_customer: bool
    consent: str | None
    consent_record: bool  # a valid consent record exists (provenance)
    objected_marketing: bool
    objected_profiling: bool
    restricted: bool
    special: bool
    addressed: bool
    email: bool
    phone: bool
    handle: bool
    email_from_purchase: bool
    notice_due: bool
    sends: int
    minor: bool = False  # GDPR Art. 8
    guardian: bool = False  # the consent was given by a holder of parental responsibility


def _flag(condition: Any) -> Any:
    return func.max(case((condition, 1), else_=0))


def _audience_query(
    purpose: str,
    *,
    now: datetime,
    segment_id: str | None,
    sends_since: datetime | None,
    channels: Sequence[str],
    uses: Sequence[tuple[str, str | None]] = (),
) -> tuple[Any, list[Any]]:
    c = ContactRow
    states = consent_states(now, purposes=(purpose,), name="audience_states", uses=uses)
    ids = (
        select(
            IdentityRow.contact_id,
            _flag(IdentityRow.kind == "customer_number").label("customer"),
            _flag(IdentityRow.kind == "email").label("email"),
            _flag(IdentityRow.kind == "phone").label("phone"),
            _flag(IdentityRow.kind == "handle").label("handle"),
            _flag(
                and_(IdentityRow.kind == "email", IdentityRow.verification_method == "purchase")
            ).label("purchase"),
        )
        .group_by(IdentityRow.contact_id)
        .subquery("audience_identities")
    )
    i = InteractionRow
    posts = (
        select(
            i.contact_id,
            _flag(cast(i.special_categories, String) != literal_column("'[]'")).label("special"),
            _flag(i.addressing.in_(("direct", "addressed"))).label("addressed"),
        )
        .where(i.contact_id.is_not(None), i.deleted_at.is_(None))
        .group_by(i.contact_id)
        .subquery("audience_posts")
    )
    duties = (
        select(NoticeDutyRow.contact_id)
        .where(NoticeDutyRow.sent_at.is_(None))
        .group_by(NoticeDutyRow.contact_id)
        .subquery("audience_duties")
    )
    sent: Any = literal(0, Integer)
    query_sends = None
    if sends_since is not None:
        query_sends = (
            select(CampaignSendRow.contact_id, func.count().label("n"))
            .where(
                CampaignSendRow.status == "sent",
                CampaignSendRow.sent_at >= sends_since,
                CampaignSendRow.channel.in_(list(channels)),
            )
            .group_by(CampaignSendRow.contact_id)
            .subquery("audience_sends")
        )
        sent = func.coalesce(query_sends.c.n, 0)
    columns = [
        c.is_employee,
        func.coalesce(ids.c.customer, 0),
        states.c.state,
        c.objected_marketing,
        c.objected_profiling,
        c.restricted,
        func.coalesce(posts.c.special, 0),
        func.coalesce(posts.c.addressed, 0),
        func.coalesce(ids.c.email, 0),
        func.coalesce(ids.c.phone, 0),
        func.coalesce(ids.c.handle, 0),
        func.coalesce(ids.c.purchase, 0),
        duties.c.contact_id.is_not(None),
        sent,
        c.minor_since.is_not(None),
        func.coalesce(states.c.guardian, False),
    ]
    query = (
        select(c.id.label("contact_id"), _key(*columns).label("key"))
        .add_columns(*_labelled(columns))
        .outerjoin(states, states.c.contact_id == c.id)
        .outerjoin(ids, ids.c.contact_id == c.id)
        .outerjoin(posts, posts.c.contact_id == c.id)
        .outerjoin(duties, duties.c.contact_id == c.id)
        .where(c.erased_at.is_(None))
    )
    if query_sends is not None:
        query = query.outerjoin(query_sends, query_sends.c.contact_id == c.id)
    if segment_id is not None:
        query = query.join(
            SegmentMembershipRow,
            and_(
                SegmentMembershipRow.contact_id == c.id,
                SegmentMembershipRow.segment_id == segment_id,
            ),
        )
    return query, columns


def audience_groups(
    session: Session,
    purpose: str,
    *,
    now: datetime,
    segment_id: str | None = None,
    sends_since: datetime | None = None,
    channels: Sequence[str] = (),
    uses: Sequence[tuple[str, str | None]] = (),
) -> list[AudienceGroup]:
    """The audience (living contacts, of a segment when given) grouped by its facts for
    ``purpose`` at ``now``; with ``sends_since``, messages sent since then on
    ``channels`` count as a fact too (the frequency cap). ``uses`` — (category, source)
    of the data the measure uses — count only consents that cover them (Art. 4(11))."""
    base, _ = _audience_query(
        purpose,
        now=now,
        segment_id=segment_id,
        sends_since=sends_since,
        channels=channels,
        uses=uses,
    )
    rows = base.subquery("audience")
    names = [c.name for c in rows.c][2:]
    analytic(session)
    query = _grouped(rows, names, func.count())
    groups = []
    for key, count, *v in session.execute(query):
        groups.append(
            AudienceGroup(
                key=key,
                count=count,
                is_employee=bool(v[0]),
                is_customer=bool(v[1]),
                consent=v[2],
                consent_record=v[2] in ("given", "explicit"),
                objected_marketing=bool(v[3]),
                objected_profiling=bool(v[4]),
                restricted=bool(v[5]),
                special=bool(v[6]),
                addressed=bool(v[7]),
                email=bool(v[8]),
                phone=bool(v[9]),
                handle=bool(v[10]),
                email_from_purchase=bool(v[11]),
                notice_due=bool(v[12]),
                sends=int(v[13] or 0),
                minor=bool(v[14]),
                guardian=bool(v[15]),
            )
        )
    return groups


def audience_members(
    session: Session,
    purpose: str,
    keys: Sequence[str] | None,
    *,
    now: datetime,
    segment_id: str | None = None,
    sends_since: datetime | None = None,
    channels: Sequence[str] = (),
    uses: Sequence[tuple[str, str | None]] = (),
) -> Any:
    """A subquery of (contact_id, key) of the audience's contacts in the groups ``keys``
    (None: in every group, without comparing each contact's key with a list)."""
    analytic(session)
    base, _ = _audience_query(
        purpose,
        now=now,
        segment_id=segment_id,
        sends_since=sends_since,
        channels=channels,
        uses=uses,
    )
    rows = base.subquery("audience")
    query = select(rows.c.contact_id, rows.c.key)
    return query if keys is None else query.where(rows.c.key.in_(list(keys)))


def chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
