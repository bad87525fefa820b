"""The cockpit home's figures per UTC day, read set-based from small tables or indexes:
the held read model (records stored per day), the anonymous counters, quarantined
lines, the consent ledger (by ``ix_consents_recorded_at``) and the requests. Counts and
dates only; nothing about a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, cast, func, or_, select
from sqlalchemy.orm import Session

from sphere.storage.readmodel_tables import HeldCountRow
from sphere.storage.rights_tables import DsrRequestRow
from sphere.storage.tables import AggregateRow, ConsentRow, QuarantineRow

# Record types that enter by ingestion (derived attributes are made later, by enrichment).
INGESTED = ("interaction", "event", "contact")


def _day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, on either backend."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _since(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def ingestion_by_day(session: Session, *, since: date) -> dict[str, dict[date, int]]:
    """Per outcome and day from ``since``: records stored (and still held), lines counted
    anonymously without storage, lines quarantined."""
    out: dict[str, dict[date, int]] = {"stored": {}, "counted": {}, "quarantined": {}}
    h = HeldCountRow
    for day, n in session.execute(
        select(h.day, func.sum(h.n))
        .where(h.day >= since, h.record_type.in_(INGESTED))
        .group_by(h.day)
    ):
        out["stored"][_as_date(day)] = int(n or 0)
    a = AggregateRow
    for day, n in session.execute(
        select(a.day, func.sum(a.count)).where(a.day >= since).group_by(a.day)
    ):
        out["counted"][_as_date(day)] = int(n or 0)
    q_day = _day(session, QuarantineRow.created_at)
    for day, n in session.execute(
        select(q_day, func.count()).where(QuarantineRow.created_at >= _since(since)).group_by(q_day)
    ):
        out["quarantined"][_as_date(day)] = int(n or 0)
    return out


def consent_by_day(session: Session, *, since: date) -> dict[str, dict[date, int]]:
    """Consent grants and withdrawals recorded per day from ``since`` (the ledger)."""
    out: dict[str, dict[date, int]] = {"given": {}, "withdrawn": {}}
    c_day = _day(session, ConsentRow.recorded_at)
    for day, action, n in session.execute(
        select(c_day, ConsentRow.action, func.count())
        .where(ConsentRow.recorded_at >= _since(since))
        .group_by(c_day, ConsentRow.action)
    ):
        out.setdefault(str(action), {})[_as_date(day)] = int(n or 0)
    return out


@dataclass(frozen=True, slots=True)
class RequestDates:
    type: str
    state: str
    received_at: datetime
    completed_at: datetime | None


def requests_since(session: Session, *, since: date) -> list[RequestDates]:
    """Requests received or closed from ``since`` (the request table is small: people,
    not records)."""
    r = DsrRequestRow
    start = _since(since)
    return [
        RequestDates(*row)
        for row in session.execute(
            select(r.type, r.state, r.received_at, r.completed_at).where(
                or_(r.received_at >= start, r.completed_at >= start)
            )
        )
    ]
