"""Which anonymously counted posts were counted already (``storage.counted_tables``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sphere.storage.counted_tables import COUNTED_RETENTION, CountedPostRow

_CHUNK = 500


class CountedPostRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, tokens: Iterable[str], *, at: datetime) -> set[str]:
        """The tokens not counted before, now recorded as counted. A race between two
        writers is settled by the primary key: ON CONFLICT DO NOTHING ... RETURNING gives
        each token to one of them only."""
        wanted = sorted(set(tokens))
        if not wanted:
            return set()
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = CountedPostRow.__table__
        fresh: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            known = set(self.session.scalars(select(table.c.token).where(table.c.token.in_(chunk))))
            rows = [
                {"token": t, "expires_at": at + COUNTED_RETENTION} for t in chunk if t not in known
            ]
            if rows:
                statement = (
                    insert(table).values(rows).on_conflict_do_nothing().returning(table.c.token)
                )
                fresh.update(self.session.connection().execute(statement).scalars())
        return fresh

    def purge_expired(self, *, now: datetime) -> int:
        result = self.session.execute(
            delete(CountedPostRow).where(CountedPostRow.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def count_expired(self, *, now: datetime) -> int:
        query = (
            select(func.count()).select_from(CountedPostRow).where(CountedPostRow.expires_at <= now)
        )
        return int(self.session.scalar(query) or 0)
