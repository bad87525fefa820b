"""The held-data read model (``readmodel_tables.py``): kept current, rebuilt, read.

**Kept current.** Every repository method that inserts or deletes a counted row calls
``record_added`` / ``record_removed`` with the ids (after an insert, before a delete).
One set-based SELECT per call reads the dimensions of those rows (joined with the
decision each rests on) and the deltas are accumulated in memory, per transaction of
the session: a SAVEPOINT that is rolled back takes its deltas with it. When the
outermost transaction commits, the deltas are written just before COMMIT with one
multi-row ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` per table, in key
order — race-free with several concurrent writers (stream workers), and the counter
rows are the last locks a transaction takes, so writers cannot deadlock on them.

**Rebuilt.** ``rebuild`` recomputes everything from the records with GROUP BY (after a
bulk load, or to repair); ``recompute`` is what the equivalence tests compare against.

**Read.** ``held_rows`` sums the counters over days (a few hundred rows), ``by_day``
gives the daily series, ``purpose_contacts`` the contacts per purpose and
``last_decided`` the latest decision per purpose (an index lookup per purpose).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    String,
    bindparam,
    cast,
    delete,
    event,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from sphere.storage.readmodel_tables import (
    HeldContactPurposeRow,
    HeldCountRow,
    HeldPurposeContactsRow,
)
from sphere.storage.repositories import record_pairs
from sphere.storage.repositories.record_pairs import PairChanges, PairKey
from sphere.storage.session_cache import transaction_cache
from sphere.storage.tables import (
    AttributeRow,
    ContactRow,
    DecisionRow,
    EventRow,
    InteractionRow,
)

RECORD_TYPES = ("interaction", "event", "attribute", "contact")
_CHUNK = 500
_PENDING = "sphere.readmodel.pending"


@dataclass(frozen=True, slots=True, order=True)
class HeldKey:
    """One counter: what kind of record, under which decision, from where, which day."""

    record_type: str
    purpose: str
    legal_basis: str
    outcome: str
    source: str
    channel: str
    special: str  # sorted, comma-separated Art. 9 categories; "" for none
    day: date
    reid: str = ""  # "<risk level>:<action>" of text kept without its author; "" otherwise


@dataclass(frozen=True, slots=True)
class HeldRow:
    """Counters summed over days."""

    record_type: str
    purpose: str
    legal_basis: str
    outcome: str
    source: str
    channel: str
    special: str
    n: int
    reid: str = ""

    @property
    def special_categories(self) -> tuple[str, ...]:
        return tuple(self.special.split(",")) if self.special else ()


Delta = tuple[Counter[HeldKey], Counter[tuple[str, str]]]


# --- measuring rows ---------------------------------------------------------------------
def _special(value: Any) -> str:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return ",".join(sorted(value or ()))


def _reid(risk: Any, action: Any) -> str:
    return f"{risk}:{action}" if risk else ""


def _day(value: datetime) -> date:
    return value.date()  # UTCDateTime returns aware UTC: the UTC day


def _measure(
    session: Session, record_type: str, ids: Sequence[str]
) -> tuple[Delta, list[tuple[PairKey, str]]]:
    """The counters the rows ``ids`` of ``record_type`` contribute (read from the DB),
    and their record pairs (``record_pairs``; interactions and events)."""
    counts: Counter[HeldKey] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    seen: list[tuple[PairKey, str]] = []
    for start in range(0, len(ids), _CHUNK):
        for row in session.execute(_dimensions(record_type, list(ids[start : start + _CHUNK]))):
            contact_id, purpose, basis, outcome, source, channel, special, at, risk, act = row[:10]
            key = HeldKey(
                record_type,
                purpose or "",
                basis or "",
                outcome or "",
                source or "",
                channel or "",
                _special(special),
                _day(at),
                _reid(risk, act),
            )
            counts[key] += 1
            if contact_id and purpose:
                pairs[(contact_id, purpose)] += 1
            row_id, visibility, addressing, flag, rule, version = row[10:]
            if record_type == "interaction":
                decision = (rule, purpose, version)
                pair = record_pairs.interaction_key(
                    contact_id, visibility, addressing, flag, source, decision
                )
                seen.append((pair, row_id))
            elif record_type == "event":
                pair = record_pairs.event_key(contact_id, channel, (rule, purpose, version))
                seen.append((pair, row_id))
    return (counts, pairs), seen


def _dimensions(record_type: str, ids: list[str]) -> Any:
    empty = literal("")
    none = null()
    if record_type == "interaction":
        i, d = InteractionRow, DecisionRow
        return (
            select(
                i.contact_id,
                d.purpose,
                d.legal_basis,
                d.outcome,
                i.source_name,
                i.channel,
                i.special_categories,
                i.ingested_at,
                i.reid_risk,
                i.reid_action,
                i.id,
                i.visibility,
                i.addressing,
                cast(i.special_categories, String) != literal_column("'[]'"),
                d.rule_id,
                d.policy_version,
            )
            .outerjoin(d, d.id == i.decision_id)
            .where(i.id.in_(ids))
        )
    if record_type == "event":
        e, d = EventRow, DecisionRow
        return (
            select(
                e.contact_id,
                d.purpose,
                d.legal_basis,
                d.outcome,
                empty,
                e.channel,
                literal("[]"),
                e.ingested_at,
                none,
                none,
                e.id,
                none,
                none,
                none,
                d.rule_id,
                d.policy_version,
            )
            .outerjoin(d, d.id == e.decision_id)
            .where(e.id.in_(ids))
        )
    if record_type == "attribute":
        a = AttributeRow
        return select(
            a.contact_id,
            a.purpose,
            a.legal_basis,
            empty,
            empty,
            empty,
            a.special_categories,
            a.created_at,
            *[none] * 8,
        ).where(a.id.in_(ids))
    if record_type == "contact":  # ids are decision ids of imports; erased contacts hold nothing
        d, c = DecisionRow, ContactRow
        return (
            select(
                d.contact_id,
                d.purpose,
                d.legal_basis,
                d.outcome,
                empty,
                empty,
                literal("[]"),
                d.decided_at,
                *[none] * 8,
            )
            .join(c, c.id == d.contact_id)
            .where(d.id.in_(ids), d.record_type == "contact", c.erased_at.is_(None))
        )
    raise ValueError(f"unknown record type {record_type!r}")


# --- pending deltas, per transaction ------------------------------------------------
class _Pending:
    """Deltas of one session, per (nested) transaction, until the outermost commit."""

    def __init__(self) -> None:
        self.frames: dict[SessionTransaction, tuple[Delta, PairChanges]] = {}
        # The rolled-back transactions themselves (not their id(): a freed object's id
        # is reused by the next SAVEPOINT's transaction).
        self.discarded: set[SessionTransaction] = set()

    def add(
        self,
        transaction: SessionTransaction,
        delta: Delta,
        sign: int,
        seen: Sequence[tuple[PairKey, str]] = (),
    ) -> None:
        (counts, pairs), changes = self.frames.setdefault(
            transaction, ((Counter(), Counter()), PairChanges())
        )
        for key, n in delta[0].items():
            counts[key] += sign * n
        for pair, n in delta[1].items():
            pairs[pair] += sign * n
        for record_pair, record_id in seen:
            changes.add(record_pair, record_id, sign)

    def take(self) -> tuple[Delta, PairChanges]:
        """The deltas of every transaction that was not rolled back; then forget them."""
        counts: Counter[HeldKey] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        changes = PairChanges()
        for transaction, ((c, p), r) in self.frames.items():
            if self._survived(transaction):
                counts.update(c)
                pairs.update(p)
                changes.merge(r)
        self.frames.clear()
        self.discarded.clear()
        return (counts, pairs), changes

    def _survived(self, transaction: SessionTransaction | None) -> bool:
        while transaction is not None:
            if transaction in self.discarded:
                return False
            transaction = transaction.parent
        return True


def _pending(session: Session) -> _Pending:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Pending()
        event.listen(session, "before_commit", _before_commit)
        event.listen(session, "after_soft_rollback", _after_soft_rollback)
        event.listen(session, "after_transaction_end", _after_transaction_end)
    return pending  # type: ignore[no-any-return]


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT is released: its deltas wait for the outermost commit
    pending = session.info.get(_PENDING)
    if pending is not None and pending.frames:
        delta, changes = pending.take()
        apply_delta(session, delta)
        record_pairs.apply(session, changes)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending is not None:
        pending.discarded.add(previous)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the unit of work is over (committed or rolled back)
        pending = session.info.get(_PENDING)
        if pending is not None:
            pending.frames.clear()
            pending.discarded.clear()


def _current_transaction(session: Session) -> SessionTransaction:
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None  # the measuring SELECT has begun one
    return transaction


def record_added(session: Session, record_type: str, ids: Iterable[str]) -> None:
    """Count rows just inserted (call after the INSERT, in the same transaction)."""
    _record(session, record_type, list(ids), +1)


def record_removed(session: Session, record_type: str, ids: Iterable[str]) -> None:
    """Uncount rows about to be deleted (call before the DELETE)."""
    _record(session, record_type, list(ids), -1)


def _record(session: Session, record_type: str, ids: list[str], sign: int) -> None:
    if not ids:
        return
    delta, seen = _measure(session, record_type, ids)
    if delta[0]:
        _pending(session).add(_current_transaction(session), delta, sign, seen)


_DECISIONS = "readmodel:decisions"


def decision_prepared(session: Session, row: dict[str, object]) -> None:
    """Remember a prepared decision's dimensions for this transaction, so the records
    written with it are counted without reading it back (the ingestion hot path)."""
    transaction_cache(session, _DECISIONS)[str(row["id"])] = (
        row["purpose"],
        row["legal_basis"],
        row["outcome"],
        row["rule_id"],
        row["policy_version"],
    )


def interactions_inserted(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Count interaction rows just inserted from their values (no SELECT), using the
    dimensions of decisions prepared in this transaction; rows whose decision is not
    known here are measured in SQL."""
    decisions = transaction_cache(session, _DECISIONS)
    counts: Counter[HeldKey] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    seen: list[tuple[PairKey, str]] = []
    unknown: list[str] = []
    for row in rows:
        dims = (
            decisions.get(str(row["decision_id"]))
            if row.get("decision_id")
            else ("", "", "", "", "")
        )
        if dims is None:
            unknown.append(str(row["id"]))
            continue
        purpose, basis, outcome, rule, version = (str(v or "") for v in dims)
        at = row["ingested_at"]
        assert isinstance(at, datetime)
        key = HeldKey(
            "interaction", purpose, basis, outcome, str(row["source_name"] or ""),
            str(row["channel"] or ""), _special(row["special_categories"]), _day(at),
            _reid(row.get("reid_risk"), row.get("reid_action")),
        )  # fmt: skip
        counts[key] += 1
        if row.get("contact_id") and purpose:
            pairs[(str(row["contact_id"]), purpose)] += 1
        special = record_pairs.special_flag(row["special_categories"])
        pair = record_pairs.interaction_key(
            row.get("contact_id"), row["visibility"], row["addressing"], special,
            row["source_name"], (rule, purpose, version),
        )  # fmt: skip
        seen.append((pair, str(row["id"])))
    if counts:
        _pending(session).add(_current_transaction(session), (counts, pairs), +1, seen)
    record_added(session, "interaction", unknown)


