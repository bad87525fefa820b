"""Input that could not be processed, kept for a person to look at or a retry.

The raw payload may hold personal data, so it is encrypted under a per-record key
(``record:<uuid>``); deleting the item destroys that key. ``reason`` must name the
problem and the place, never the content.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sphere.domain.time import utcnow
from sphere.errors import NotFound
from sphere.storage.crypto import Keyring, SubjectKeyDestroyed, record_subject
from sphere.storage.entities import QuarantineItem
from sphere.storage.limits import column_length, storable_text
from sphere.storage.tables import QuarantineRow

DEFAULT_RETENTION = timedelta(days=30)
_REASON_CHARS = 2_000


class QuarantineRepository:
    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring

    def _row(self, item_id: str) -> QuarantineRow:
        row = self.session.get(QuarantineRow, item_id)
        if row is None:
            raise NotFound(f"quarantine item {item_id} not found")
        return row

    def _entity(self, row: QuarantineRow, *, with_payload: bool) -> QuarantineItem:
        payload: str | None = None
        if with_payload and row.payload_ciphertext is not None and row.key_id is not None:
            try:
                payload = self.keyring.decrypt_text(
                    self.session, row.key_id, row.payload_ciphertext
                )
            except SubjectKeyDestroyed:
                payload = None
        return QuarantineItem(
            id=row.id,
            source_name=row.source_name,
            file=row.file,
            line=row.line,
            reason=row.reason,
            payload=payload,
            created_at=row.created_at,
            retried_at=row.retried_at,
        )

    def add(
        self,
        source_name: str,
        *,
        file: str,
        line: int | None,
        reason: str,
        payload: str | None = None,
        at: datetime | None = None,
        keep_for: timedelta = DEFAULT_RETENTION,
    ) -> QuarantineItem:
        """Store an item; it is due for deletion ``keep_for`` after ``at``.

        Nothing in what is stored can make this fail: reason, file name and payload are
        made storable first (``storable_text``), since they may quote the hostile input
        the item is quarantined for."""
        at = at or utcnow()
        reason = storable_text(reason, limit=_REASON_CHARS)
        file = storable_text(file, limit=column_length(QuarantineRow.__table__.c.file))
        payload = None if payload is None else storable_text(payload)
        key_id = record_subject() if payload is not None else None
        row = QuarantineRow(
            source_name=source_name,
            file=file,
            line=line,
            reason=reason,
            payload_ciphertext=(
                None
                if key_id is None
                else self.keyring.encrypt_for(self.session, key_id, payload or "")
            ),
            key_id=key_id,
            created_at=at,
            retention_until=at + keep_for,
        )
        self.session.add(row)
        self.session.flush()
        return self._entity(row, with_payload=False)

    def lines_held(self, source_name: str, *, file: str) -> set[int]:
        """Line numbers of ``file`` already in quarantine (a re-published file adds none)."""
        rows = self.session.scalars(
            select(QuarantineRow.line).where(
                QuarantineRow.source_name == source_name, QuarantineRow.file == file
            )
        )
        return {line for line in rows if line is not None}

    def get(self, item_id: str) -> QuarantineItem:
        """The item with its decrypted payload."""
        return self._entity(self._row(item_id), with_payload=True)

    def list(
        self,
        *,
        source_name: str | None = None,
        pending_only: bool = False,
        limit: int | None = None,
    ) -> list[QuarantineItem]:
        """Items without payload, oldest first."""
        query = select(QuarantineRow).order_by(QuarantineRow.created_at, QuarantineRow.id)
        if source_name is not None:
            query = query.where(QuarantineRow.source_name == source_name)
        if pending_only:
            query = query.where(QuarantineRow.retried_at.is_(None))
        if limit is not None:
            query = query.limit(limit)
        return [self._entity(r, with_payload=False) for r in self.session.scalars(query)]

    def payloads(self, *, batch: int = 500) -> Iterator[tuple[str, str | None]]:
        """(id, decrypted payload) of every item, read in batches with their keys
        preloaded (an erasure looks for a person's identifiers in all of them)."""
        after: str | None = None
        while True:
            query = (
                select(QuarantineRow.id, QuarantineRow.key_id, QuarantineRow.payload_ciphertext)
                .order_by(QuarantineRow.id)
                .limit(batch)
            )
            if after is not None:
                query = query.where(QuarantineRow.id > after)
            rows = self.session.execute(query).all()
            if not rows:
                return
            self.keyring.preload_keys(self.session, [k for _, k, _ in rows if k])
            for item_id, key_id, ciphertext in rows:
                payload = None
                if key_id is not None and ciphertext is not None:
                    try:
                        payload = self.keyring.decrypt_text(self.session, key_id, ciphertext)
                    except SubjectKeyDestroyed:
                        payload = None
                yield item_id, payload
            after = rows[-1][0]

    def mark_retried(self, item_id: str, *, at: datetime | None = None) -> QuarantineItem:
        row = self._row(item_id)
        row.retried_at = at or utcnow()
        self.session.flush()
        return self._entity(row, with_payload=False)

    def expired(self, *, now: datetime) -> list[str]:
        """Ids of items past their retention deadline, oldest first."""
        query = (
            select(QuarantineRow.id)
            .where(QuarantineRow.retention_until <= now)
            .order_by(QuarantineRow.retention_until, QuarantineRow.id)
        )
        return list(self.session.scalars(query))

    def delete(self, item_id: str) -> None:
        """Delete the item and crypto-shred its payload key."""
        row = self._row(item_id)
        if row.key_id is not None:
            self.keyring.destroy_key(self.session, row.key_id)
        self.session.delete(row)
        self.session.flush()
