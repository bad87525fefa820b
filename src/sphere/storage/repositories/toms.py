"""Technical and organisational measures (GDPR Art. 32): the declared register
(``tom_tables``) and the few reads that evidence the measures Sphere implements itself
(subject keys, staff roles, the newest audit entry of an action). Counts and dates only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sphere.errors import InvalidInput
from sphere.storage.auth_tables import ApiTokenRow, StaffUserRow
from sphere.storage.entities import AuditEntry
from sphere.storage.pipeline_tables import IngestRunRow
from sphere.storage.repositories.audit import _entry
from sphere.storage.tables import AuditEntryRow, IdentityRow, SubjectKeyRow
from sphere.storage.tom_tables import SecurityMeasureRow


@dataclass(frozen=True, slots=True)
class DeclaredMeasure:
    id: str
    key: str
    title: str
    description: str
    kind: str
    goal: str
    owner: str
    review_due: datetime
    last_reviewed_at: datetime | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


def _measure(row: SecurityMeasureRow) -> DeclaredMeasure:
    return DeclaredMeasure(**{n: getattr(row, n) for n in DeclaredMeasure.__dataclass_fields__})


class MeasureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, key: str) -> SecurityMeasureRow | None:
        return self.session.scalar(select(SecurityMeasureRow).where(SecurityMeasureRow.key == key))

    def add(self, **values: Any) -> DeclaredMeasure:
        if self._row(values["key"]) is not None:
            raise InvalidInput(f"key: a measure {values['key']!r} is declared already")
        row = SecurityMeasureRow(**values)
        self.session.add(row)
        self.session.flush()
        return _measure(row)

    def update(self, key: str, **values: Any) -> DeclaredMeasure:
        row = self._row(key)
        if row is None:
            raise InvalidInput(f"key: no declared measure {key!r}")
        for name, value in values.items():
            setattr(row, name, value)
        self.session.flush()
        return _measure(row)

    def get(self, key: str) -> DeclaredMeasure | None:
        row = self._row(key)
        return _measure(row) if row is not None else None

    def list(self) -> list[DeclaredMeasure]:
        rows = self.session.scalars(
            select(SecurityMeasureRow).order_by(SecurityMeasureRow.goal, SecurityMeasureRow.key)
        )
        return [_measure(row) for row in rows]


@dataclass(frozen=True, slots=True)
class KeyStats:
    live: int
    destroyed: int
    kek_ids: tuple[str, ...]  # master keys the live subject keys are wrapped under
    oldest_live: datetime | None


def subject_key_stats(session: Session) -> KeyStats:
    """Live and destroyed subject keys, the master keys wrapping the live ones and the
    oldest live key: one pass over ``subject_keys`` (grouped by master key and state)."""
    live = SubjectKeyRow.destroyed_at.is_(None)
    counts = {True: 0, False: 0}
    keks: set[str] = set()
    oldest: datetime | None = None
    for kek_id, is_live, n, first in session.execute(
        select(
            SubjectKeyRow.kek_id, live, func.count(), func.min(SubjectKeyRow.created_at)
        ).group_by(SubjectKeyRow.kek_id, live)
    ):
        counts[bool(is_live)] += int(n)
        if is_live:
            keks.update([kek_id] if kek_id else [])
            oldest = first if oldest is None or (first is not None and first < oldest) else oldest
    return KeyStats(
        live=counts[True], destroyed=counts[False], kek_ids=tuple(sorted(keks)), oldest_live=oldest
    )


def staff_by_role(session: Session) -> dict[str, tuple[int, int]]:
    """role → (active accounts, of them with a password still to change)."""
    rows = session.execute(
        select(
            StaffUserRow.role,
            func.count(),
            func.sum(case((StaffUserRow.must_change_password.is_(True), 1), else_=0)),
        )
        .where(StaffUserRow.is_active.is_(True))
        .group_by(StaffUserRow.role)
    ).all()
    return {role: (int(n), int(pending or 0)) for role, n, pending in rows}


def live_api_tokens(session: Session, *, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ApiTokenRow)
            .where(
                ApiTokenRow.revoked_at.is_(None),
                (ApiTokenRow.expires_at.is_(None)) | (ApiTokenRow.expires_at > now),
            )
        )
        or 0
    )


def newest_entry(session: Session, action: str) -> AuditEntry | None:
    """The newest audit entry of ``action`` (indexed), e.g. the last key rotation."""
    row = session.scalar(
        select(AuditEntryRow)
        .where(AuditEntryRow.action == action)
        .order_by(AuditEntryRow.seq.desc())
        .limit(1)
    )
    return _entry(row) if row is not None else None


def identity_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(IdentityRow)) or 0)


def ingest_runs(session: Session) -> tuple[int, int]:
    """(ingest runs recorded with a checkpoint, of them completed)."""
    rows = dict(
        session.execute(
            select(IngestRunRow.completed, func.count()).group_by(IngestRunRow.completed)
        ).all()
    )
    return int(sum(rows.values())), int(rows.get(True, 0))