def contact_erased(session: Session, contact_id: str) -> None:
    """A contact is about to be marked erased: its import decisions no longer count."""
    ids = list(
        session.scalars(
            select(DecisionRow.id).where(
                DecisionRow.contact_id == contact_id, DecisionRow.record_type == "contact"
            )
        )
    )
    record_removed(session, "contact", ids)


# --- writing deltas -----------------------------------------------------------------
@cache
def _upsert_adding(is_postgres: bool, table: Any, keys: tuple[str, ...], column: str) -> Any:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET column = column + excluded.column``,
    built and compiled once per table (rows come as executemany parameters; a multi-row
    VALUES was compiled anew for every batch). The pairs' upsert returns the new value."""
    stmt = (postgresql.insert if is_postgres else sqlite.insert)(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + stmt.excluded[column]}
    )
    if table is HeldContactPurposeRow.__table__:
        return stmt.returning(table.c.contact_id, table.c.purpose, table.c.n)
    return stmt


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def apply_delta(session: Session, delta: Delta) -> None:
    """Add ``delta`` to the counters (one upsert per table, keys in order)."""
    counts, pairs = delta
    connection = session.connection()
    rows = [{**_key_dict(key), "n": n} for key, n in sorted(counts.items()) if n]
    table = HeldCountRow.__table__
    if rows:
        keys = tuple(c.name for c in table.primary_key.columns)
        stmt = _upsert_adding(_is_postgres(session), table, keys, "n")
        for start in range(0, len(rows), _CHUNK):
            connection.execute(stmt, rows[start : start + _CHUNK])
    emptied = [_key_dict(key) for key, n in counts.items() if n < 0]
    if emptied:
        c = table.c
        connection.execute(
            delete(table).where(
                c.record_type == _bind("record_type"),
                c.purpose == _bind("purpose"),
                c.legal_basis == _bind("legal_basis"),
                c.outcome == _bind("outcome"),
                c.source == _bind("source"),
                c.channel == _bind("channel"),
                c.special == _bind("special"),
                c.reid == _bind("reid"),
                c.day == _bind("day"),
                c.n == 0,
            ),
            emptied,
        )
    _apply_pairs(session, pairs)


