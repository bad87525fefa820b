"""The record-pairs read model (``readmodel_tables.RecordPairRow``): per contact, record
type and deciding facts, how many interactions or events are stored and the smallest
id among them — what ``fact_groups.FactPairs`` used to compute on every what-if pass by
reading every record and joining it to its decision (a million rows, a hash of every
decision).

**Kept current** with the held-data read model (``readmodel``): the same write paths
report added and removed rows, the same per-transaction pending deltas (a rolled-back
SAVEPOINT takes its changes with it) are written just before COMMIT with one upsert
(``n = n + excluded.n``; ``first_id`` the smaller of the two). A removed row that was a
pair's smallest id makes that pair's ``first_id`` be looked up again (an index range on
the contact's records), so ``first_id`` is always ``min(id)``, as a GROUP BY gives it.

**Rebuilt** with ``rebuild`` (one INSERT … SELECT GROUP BY) after a bulk load, and
compared by ``differences`` with a recomputation (the equivalence tests).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sphere.storage.readmodel_tables import RecordPairRow
from sphere.storage.tables import DecisionRow, EventRow, InteractionRow

# (record_type, contact_id, f0, f1, f2, f3, rule_id, purpose, policy_version); "" = none
PairKey = tuple[str, str, str, str, bool, str, str, str, str]
KEY_COLUMNS = (
    "record_type",
    "contact_id",
    "f0",
    "f1",
    "f2",
    "f3",
    "rule_id",
    "purpose",
    "policy_version",
)
_CHUNK = 500


def special_flag(value: Any) -> bool:
    """``CAST(special_categories AS VARCHAR) != '[]'`` of a value about to be stored."""
    if isinstance(value, str):
        return value != "[]"
    return json.dumps(value) != "[]"


def interaction_key(
    contact_id: Any, visibility: Any, addressing: Any, special: Any, source: Any, decision: Any
) -> PairKey:
    rule, purpose, version = decision
    return (
        "interaction",
        str(contact_id or ""),
        str(visibility),
        str(addressing),
        bool(special),
        str(source),
        str(rule or ""),
        str(purpose or ""),
        str(version or ""),
    )


def event_key(contact_id: Any, channel: Any, decision: Any) -> PairKey:
    rule, purpose, version = decision
    return (
        "event",
        str(contact_id or ""),
        str(channel),
        "",
        False,
        "",
        str(rule or ""),
        str(purpose or ""),
        str(version or ""),
    )


@dataclass(slots=True)
class PairChanges:
    """Pending changes of one transaction: counts, the smallest id added per pair and
    the ids removed per pair."""

    n: Counter[PairKey] = field(default_factory=Counter)
    first: dict[PairKey, str] = field(default_factory=dict)
    removed: dict[PairKey, set[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.n or self.removed)

    def add(self, key: PairKey, record_id: str, sign: int) -> None:
        self.n[key] += sign
        if sign > 0:
            known = self.first.get(key)
            if known is None or record_id < known:
                self.first[key] = record_id
        else:
            self.removed.setdefault(key, set()).add(record_id)

    def merge(self, other: PairChanges) -> None:
        self.n.update(other.n)
        for key, record_id in other.first.items():
            known = self.first.get(key)
            if known is None or record_id < known:
                self.first[key] = record_id
        for key, ids in other.removed.items():
            self.removed.setdefault(key, set()).update(ids)


# --- writing ------------------------------------------------------------------------
@cache
def _upsert(is_postgres: bool) -> Any:
    table = RecordPairRow.__table__
    stmt = (postgresql.insert if is_postgres else sqlite.insert)(table)
    old, new = table.c.first_id, stmt.excluded.first_id
    smaller = case(
        (new.is_(None), old),
        (old.is_(None), new),
        (new < old, new),
        else_=old,
    )
    return stmt.on_conflict_do_update(
        index_elements=list(KEY_COLUMNS),
        set_={"n": table.c.n + stmt.excluded.n, "first_id": smaller},
    )


def _key_dict(key: PairKey) -> dict[str, Any]:
    return dict(zip(KEY_COLUMNS, key, strict=True))


def _where_key() -> Any:
    c = RecordPairRow.__table__.c
    return and_(*[c[name] == bindparam(f"k_{name}") for name in KEY_COLUMNS])


def _bound(key: PairKey) -> dict[str, Any]:
    return {f"k_{name}": value for name, value in zip(KEY_COLUMNS, key, strict=True)}


def apply(session: Session, changes: PairChanges) -> None:
    """Write ``changes`` (before COMMIT, after the records were inserted or deleted)."""
    if not changes:
        return
    connection = session.connection()
    is_postgres = session.get_bind().dialect.name == "postgresql"
    keys = sorted(set(changes.n) | set(changes.removed))
    rows = [
        {**_key_dict(k), "n": changes.n.get(k, 0), "first_id": changes.first.get(k)} for k in keys
    ]
    for start in range(0, len(rows), _CHUNK):
        connection.execute(_upsert(is_postgres), rows[start : start + _CHUNK])
    table = RecordPairRow.__table__
    emptied = [_bound(k) for k in keys if changes.n.get(k, 0) < 0]
    if emptied:
        connection.execute(delete(table).where(_where_key(), table.c.n <= 0), emptied)
    if changes.removed:
        _refresh_first(session, changes.removed)


def _refresh_first(session: Session, removed: dict[PairKey, set[str]]) -> None:
    """Pairs whose smallest id was removed get it looked up again from the records."""
    table = RecordPairRow.__table__
    ids = sorted({i for found in removed.values() for i in found})
    stale: list[PairKey] = []
    columns = [table.c[name] for name in KEY_COLUMNS]
    for start in range(0, len(ids), _CHUNK):
        for row in session.execute(
            select(*columns, table.c.first_id).where(
                table.c.first_id.in_(ids[start : start + _CHUNK])
            )
        ):
            key: PairKey = tuple(row[:-1])  # type: ignore[assignment]
            if row[-1] in removed.get(key, ()):
                stale.append(key)
    for key in stale:
        session.connection().execute(
            update(table).where(_where_key()).values(first_id=_smallest_id(key).scalar_subquery()),
            _bound(key),
        )


def _smallest_id(key: PairKey) -> Any:
    record_type, contact_id, f0, f1, f2, f3, rule, purpose, version = key
    d = DecisionRow
    decision = [
        func.coalesce(d.rule_id, "") == rule,
        func.coalesce(d.purpose, "") == purpose,
        func.coalesce(d.policy_version, "") == version,
    ]
    if record_type == "interaction":
        i = InteractionRow
        contact = i.contact_id == contact_id if contact_id else i.contact_id.is_(None)
        special = cast(i.special_categories, String) != literal_column("'[]'")
        own = [i.visibility == f0, i.addressing == f1, special == f2, i.source_name == f3]
        return (
            select(func.min(i.id))
            .outerjoin(d, d.id == i.decision_id)
            .where(contact, *own, *decision)
        )
    e = EventRow
    contact = e.contact_id == contact_id if contact_id else e.contact_id.is_(None)
    return (
        select(func.min(e.id))
        .outerjoin(d, d.id == e.decision_id)
        .where(contact, e.channel == f0, *decision)
    )


# --- rebuilding ---------------------------------------------------------------------
def _recomputed() -> Any:
    """Every pair computed from the records (one GROUP BY per record type)."""
    i, e, d = InteractionRow, EventRow, DecisionRow
    empty = literal_column("''")  # no bound parameter: GROUP BY matches it textually
    special = cast(i.special_categories, String) != literal_column("'[]'")
    decision = [
        func.coalesce(d.rule_id, empty),
        func.coalesce(d.purpose, empty),
        func.coalesce(d.policy_version, empty),
    ]
    interactions = (
        select(
            literal("interaction").label("record_type"),
            func.coalesce(i.contact_id, empty).label("contact_id"),
            i.visibility.label("f0"),
            i.addressing.label("f1"),
            special.label("f2"),
            i.source_name.label("f3"),
            *[c.label(n) for c, n in zip(decision, KEY_COLUMNS[6:], strict=True)],
            func.count().label("n"),
            func.min(i.id).label("first_id"),
        )
        .outerjoin(d, d.id == i.decision_id)
        .group_by(i.contact_id, i.visibility, i.addressing, special, i.source_name, *decision)
    )
    events = (
        select(
            literal("event"),
            func.coalesce(e.contact_id, empty),
            e.channel,
            empty,
            cast(false(), Boolean),
            empty,
            *decision,
            func.count(),
            func.min(e.id),
        )
        .outerjoin(d, d.id == e.decision_id)
        .group_by(e.contact_id, e.channel, *decision)
    )
    return union_all(interactions, events)


def rebuild(session: Session) -> None:
    """Replace every pair with a recomputation (a maintenance step, as
    ``readmodel.rebuild``)."""
    table = RecordPairRow.__table__
    session.execute(delete(table))
    names = [*KEY_COLUMNS, "n", "first_id"]
    session.execute(insert(table).from_select(names, _recomputed()))
    # Statistics now, not at autovacuum's leisure: without them PostgreSQL takes the
    # table for a few rows and sorts the what-if's groups instead of hashing them.
    session.execute(text(f"ANALYZE {table.name}"))


def needs_fill(session: Session) -> bool:
    """No pair while interactions or events exist (a database from before 0033)."""
    if session.scalar(select(RecordPairRow.record_type).limit(1)) is not None:
        return False
    return any(
        session.scalar(select(t.id).limit(1)) is not None for t in (InteractionRow, EventRow)
    )


def _normal(rows: Iterable[Any]) -> dict[PairKey, tuple[int, str | None]]:
    out: dict[PairKey, tuple[int, str | None]] = {}
    for row in rows:
        key = (*row[:4], bool(row[4]), *row[5:9])
        if row[9]:
            out[key] = (int(row[9]), row[10])  # type: ignore[index]
    return out


def differences(session: Session) -> list[str]:
    """What the stored pairs get wrong against a recomputation (empty: they agree)."""
    table = RecordPairRow.__table__
    stored = _normal(
        session.execute(select(*[table.c[n] for n in (*KEY_COLUMNS, "n", "first_id")]))
    )
    wanted = _normal(session.execute(_recomputed()))
    return [
        f"readmodel_record_pairs {key}: stored {stored.get(key)}, recomputed {wanted.get(key)}"
        for key in sorted(set(stored) | set(wanted))
        if stored.get(key) != wanted.get(key)
    ]


# --- reading ------------------------------------------------------------------------
def pairs_query(record_type: str) -> tuple[Any, int]:
    """(a query of contact_id (NULL: unlinked), n, first_id, p0…, one row per pair of
    ``record_type``; how many of the p-columns are the record's own facts) — the
    columns ``FactPairs`` reads, in its order (own facts, then rule, purpose, version)."""
    t = RecordPairRow.__table__.c
    none = literal("")
    decision = [func.nullif(t.rule_id, none), func.nullif(t.purpose, none)]
    decision.append(func.nullif(t.policy_version, none))
    own = [t.f0, t.f1, t.f2, t.f3] if record_type == "interaction" else [t.f0]
    columns = [
        func.nullif(t.contact_id, none).label("contact_id"),
        t.n.label("n"),
        t.first_id.label("first_id"),
        *[c.label(f"p{n}") for n, c in enumerate([*own, *decision])],
    ]
    query = select(*columns).where(t.record_type == record_type, t.n > 0)
    return query, len(own)
