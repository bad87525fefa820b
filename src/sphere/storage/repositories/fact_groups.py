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

Audience groups (planning check, dry run) are in ``storage.repositories.audience_groups``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.sqltypes import NullType

from sphere.domain import Purpose
from sphere.storage.repositories.consent_states import consent_states
from sphere.storage.repositories.record_pairs import pairs_query
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


def labelled(columns: list[Any]) -> list[Any]:
    return [column.label(f"f{n}") for n, column in enumerate(columns)]


def fact_key(*columns: Any) -> Any:
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


def _interaction_query(now: datetime, authors: Any = None) -> tuple[Any, list[Any]]:
    i, d, a = InteractionRow, DecisionRow, _authors(now) if authors is None else authors
    special = cast(i.special_categories, String) != literal_column("'[]'")
    columns = [i.visibility, i.addressing, special, i.source_name]
    columns += _author_columns(a, i.contact_id.is_not(None))
    columns += [d.rule_id, d.purpose, d.policy_version]
    base = (
        select(i.id.label("id"), i.contact_id.label("contact_id"), fact_key(*columns).label("key"))
        .add_columns(*labelled(columns))
        .outerjoin(d, d.id == i.decision_id)
        .outerjoin(a, a.c.contact_id == i.contact_id)
    )
    return base, columns


def _event_query(now: datetime, authors: Any = None) -> tuple[Any, list[Any]]:
    e, d, a = EventRow, DecisionRow, _authors(now) if authors is None else authors
    columns = [e.channel, *_author_columns(a, e.contact_id.is_not(None))]
    columns += [d.rule_id, d.purpose, d.policy_version]
    base = (
        select(e.id.label("id"), e.contact_id.label("contact_id"), fact_key(*columns).label("key"))
        .add_columns(*labelled(columns))
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
            d.contact_id.label("id"),
            d.contact_id.label("contact_id"),
            fact_key(*columns).label("key"),
        )
        .add_columns(*labelled(columns))
        .join(c, c.id == d.contact_id)
        .outerjoin(provided, provided.c.contact_id == d.contact_id)
        .where(d.record_type == "contact", c.erased_at.is_(None))
    )
    return base, columns


def _query(record_type: str, now: datetime, authors: Any = None) -> tuple[Any, list[Any]]:
    """The per-row query of ``record_type``; ``authors``: a table of ``_authors(now)``
    already read (``FactPairs``), else the subquery."""
    if record_type == "interaction":
        return _interaction_query(now, authors)
    if record_type == "event":
        return _event_query(now, authors)
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


def grouped(rows: Any, names: list[str], *aggregates: Any) -> Any:
    """GROUP BY the fact columns, then build each group's key from its values (the same
    text as the per-row ``key`` column, which ``group_rows`` selects by)."""
    inner = (
        select(*[a.label(f"a{n}") for n, a in enumerate(aggregates)], *[rows.c[n] for n in names])
        .group_by(*[rows.c[n] for n in names])
        .subquery("grouped")
    )
    return select(
        fact_key(*[inner.c[n] for n in names]),
        *[inner.c[f"a{n}"] for n in range(len(aggregates))],
        *[inner.c[n] for n in names],
    )


def record_groups(session: Session, record_type: str, *, now: datetime) -> list[RecordGroup]:
    """Every group of stored ``record_type`` rows sharing their deciding facts."""
    base, columns = _query(record_type, now)
    rows = base.subquery("records")
    names = [c.name for c in rows.c][3:]
    analytic(session)
    query = grouped(rows, names, func.count(), func.min(rows.c.id))
    return _record_groups(record_type, session.execute(query))


def _record_groups(record_type: str, result: Any) -> list[RecordGroup]:
    """``RecordGroup``s from rows of (key, count, example id, *facts)."""
    groups = []
    for key, count, example, *values in result:
        count = int(count)  # a SUM over pairs is a NUMERIC on PostgreSQL
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