def _bind(name: str) -> Any:
    return bindparam(name)


def _key_dict(key: HeldKey) -> dict[str, Any]:
    return {
        "record_type": key.record_type,
        "purpose": key.purpose,
        "legal_basis": key.legal_basis,
        "outcome": key.outcome,
        "source": key.source,
        "channel": key.channel,
        "special": key.special,
        "day": key.day,
        "reid": key.reid,
    }


def _apply_pairs(session: Session, pairs: Counter[tuple[str, str]]) -> None:
    """Per (contact, purpose) counts; a pair going from 0 to n (or back) moves the
    purpose's contact count. RETURNING gives the new value under the row lock, so two
    concurrent writers see each other's increments and count a transition once."""
    rows = [{"contact_id": c, "purpose": p, "n": n} for (c, p), n in sorted(pairs.items()) if n]
    if not rows:
        return
    table = HeldContactPurposeRow.__table__
    connection = session.connection()
    moved: Counter[str] = Counter()
    emptied: list[dict[str, str]] = []
    stmt = _upsert_adding(_is_postgres(session), table, ("contact_id", "purpose"), "n")
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        delta = {(r["contact_id"], r["purpose"]): r["n"] for r in chunk}
        for contact_id, purpose, new in connection.execute(stmt, chunk):
            old = new - delta[(contact_id, purpose)]
            if old <= 0 < new:
                moved[purpose] += 1
            elif new <= 0 < old:
                moved[purpose] -= 1
            if new == 0:
                emptied.append({"contact_id": contact_id, "purpose": purpose})
    if emptied:
        c = table.c
        connection.execute(
            delete(table).where(
                c.contact_id == _bind("contact_id"), c.purpose == _bind("purpose"), c.n == 0
            ),
            emptied,
        )
    totals = [{"purpose": p, "contacts": n} for p, n in sorted(moved.items()) if n]
    if totals:
        purposes = HeldPurposeContactsRow.__table__
        stmt = _upsert_adding(_is_postgres(session), purposes, ("purpose",), "contacts")
        connection.execute(stmt, totals)


