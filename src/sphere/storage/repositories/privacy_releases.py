"""The privacy accountant's ledger: releases of anonymous figures and their cost.

Append-only (no update or delete): the budget spent in a period is the sum of its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sphere.storage.release_tables import PrivacyReleaseRow


@dataclass(frozen=True, slots=True)
class StoredRelease:
    scope: str
    period: str
    release_key: str
    epsilon: float
    delta: float
    released_at: datetime
    payload: dict[str, Any]


class ReleaseAlreadyRecorded(Exception):
    """Another transaction recorded the same release first (re-read it)."""


class PrivacyReleaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, scope: str, release_key: str) -> StoredRelease | None:
        row = self.session.scalar(
            select(PrivacyReleaseRow).where(
                PrivacyReleaseRow.scope == scope, PrivacyReleaseRow.release_key == release_key
            )
        )
        return None if row is None else _entity(row)

    def spent(self, scope: str, period: str) -> tuple[float, float]:
        """(Σε, Σδ) spent by ``scope`` in ``period`` (sequential composition)."""
        eps, dlt = self.session.execute(
            select(
                func.coalesce(func.sum(PrivacyReleaseRow.epsilon), 0.0),
                func.coalesce(func.sum(PrivacyReleaseRow.delta), 0.0),
            ).where(PrivacyReleaseRow.scope == scope, PrivacyReleaseRow.period == period)
        ).one()
        return float(eps), float(dlt)

    def add(self, release: StoredRelease) -> None:
        """Record a release in a SAVEPOINT; a concurrent duplicate raises
        :class:`ReleaseAlreadyRecorded` and leaves the caller's transaction usable."""
        try:
            with self.session.begin_nested():
                self.session.add(
                    PrivacyReleaseRow(
                        scope=release.scope,
                        period=release.period,
                        release_key=release.release_key,
                        epsilon=release.epsilon,
                        delta=release.delta,
                        released_at=release.released_at,
                        payload=release.payload,
                    )
                )
                self.session.flush()
        except IntegrityError as exc:
            raise ReleaseAlreadyRecorded(release.release_key) from exc

    def list(self, scope: str | None = None, period: str | None = None) -> list[StoredRelease]:
        query = select(PrivacyReleaseRow).order_by(PrivacyReleaseRow.released_at)
        if scope is not None:
            query = query.where(PrivacyReleaseRow.scope == scope)
        if period is not None:
            query = query.where(PrivacyReleaseRow.period == period)
        return [_entity(r) for r in self.session.scalars(query)]


def _entity(row: PrivacyReleaseRow) -> StoredRelease:
    return StoredRelease(
        row.scope,
        row.period,
        row.release_key,
        row.epsilon,
        row.delta,
        row.released_at,
        dict(row.payload),
    )
