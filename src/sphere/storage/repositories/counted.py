"""Which anonymously counted posts were counted already (``storage.counted_tables``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from sphere.storage.counted_tables import COUNTED_RETENTION, CountedPostRow

_CHUNK = 500


@cache
def _claim_statement(is_postgres: bool) -> Executable:
    """INSERT … ON CONFLICT DO NOTHING RETURNING token, built and compiled once (the rows
    come as executemany parameters; a multi-row VALUES was compiled anew per batch)."""
    table = CountedPostRow.__table__
    insert = postgresql.insert if is_postgres else sqlite.insert
    return insert(table).on_conflict_do_nothing().returning(table.c.token)


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
        statement = _claim_statement(self.session.get_bind().dialect.name == "postgresql")
        table = CountedPostRow.__table__
        fresh: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            known = set(self.session.scalars(select(table.c.token).where(table.c.token.in_(chunk))))
            rows = [
                {"token": t, "expires_at": at + COUNTED_RETENTION} for t in chunk if t not in known
            ]
            if rows:
                fresh.update(self.session.connection().execute(statement, rows).scalars())
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