def temporary_table(session: Session, prefix: str, query: Any) -> Table:
    """A temporary table (of this connection; drop it with ``drop_temporary``) holding
    the rows of ``query``, with its columns' names and types."""
    columns = [
        Column(c.name, String() if isinstance(c.type, NullType) else c.type)
        for c in query.selected_columns
    ]
    table = Table(f"{prefix}_{uuid.uuid4().hex[:10]}", MetaData(), *columns, prefixes=["TEMPORARY"])
    table.create(session.connection())
    session.execute(insert(table).from_select([c.name for c in columns], query))
    if session.get_bind().dialect.name == "postgresql":
        # Without statistics the planner takes a table of 26,000 pairs for 4,000 and
        # sorts both sides of the join to the authors: 424 ms -> 191 ms at 100,000 records.
        session.execute(text(f"ANALYZE {table.name}"))
    return table


def drop_temporary(session: Session, table: Table) -> None:
    table.drop(session.connection())


def _own_facts(record_type: str) -> tuple[Any, list[Any], list[Any]]:
    """(table, the record's own fact columns, the decision's) of interactions or events,
    in the order ``_interaction_query`` / ``_event_query`` put them around the author's."""
    d = DecisionRow
    decision = [d.rule_id, d.purpose, d.policy_version]
    if record_type == "interaction":
        i = InteractionRow
        special = cast(i.special_categories, String) != literal_column("'[]'")
        return i, [i.visibility, i.addressing, special, i.source_name], decision
    e = EventRow
    return e, [e.channel], decision


