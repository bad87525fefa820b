"""Storage side of the audit chain. The hashing and the rules live in ``sphere.audit``;
this module only reads and writes rows. There is no update or delete method.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from sphere.errors import AuditError
from sphere.storage.entities import AuditEntry
from sphere.storage.tables import AuditEntryRow, AuditHeadRow

GENESIS_HASH = "0" * 64
HEAD_ID = 1


def _entry(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject_id=row.subject_id,
        object_ids=tuple(row.object_ids),
        purpose=row.purpose,
        legal_basis=row.legal_basis,
        details=dict(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
        key_id=row.key_id,
    )


# Core statements built once: ``record`` runs for every stored datum.
_INSERT_ENTRY = insert(AuditEntryRow.__table__)
_MOVE_HEAD = (
    update(AuditHeadRow.__table__)
    .where(
        AuditHeadRow.__table__.c.id == bindparam("head_id"),
        AuditHeadRow.__table__.c.seq == bindparam("expected"),
    )
    .values(seq=bindparam("seq"), hash=bindparam("hash"))
)


def _row_values(entry: AuditEntry) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "subject_id": entry.subject_id,
        "object_ids": list(entry.object_ids),
        "purpose": entry.purpose,
        "legal_basis": entry.legal_basis,
        "details": dict(entry.details),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "key_id": entry.key_id,
    }


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_head(self) -> tuple[int, str]:
        """Lock the chain head for this transaction and return (last seq, last hash).

        PostgreSQL: ``SELECT … FOR UPDATE`` makes a concurrent writer wait until this
        transaction ends, then it reads the new head — the chain cannot fork. SQLite
        has one writer at a time (``BEGIN IMMEDIATE``) so the lock is implicit.
        """
        row = self.session.execute(
            select(AuditHeadRow.seq, AuditHeadRow.hash)
            .where(AuditHeadRow.id == HEAD_ID)
            .with_for_update()
        ).one_or_none()
        if row is None:  # schema created without the migration's genesis row
            self.session.execute(insert(AuditHeadRow).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH))
            return 0, GENESIS_HASH
        return int(row.seq), str(row.hash)

    def key_id_of(self, seq: int) -> str | None:
        """The HMAC key id of entry ``seq`` (None: plain SHA-256, or no such entry)."""
        return self.session.scalar(select(AuditEntryRow.key_id).where(AuditEntryRow.seq == seq))

    def first_id(self) -> str | None:
        """The id of entry 1: it names the chain in checkpoints."""
        return self.session.scalar(select(AuditEntryRow.id).where(AuditEntryRow.seq == 1))

    def head(self) -> tuple[int, str]:
        row = self.session.get(AuditHeadRow, HEAD_ID)
        return (0, GENESIS_HASH) if row is None else (row.seq, row.hash)

    def append_many(self, entries: list[AuditEntry]) -> None:
        """Insert consecutive entries with one executemany and move the head once."""
        connection = self.session.connection()
        connection.execute(_INSERT_ENTRY, [_row_values(e) for e in entries])
        moved = connection.execute(
            _MOVE_HEAD,
            {
                "head_id": HEAD_ID,
                "expected": entries[0].seq - 1,
                "seq": entries[-1].seq,
                "hash": entries[-1].hash,
            },
        )
        if moved.rowcount != 1:
            raise AuditError("audit chain head moved during append; lock_head() first")

    def append(self, entry: AuditEntry) -> None:
        """Insert ``entry`` and move the head to it (call ``lock_head`` first).

        Plain INSERT/UPDATE statements, not the ORM unit of work: the log is append-only
        and this keeps ``record`` cheap enough to call for every stored datum.
        """
        connection = self.session.connection()
        connection.execute(_INSERT_ENTRY, _row_values(entry))
        moved = connection.execute(
            _MOVE_HEAD,
            {"head_id": HEAD_ID, "expected": entry.seq - 1, "seq": entry.seq, "hash": entry.hash},
        )
        if moved.rowcount != 1:
            raise AuditError("audit chain head moved during append; lock_head() first")

    def iter_entries(self, *, batch: int = 1000, after: int | None = None) -> Iterator[AuditEntry]:
        """Every entry (after seq ``after``) in ``seq`` order, fetched in batches (keyset
        pagination)."""
        while True:
            query = select(AuditEntryRow).order_by(AuditEntryRow.seq).limit(batch)
            if after is not None:
                query = query.where(AuditEntryRow.seq > after)
            rows = list(self.session.scalars(query))
            if not rows:
                return
            for row in rows:
                yield _entry(row)
            after = rows[-1].seq

    def latest(self, limit: int = 50, *, offset: int = 0) -> list[AuditEntry]:
        """Newest first; ``offset`` skips that many of the newest (for paging)."""
        rows = self.session.scalars(
            select(AuditEntryRow).order_by(AuditEntryRow.seq.desc()).offset(offset).limit(limit)
        )
        return [_entry(r) for r in rows]

    def page(
        self,
        *,
        limit: int,
        before: int | None = None,
        actor: str | None = None,
        action: str | None = None,
        subject_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AuditEntry]:
        """Newest first, keyset-paginated on ``seq`` (entries before ``before``), filtered
        by actor (exact, or a prefix ending in ``:`` such as ``dpo:``), action (exact, or
        a prefix ending in ``.`` such as ``consent.``), subject and time range. Each
        filter has an index, so a page costs the same on page 1 and page 10,000."""
        e = AuditEntryRow
        query = select(e).order_by(e.seq.desc()).limit(limit)
        if before is not None:
            query = query.where(e.seq < before)
        for column, value, separator in ((e.actor, actor, ":"), (e.action, action, ".")):
            if value:
                prefix = value.endswith(separator)
                query = query.where(
                    column.startswith(value, autoescape=True) if prefix else column == value
                )
        if subject_id:
            query = query.where(e.subject_id == subject_id)
        if since is not None:
            query = query.where(e.at >= since)
        if until is not None:
            query = query.where(e.at < until)
        return [_entry(r) for r in self.session.scalars(query)]

    def for_subject(self, subject_id: str) -> list[AuditEntry]:
        rows = self.session.scalars(
            select(AuditEntryRow)
            .where(AuditEntryRow.subject_id == subject_id)
            .order_by(AuditEntryRow.seq)
        )
        return [_entry(r) for r in rows]

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(AuditEntryRow)) or 0
