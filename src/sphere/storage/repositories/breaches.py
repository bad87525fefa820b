"""The breach register (``breach_tables``) and the people and records a breach concerns,
computed set-based from the stores (no row is read into Python):

* ``interactions`` (posts and messages) by source name and ``ingested_at``;
* ``events`` (web and app use) by the sources' channels and ``ingested_at``;
* ``contacts`` — their identities (e-mail, handles) by channel and ``created_at``;
* ``attributes`` (recorded and derived facts) by ``created_at`` (derived data have no
  source of their own: a source filter does not narrow them).

A data-category filter picks the stores that hold the category (``STORE_CATEGORIES``);
``special_category`` alone narrows posts to those with Art. 9 data. People known only
by a pseudonym (no contact) are counted by their distinct subject keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, literal, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from sphere.errors import NotFound
from sphere.storage.breach_tables import BreachRow, BreachSubjectRow
from sphere.storage.tables import (
    AttributeRow,
    ContactRow,
    EventRow,
    IdentityRow,
    InteractionRow,
    SourceRow,
)

# Which store holds which data category (DataCategory values).
STORE_CATEGORIES: dict[str, frozenset[str]] = {
    "interactions": frozenset({"product_content", "general_content", "special_category"}),
    "events": frozenset({"behavioural"}),
    "contacts": frozenset({"contact_data"}),
    "attributes": frozenset({"profile_attribute", "social_graph", "special_category"}),
}
SYSTEMS = tuple(STORE_CATEGORIES)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a breach concerns: stores, sources (empty: all), data categories (empty:
    all the stores hold), and the time the records were stored in (None: open)."""

    systems: tuple[str, ...]
    sources: tuple[str, ...] = ()
    data_categories: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Affected:
    subjects: int  # contacts
    pseudonymous: int  # people known only by a pseudonym (distinct subject keys)
    records: int
    by_store: dict[str, int]
    by_source: dict[str, int]

    def detail(self) -> dict[str, Any]:
        return {"by_store": self.by_store, "by_source": self.by_source}


@dataclass(frozen=True, slots=True)
class Breach:
    """A breach as stored (detach-safe)."""

    id: str
    reference: str
    title: str
    description: str
    kinds: tuple[str, ...]
    started_at: datetime
    discovered_at: datetime
    ended_at: datetime | None
    systems: tuple[str, ...]
    sources: tuple[str, ...]
    data_categories: tuple[str, ...]
    records_from: datetime | None
    records_to: datetime | None
    affected_subjects: int
    affected_pseudonymous: int
    affected_records: int
    affected_detail: dict[str, Any]
    affected_at: datetime | None
    consequences: str
    measures: str
    risk: str
    risk_reasons: str
    notify_authority: bool | None
    authority_reason: str
    notify_subjects: bool | None
    subjects_reason: str
    decided_at: datetime | None
    decided_by: str | None
    authority_notified_at: datetime | None
    authority_reference: str
    delay_reason: str
    subjects_notified_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    created_by: str


_FIELDS = tuple(Breach.__dataclass_fields__)


def _breach(row: BreachRow) -> Breach:
    values = {name: getattr(row, name) for name in _FIELDS}
    for name in ("kinds", "systems", "sources", "data_categories"):
        values[name] = tuple(values[name] or ())
    values["affected_detail"] = dict(values["affected_detail"] or {})
    return Breach(**values)


class BreachRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_reference(self, year: int) -> str:
        prefix = f"BR-{year}-"
        taken = self.session.scalar(
            select(func.count())
            .select_from(BreachRow)
            .where(BreachRow.reference.like(f"{prefix}%"))
        )
        return f"{prefix}{int(taken or 0) + 1:03d}"

    def add(self, **values: Any) -> Breach:
        row = BreachRow(**values)
        self.session.add(row)
        self.session.flush()
        return _breach(row)

    def _row(self, breach_id: str) -> BreachRow:
        row = self.session.get(BreachRow, breach_id)
        if row is None:
            row = self.session.scalar(select(BreachRow).where(BreachRow.reference == breach_id))
        if row is None:
            raise NotFound(f"no breach {breach_id!r}")
        return row

    def get(self, breach_id: str) -> Breach:
        """By id or by reference (``BR-2026-001``)."""
        return _breach(self._row(breach_id))

    def update(self, breach_id: str, **values: Any) -> Breach:
        row = self._row(breach_id)
        for name, value in values.items():
            setattr(row, name, value)
        self.session.flush()
        return _breach(row)

    def list(self, *, open_only: bool = False) -> list[Breach]:
        query = select(BreachRow).order_by(BreachRow.discovered_at.desc(), BreachRow.id)
        if open_only:
            query = query.where(BreachRow.closed_at.is_(None))
        return [_breach(row) for row in self.session.scalars(query)]

    def of_contact(self, contact_id: str) -> list[Breach]:
        """Breaches that concerned this person (their portal)."""
        query = (
            select(BreachRow)
            .join(BreachSubjectRow, BreachSubjectRow.breach_id == BreachRow.id)
            .where(BreachSubjectRow.contact_id == contact_id)
            .order_by(BreachRow.discovered_at.desc())
        )
        return [_breach(row) for row in self.session.scalars(query)]

    # --- the people and records concerned ------------------------------------------

    def _selects(self, scope: Scope) -> dict[str, Select[Any]]:
        """Per store: SELECT contact_id, key_id, source FROM … WHERE the scope."""
        wanted = set(scope.data_categories)
        channels = (
            select(SourceRow.channel).where(SourceRow.name.in_(scope.sources)).scalar_subquery()
            if scope.sources
            else None
        )

        def window(query: Select[Any], column: Any) -> Select[Any]:
            if scope.since is not None:
                query = query.where(column >= scope.since)
            if scope.until is not None:
                query = query.where(column <= scope.until)
            return query

        found: dict[str, Select[Any]] = {}
        for store in scope.systems:
            if wanted and not wanted & STORE_CATEGORIES[store]:
                continue
            if store == "interactions":
                query = select(InteractionRow.contact_id, InteractionRow.key_id,
                               InteractionRow.source_name.label("source"))  # fmt: skip
                if scope.sources:
                    query = query.where(InteractionRow.source_name.in_(scope.sources))
                if wanted and wanted & STORE_CATEGORIES[store] == {"special_category"}:
                    query = query.where(cast(InteractionRow.special_categories, String) != "[]")
                found[store] = window(query, InteractionRow.ingested_at)
            elif store == "events":
                query = select(EventRow.contact_id, EventRow.key_id,
                               EventRow.channel.label("source"))  # fmt: skip
                if channels is not None:
                    query = query.where(EventRow.channel.in_(channels))
                found[store] = window(query, EventRow.ingested_at)
            elif store == "contacts":
                query = select(IdentityRow.contact_id, IdentityRow.key_id,
                               IdentityRow.channel.label("source"))  # fmt: skip
                if channels is not None:
                    query = query.where(IdentityRow.channel.in_(channels))
                found[store] = window(query, IdentityRow.created_at)
            else:
                query = select(AttributeRow.contact_id, AttributeRow.key_id,
                               literal("derived", String).label("source"))  # fmt: skip
                if wanted and wanted & STORE_CATEGORIES[store] == {"special_category"}:
                    query = query.where(cast(AttributeRow.special_categories, String) != "[]")
                found[store] = window(query, AttributeRow.created_at)
        return found

    def compute_affected(self, breach_id: str, scope: Scope) -> Affected:
        """Replace the breach's people with those the scope finds, and count records per
        store and per source — each one aggregate query, the people one INSERT … SELECT."""
        selects = {store: q.subquery() for store, q in self._selects(scope).items()}
        self.session.execute(
            delete(BreachSubjectRow).where(BreachSubjectRow.breach_id == breach_id)
        )
        by_store: dict[str, int] = {}
        by_source: dict[str, int] = {}
        for store, sub in selects.items():
            for source, n in self.session.execute(
                select(sub.c.source, func.count()).group_by(sub.c.source)
            ):
                by_store[store] = by_store.get(store, 0) + int(n)
                key = f"{store}:{source or '-'}"
                by_source[key] = by_source.get(key, 0) + int(n)
        subjects = pseudonymous = 0
        if selects:
            people = union(*(select(sub.c.contact_id) for sub in selects.values())).subquery()
            known = (
                select(literal(breach_id, String), people.c.contact_id)
                .where(people.c.contact_id.is_not(None))
                .where(people.c.contact_id.in_(select(ContactRow.id)))
                .distinct()  # a UNION of one SELECT is that SELECT: no de-duplication
            )
            self.session.execute(
                insert(BreachSubjectRow).from_select(["breach_id", "contact_id"], known)
            )
            subjects = int(self.session.scalar(
                select(func.count()).select_from(BreachSubjectRow)
                .where(BreachSubjectRow.breach_id == breach_id)
            ) or 0)  # fmt: skip
            keys = union(  # (counted with DISTINCT below for the same reason)
                *(
                    select(sub.c.key_id).where(sub.c.contact_id.is_(None))
                    for sub in selects.values()
                )
            ).subquery()
            pseudonymous = int(self.session.scalar(
                select(func.count(func.distinct(keys.c.key_id)))
                .where(keys.c.key_id.is_not(None))
            ) or 0)  # fmt: skip
        return Affected(subjects, pseudonymous, sum(by_store.values()), by_store, by_source)

    def subject_ids(self, breach_id: str, *, limit: int = 100_000) -> list[str]:
        return list(
            self.session.scalars(
                select(BreachSubjectRow.contact_id)
                .where(BreachSubjectRow.breach_id == breach_id)
                .order_by(BreachSubjectRow.contact_id)
                .limit(limit)
            )
        )