class FactPairs:
    """The (contact, the record's and its decision's facts, how many records, the
    first one's id) pairs of interactions and events — a row per contact and
    combination, a third of the records at a million — read from the record-pairs read
    model (``record_pairs``, kept current with the records), and the authors' state
    (``_authors``: consents, customer number, objection) read once into a temporary
    table. The groups, and the distinct contacts of any set of groups, are joins of
    the two; the keys are the ones ``record_groups`` computes (same expression, same
    values). Before: every pass read every record and joined it to its decision."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.tables: dict[str, Any] = {}
        self.authors: Table | None = None

    def _authors(self) -> Table:
        if self.authors is None:
            a = _authors(self.now)
            own_key = fact_key(*_author_columns(a, a.c.contact_id.is_not(None))).label("own_key")
            self.authors = temporary_table(self.session, "sphere_authors", select(*a.c, own_key))
        return self.authors

    def _pairs(self, record_type: str) -> Any:
        """The pairs of ``record_type`` from the read model (``record_pairs``: kept
        current with the records, so nothing here reads a record or a decision)."""
        if record_type not in self.tables:
            analytic(self.session)
            query, own = pairs_query(record_type)
            inner = query.subquery("stored_pairs")
            p = [c for c in inner.c if c.name.startswith("p")]
            self.tables[record_type] = select(
                *inner.c,
                fact_key(*p[:own]).label("own_key"),
                fact_key(*p[own:]).label("decision_key"),
            ).subquery(f"pairs_{record_type}")
        return self.tables[record_type]

    def _facts(self, record_type: str) -> tuple[Any, Any, list[Any]]:
        """(pairs, FROM clause, fact columns in key order) of interactions or events."""
        pairs = self._pairs(record_type)
        authors = self._authors()
        own = 1 if record_type == "event" else 4
        p = [pairs.c[f"p{n}"] for n in range(own + 3)]
        columns = p[:own] + _author_columns(authors, pairs.c.contact_id.is_not(None)) + p[own:]
        joined = pairs.outerjoin(authors, authors.c.contact_id == pairs.c.contact_id)
        return pairs, joined, columns

    def groups(self, record_type: str) -> list[RecordGroup]:
        """What ``record_groups`` returns, from the pairs (imported contacts, one row
        per contact anyway, are grouped directly)."""
        if record_type == "contact":
            return record_groups(self.session, record_type, now=self.now)
        pairs, joined, columns = self._facts(record_type)
        inner = (
            select(
                func.sum(pairs.c.n).label("a0"),
                func.min(pairs.c.first_id).label("a1"),
                *[c.label(f"f{n}") for n, c in enumerate(columns)],
            )
            .select_from(joined)
            .group_by(*columns)
            .subquery("grouped")
        )
        names = [f"f{n}" for n in range(len(columns))]
        query = select(
            fact_key(*[inner.c[n] for n in names]),
            inner.c.a0,
            inner.c.a1,
            *[inner.c[n] for n in names],
        )
        return _record_groups(record_type, self.session.execute(query))

    def distinct_contacts(self, groups: Iterable[tuple[str, Sequence[str]]]) -> int:
        """What ``distinct_contacts`` returns, from the pairs (for imported contacts,
        the contacts themselves)."""
        return self.distinct_contacts_each([dict(groups)])[0]

    def distinct_contacts_each(self, selections: Sequence[dict[str, Sequence[str]]]) -> list[int]:
        """``distinct_contacts`` of each selection ({record type: group keys}) from ONE
        pass over the pairs (the what-if asks for the changed and the deleted groups)."""
        wanted: dict[str, set[str]] = {}
        for selection in selections:
            for record_type, keys in selection.items():
                wanted.setdefault(record_type, set()).update(keys)
        parts = []
        for record_type, keys in sorted(wanted.items()):
            if not keys:
                continue
            kind = literal(record_type).label("record_type")
            if record_type == "contact":
                rows = group_rows(self.session, record_type, sorted(keys), now=self.now)
                rows = rows.subquery()
                parts.append(select(kind, rows.c.contact_id.label("contact_id"), rows.c.key))
                continue
            pairs, joined, _ = self._facts(record_type)
            authors, bar = self._authors(), literal_column("'|'")
            key = pairs.c.own_key + bar + authors.c.own_key + bar + pairs.c.decision_key
            parts.append(
                select(kind, pairs.c.contact_id.label("contact_id"), key.label("key"))
                .select_from(joined)
                .where(pairs.c.contact_id.is_not(None), key.in_(sorted(keys)))
            )
        if not parts:
            return [0] * len(selections)
        rows = union_all(*parts).subquery("contacts")
        counts = []
        for selection in selections:
            chosen = [
                and_(rows.c.record_type == record_type, rows.c.key.in_(list(keys)))
                for record_type, keys in sorted(selection.items())
                if keys
            ]
            member = case((or_(*chosen), rows.c.contact_id), else_=None) if chosen else null()
            counts.append(func.count(member.distinct()))
        return [int(n or 0) for n in self.session.execute(select(*counts)).one()]

    def drop(self) -> None:
        if self.authors is not None:
            drop_temporary(self.session, self.authors)
        self.tables, self.authors = {}, None


@contextmanager
def fact_pairs(session: Session, *, now: datetime) -> Iterator[FactPairs]:
    """``FactPairs`` for one unit of work; the tables are dropped when it succeeds (a
    rollback removes them otherwise)."""
    pairs = FactPairs(session, now)
    yield pairs
    pairs.drop()


def group_rows(session: Session, record_type: str, keys: Sequence[str], *, now: datetime) -> Any:
    """A subquery of (id, contact_id, key) of the rows of the groups ``keys``."""
    analytic(session)
    base, _ = _query(record_type, now)
    rows = base.subquery("records")
    return select(rows.c.id, rows.c.contact_id, rows.c.key).where(rows.c.key.in_(list(keys)))


def stream_keyed_ids(
    session: Session, record_type: str, keys: Sequence[str], *, now: datetime, chunk: int = 5000
) -> Iterator[list[tuple[str, str]]]:
    """(key, id) of the rows of the groups ``keys`` from ONE query, ordered by group and
    id, streamed in chunks: listing the rows of many groups costs one pass over the
    records, not one per group (the apply's listing, 430 groups on 30,000 records, ran
    430 passes)."""
    rows = group_rows(session, record_type, keys, now=now).subquery()
    result = session.execute(
        select(rows.c.key, rows.c.id)
        .order_by(rows.c.key, rows.c.id)
        .execution_options(yield_per=chunk)
    )
    for part in result.partitions(chunk):
        yield [(row[0], row[1]) for row in part]


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


def chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
