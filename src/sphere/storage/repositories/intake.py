"""Listener cursors and stream receipts (see ``sphere.storage.intake_tables``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from sphere.storage.intake_tables import IntakeCursorRow, StreamReceiptRow


class IntakeCursorRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, source_name: str, stream: str) -> str | None:
        row = self.session.get(IntakeCursorRow, (source_name, stream))
        return None if row is None else row.cursor

    def set(self, source_name: str, stream: str, cursor: str, *, at: datetime) -> None:
        row = self.session.get(IntakeCursorRow, (source_name, stream))
        if row is None:
            self.session.add(
                IntakeCursorRow(
                    source_name=source_name, stream=stream, cursor=cursor, updated_at=at
                )
            )
        else:
            row.cursor, row.updated_at = cursor, at
        self.session.flush()


class StreamReceiptRepository:
    """Which stream messages have had their effect (written in the effect's transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def seen(self, msg_ids: Iterable[str]) -> set[str]:
        ids = list(msg_ids)
        if not ids:
            return set()
        found = self.session.scalars(
            select(StreamReceiptRow.msg_id).where(StreamReceiptRow.msg_id.in_(ids))
        )
        return set(found)

    def add(self, receipts: Iterable[tuple[str, int]], *, at: datetime) -> None:
        """Record ``(msg_id, stream sequence)`` pairs. A concurrent worker that recorded
        the same id first makes this raise ``IntegrityError``: the caller's transaction
        rolls back and the batch is retried, when ``seen`` then skips the message."""
        rows = [{"msg_id": m, "stream_seq": s, "processed_at": at} for m, s in receipts]
        if rows:
            self.session.execute(insert(StreamReceiptRow), rows)

    def count_before(self, before: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(StreamReceiptRow)
                .where(StreamReceiptRow.processed_at < before)
            )
            or 0
        )

    def prune(self, *, before: datetime) -> int:
        """Forget receipts older than the stream's duplicate window allows to matter."""
        result = self.session.execute(
            delete(StreamReceiptRow).where(StreamReceiptRow.processed_at < before)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