# --- rebuilding from scratch ----------------------------------------------------------
def _day_of(session: Session, column: Any) -> Any:
    """The UTC day of a timestamp column, spelled without bound parameters (PostgreSQL
    matches GROUP BY expressions textually, and two binds are two expressions)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(literal_column("'UTC'"), column), Date)
    return func.substr(column, literal_column("1"), literal_column("10"))  # UTC text


def recompute(session: Session) -> Delta:
    """Every counter computed from the records with GROUP BY (no pending deltas)."""
    i, e, a, d, c = InteractionRow, EventRow, AttributeRow, DecisionRow, ContactRow
    empty = literal("")
    specials = cast(i.special_categories, String)
    queries = (
        select(
            literal("interaction"),
            func.coalesce(d.purpose, ""),
            func.coalesce(d.legal_basis, ""),
            func.coalesce(d.outcome, ""),
            i.source_name,
            i.channel,
            specials,
            _day_of(session, i.ingested_at),
            i.reid_risk,
            i.reid_action,
            func.count(),
        )
        .outerjoin(d, d.id == i.decision_id)
        .group_by(
            d.purpose,
            d.legal_basis,
            d.outcome,
            i.source_name,
            i.channel,
            specials,
            _day_of(session, i.ingested_at),
            i.reid_risk,
            i.reid_action,
        ),
        select(
            literal("event"),
            func.coalesce(d.purpose, ""),
            func.coalesce(d.legal_basis, ""),
            func.coalesce(d.outcome, ""),
            empty,
            e.channel,
            literal("[]"),
            _day_of(session, e.ingested_at),
            null(),
            null(),
            func.count(),
        )
        .outerjoin(d, d.id == e.decision_id)
        .group_by(d.purpose, d.legal_basis, d.outcome, e.channel, _day_of(session, e.ingested_at)),
        select(
            literal("attribute"),
            a.purpose,
            a.legal_basis,
            empty,
            empty,
            empty,
            cast(a.special_categories, String),
            _day_of(session, a.created_at),
            null(),
            null(),
            func.count(),
        ).group_by(
            a.purpose,
            a.legal_basis,
            cast(a.special_categories, String),
            _day_of(session, a.created_at),
        ),
        select(
            literal("contact"),
            d.purpose,
            func.coalesce(d.legal_basis, ""),
            d.outcome,
            empty,
            empty,
            literal("[]"),
            _day_of(session, d.decided_at),
            null(),
            null(),
            func.count(),
        )
        .join(c, c.id == d.contact_id)
        .where(d.record_type == "contact", c.erased_at.is_(None))
        .group_by(d.purpose, d.legal_basis, d.outcome, _day_of(session, d.decided_at)),
    )
    counts: Counter[HeldKey] = Counter()
    for query in queries:
        for (
            kind,
            purpose,
            basis,
            outcome,
            source,
            channel,
            special,
            day,
            risk,
            act,
            n,
        ) in session.execute(query):
            if isinstance(day, str):
                day = date.fromisoformat(day)
            key = HeldKey(
                kind,
                purpose,
                basis,
                outcome,
                source or "",
                channel or "",
                _special(special),
                day,
                _reid(risk, act),
            )
            counts[key] += n
    pairs: Counter[tuple[str, str]] = Counter()
    held = union_all(
        select(i.contact_id.label("contact_id"), d.purpose.label("purpose"))
        .join(d, d.id == i.decision_id)
        .where(i.contact_id.is_not(None)),
        select(e.contact_id, d.purpose)
        .join(d, d.id == e.decision_id)
        .where(e.contact_id.is_not(None)),
        select(a.contact_id, a.purpose),
        select(d.contact_id, d.purpose)
        .join(c, c.id == d.contact_id)
        .where(d.record_type == "contact", c.erased_at.is_(None)),
    ).subquery()
    for contact_id, purpose, n in session.execute(
        select(held.c.contact_id, held.c.purpose, func.count()).group_by(
            held.c.contact_id, held.c.purpose
        )
    ):
        pairs[(contact_id, purpose)] = n
    return counts, pairs


def stored(session: Session) -> Delta:
    """The counters as stored (rows with a zero count left out)."""
    counts: Counter[HeldKey] = Counter()
    for row in session.scalars(select(HeldCountRow).where(HeldCountRow.n != 0)):
        key = HeldKey(
            row.record_type,
            row.purpose,
            row.legal_basis,
            row.outcome,
            row.source,
            row.channel,
            row.special,
            row.day,
            row.reid,
        )
        counts[key] = row.n
    pairs: Counter[tuple[str, str]] = Counter()
    for contact_id, purpose, n in session.execute(
        select(
            HeldContactPurposeRow.contact_id, HeldContactPurposeRow.purpose, HeldContactPurposeRow.n
        ).where(HeldContactPurposeRow.n != 0)
    ):
        pairs[(contact_id, purpose)] = n
    return counts, pairs


def rebuild(session: Session) -> int:
    """Replace every counter with ``recompute``'s; returns the number of counter rows.
    Take it as a maintenance step: concurrent writers must be stopped (their deltas
    would be lost between the DELETE and the INSERT)."""
    _pending(session).take()  # anything pending is part of what is recomputed
    record_pairs.rebuild(session)
    counts, pairs = recompute(session)
    for table in (HeldCountRow, HeldContactPurposeRow, HeldPurposeContactsRow):
        session.execute(delete(table))
    connection = session.connection()
    rows = [{**_key_dict(k), "n": n} for k, n in sorted(counts.items()) if n]
    for start in range(0, len(rows), 5000):
        connection.execute(HeldCountRow.__table__.insert(), rows[start : start + 5000])
    pair_rows = [{"contact_id": c, "purpose": p, "n": n} for (c, p), n in pairs.items() if n]
    for start in range(0, len(pair_rows), 5000):
        connection.execute(
            HeldContactPurposeRow.__table__.insert(), pair_rows[start : start + 5000]
        )
    per_purpose = Counter(p for (_c, p), n in pairs.items() if n > 0)
    if per_purpose:
        connection.execute(
            HeldPurposeContactsRow.__table__.insert(),
            [{"purpose": p, "contacts": n} for p, n in sorted(per_purpose.items())],
        )
    return len(rows)


def needs_rebuild(session: Session) -> bool:
    """No counter at all while records exist (a database from before the read model)."""
    if session.scalar(select(HeldCountRow.record_type).limit(1)) is not None:
        return False
    for table in (InteractionRow, EventRow, AttributeRow):
        if session.scalar(select(table.id).limit(1)) is not None:
            return True
    return (
        session.scalar(select(DecisionRow.id).where(DecisionRow.record_type == "contact").limit(1))
        is not None
    )


def differences(session: Session) -> list[str]:
    """What the stored counters get wrong against a recomputation (empty: they agree)."""
    counts, pairs = stored(session)
    want_counts, want_pairs = recompute(session)
    problems = [
        f"held_counts {key}: stored {counts.get(key, 0)}, recomputed {want_counts.get(key, 0)}"
        for key in sorted(set(counts) | set(want_counts))
        if counts.get(key, 0) != want_counts.get(key, 0)
    ]
    problems += [
        f"held_contact_purposes {pair}: stored {pairs.get(pair, 0)}, "
        f"recomputed {want_pairs.get(pair, 0)}"
        for pair in sorted(set(pairs) | set(want_pairs))
        if pairs.get(pair, 0) != want_pairs.get(pair, 0)
    ]
    problems += record_pairs.differences(session)
    want_contacts = Counter(p for (_c, p), n in want_pairs.items() if n > 0)
    have_contacts = purpose_contacts(session)
    problems += [
        f"held_purpose_contacts {p}: stored {have_contacts.get(p, 0)}, "
        f"recomputed {want_contacts.get(p, 0)}"
        for p in sorted(set(want_contacts) | set(have_contacts))
        if have_contacts.get(p, 0) != want_contacts.get(p, 0)
    ]
    return problems


# --- reading ----------------------------------------------------------------------------
def held_rows(session: Session) -> list[HeldRow]:
    """The counters summed over days (zero sums left out)."""
    h = HeldCountRow
    dims = (
        h.record_type,
        h.purpose,
        h.legal_basis,
        h.outcome,
        h.source,
        h.channel,
        h.special,
        h.reid,
    )
    total = func.sum(h.n)
    return [
        HeldRow(*row[:7], n=int(row[8]), reid=row[7])
        for row in session.execute(select(*dims, total).group_by(*dims).having(total != 0))
    ]


def by_day(session: Session, *, since: date | None = None) -> Iterator[tuple[date, str, str, int]]:
    """(day, record type, purpose, count) per day, oldest first."""
    h = HeldCountRow
    query = select(h.day, h.record_type, h.purpose, func.sum(h.n)).group_by(
        h.day, h.record_type, h.purpose
    )
    if since is not None:
        query = query.where(h.day >= since)
    for day, record_type, purpose, n in session.execute(query.order_by(h.day)):
        yield day, record_type, purpose, int(n)


def purpose_contacts(session: Session) -> dict[str, int]:
    """Contacts holding at least one record per purpose."""
    rows = session.execute(
        select(HeldPurposeContactsRow.purpose, HeldPurposeContactsRow.contacts).where(
            HeldPurposeContactsRow.contacts != 0
        )
    )
    return {purpose: int(n) for purpose, n in rows}


def last_decided(session: Session, purposes: Iterable[str]) -> dict[str, datetime]:
    """The latest logged decision per purpose: one index lookup each
    (``ix_decisions_purpose_decided_at``), not a scan of the decision log."""
    found: dict[str, datetime] = {}
    for purpose in purposes:
        value = session.scalar(
            select(DecisionRow.decided_at)
            .where(DecisionRow.purpose == purpose)
            .order_by(DecisionRow.decided_at.desc())
            .limit(1)
        )
        if value is not None:
            found[purpose] = value
    return found
