"""Platform deletions that must win over late posts (``sphere.storage.intake_tables``).

With several workers a post and its deletion can be processed at the same time in two
transactions. Both sides take a transaction-scoped advisory lock on the post's key
(PostgreSQL; SQLite has one writer anyway) before they look: the second to get it sees
what the first committed — the deletion finds the stored post and deletes it, or the
post finds the tombstone and is not stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from sphere.domain import Channel
from sphere.storage.intake_tables import TombstoneRow

Key = tuple[Channel, str]
DELETED, SUPERSEDED = "deleted", "superseded"


def _lock_id(key: Key) -> int:
    digest = hashlib.sha256(f"sphere.post:{key[0].value}:{key[1]}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@cache
def _add_statement(is_postgres: bool, *, replace: bool) -> Executable:
    """The upsert of one mark, built once (values come as parameters): a deletion's mark
    overwrites the row (reason and time: the inserted ones), a superseding one never."""
    statement = (postgresql.insert if is_postgres else sqlite.insert)(TombstoneRow)
    if replace:
        return statement.on_conflict_do_update(
            index_elements=["channel", "source_id"],
            set_={"reason": statement.excluded.reason, "deleted_at": statement.excluded.deleted_at},
        )
    return statement.on_conflict_do_nothing()


class TombstoneRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.is_postgres = session.get_bind().dialect.name == "postgresql"

    def lock(self, keys: Iterable[Key]) -> None:
        """Serialise with concurrent transactions touching the same posts (sorted, so two
        transactions take shared keys in the same order)."""
        if not self.is_postgres:
            return
        ids = sorted({_lock_id(k) for k in keys})
        if ids:
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ids AS bigint[])) AS k"),
                {"ids": ids},
            )

    def add(self, key: Key, *, at: datetime, reason: str = DELETED) -> None:
        """Mark ``key``; a deletion replaces a ``superseded`` mark, never the reverse."""
        self.session.execute(
            _add_statement(self.is_postgres, replace=reason == DELETED),
            {"channel": key[0].value, "source_id": key[1], "deleted_at": at, "reason": reason},
        )

    def among(self, keys: Iterable[Key]) -> dict[Key, str]:
        """Which of ``keys`` are marked, with the reason (one query)."""
        wanted = {(k[0].value, k[1]) for k in keys}
        if not wanted:
            return {}
        rows = self.session.execute(
            select(TombstoneRow.channel, TombstoneRow.source_id, TombstoneRow.reason).where(
                tuple_(TombstoneRow.channel, TombstoneRow.source_id).in_(list(wanted))
            )
        )
        return {(Channel(c), s): reason for c, s, reason in rows}
