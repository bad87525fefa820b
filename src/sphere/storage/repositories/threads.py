"""Keyed conversation marks (``thread_marks``): read set-based, upserted race-free.

The caller computes the keys (``Keyring.thread_mark``); this repository never sees a
platform id. Several workers may mark the same conversation at once: the upsert keeps
one row and the later expiry (``ON CONFLICT DO UPDATE``, keys in sorted order so two
transactions lock the same rows in the same order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from sphere.storage.thread_tables import ThreadMarkRow

_CHUNK = 1000


@cache
def _mark_statement(is_postgres: bool) -> Executable:
    """The upsert of one mark, built and compiled once (rows come as executemany
    parameters): a known key keeps the later expiry."""
    table = ThreadMarkRow.__table__
    stmt = (postgresql.insert if is_postgres else sqlite.insert)(table)
    later = func.greatest if is_postgres else func.max
    return stmt.on_conflict_do_update(
        index_elements=["mark_key"],
        set_={"expires_at": later(table.c.expires_at, stmt.excluded.expires_at)},
    )


class ThreadMarkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def present(self, keys: Iterable[str], *, now: datetime) -> set[str]:
        """Which of ``keys`` are marked and not expired (one query per 1,000 keys)."""
        wanted = sorted(set(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            found.update(
                self.session.scalars(
                    select(ThreadMarkRow.mark_key).where(
                        ThreadMarkRow.mark_key.in_(wanted[start : start + _CHUNK]),
                        ThreadMarkRow.expires_at > now,
                    )
                )
            )
        return found

    def mark(self, kinds: Mapping[str, str], *, expires_at: datetime) -> None:
        """Insert ``key → kind`` marks, or extend their expiry (race-free upsert)."""
        if not kinds:
            return
        statement = _mark_statement(self.session.get_bind().dialect.name == "postgresql")
        rows = [{"mark_key": k, "kind": kinds[k], "expires_at": expires_at} for k in sorted(kinds)]
        connection = self.session.connection()
        for start in range(0, len(rows), _CHUNK):
            connection.execute(statement, rows[start : start + _CHUNK])

    def purge_expired(self, *, now: datetime) -> int:
        result = self.session.execute(delete(ThreadMarkRow).where(ThreadMarkRow.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)

    def count_expired(self, *, now: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(ThreadMarkRow)
                .where(ThreadMarkRow.expires_at <= now)
            )
            or 0
        )
