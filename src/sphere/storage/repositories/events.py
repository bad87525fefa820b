"""Web and mobile events (observed behaviour). The payload is encrypted as JSON under
the contact's key, a pseudonym's key (cookie/device id known only by blind index) or a
per-record key; idempotent by (channel, source_id) when the source gives an id."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sphere.domain import Channel
from sphere.domain.time import utcnow
from sphere.errors import NotFound
from sphere.storage.crypto import Keyring, SubjectKeyDestroyed, record_subject
from sphere.storage.entities import Event, NewEvent
from sphere.storage.repositories import crm_sync, readmodel
from sphere.storage.tables import EventRow

_EXISTS = select(EventRow.__table__.c.id).where(
    EventRow.__table__.c.channel == bindparam("channel"),
    EventRow.__table__.c.source_id == bindparam("source_id"),
)


class EventRepository:
    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring

    def _entity(self, row: EventRow) -> Event:
        payload: dict[str, Any] | None = None
        if row.payload_ciphertext is not None and row.key_id is not None:
            try:
                payload = json.loads(
                    self.keyring.decrypt_for(self.session, row.key_id, row.payload_ciphertext)
                )
            except SubjectKeyDestroyed:
                payload = None
        return Event(
            id=row.id,
            contact_id=row.contact_id,
            channel=Channel(row.channel),
            kind=row.kind,
            source_id=row.source_id,
            payload=payload,
            key_id=row.key_id,
            occurred_at=row.occurred_at,
            ingested_at=row.ingested_at,
            decision_id=row.decision_id,
            retention_until=row.retention_until,
        )

    def _by_source(self, channel: Channel, source_id: str) -> EventRow | None:
        return self.session.scalar(
            select(EventRow).where(
                EventRow.channel == channel.value, EventRow.source_id == source_id
            )
        )

    def exists(self, channel: Channel, source_id: str) -> bool:
        found = self.session.connection().execute(
            _EXISTS, {"channel": channel.value, "source_id": source_id}
        )
        return found.first() is not None

    def insert_if_absent(self, new: NewEvent, *, at: datetime | None = None) -> tuple[Event, bool]:
        """Store ``new`` unless its (channel, source_id) exists. Returns (event, created)."""
        if new.source_id is not None:
            existing = self._by_source(new.channel, new.source_id)
            if existing is not None:
                return self._entity(existing), False
        key_id = new.contact_id or new.key_subject or record_subject()
        data = json.dumps(dict(new.payload), sort_keys=True, separators=(",", ":"))
        row = EventRow(
            contact_id=new.contact_id,
            channel=new.channel.value,
            source_id=new.source_id,
            kind=new.kind,
            payload_ciphertext=self.keyring.encrypt_for(self.session, key_id, data),
            key_id=key_id,
            occurred_at=new.occurred_at,
            ingested_at=at or utcnow(),
            decision_id=new.decision_id,
            retention_until=new.retention_until,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            existing = (
                None if new.source_id is None else self._by_source(new.channel, new.source_id)
            )
            if existing is None:
                raise
            return self._entity(existing), False
        readmodel.record_added(self.session, "event", [row.id])
        return self._entity(row), True

    def get(self, event_id: str) -> Event:
        row = self.session.get(EventRow, event_id)
        if row is None:
            raise NotFound(f"event {event_id} not found")
        return self._entity(row)

    def list_for_contact(self, contact_id: str, *, limit: int | None = None) -> list[Event]:
        query = (
            select(EventRow)
            .where(EventRow.contact_id == contact_id)
            .order_by(EventRow.occurred_at, EventRow.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return [self._entity(r) for r in self.session.scalars(query)]

    def delete(self, event_ids: list[str] | tuple[str, ...]) -> int:
        """Delete events by id; returns how many existed."""
        if not event_ids:
            return 0
        readmodel.record_removed(self.session, "event", list(event_ids))
        crm_sync.queue_removals(self.session, "event", event_ids)
        result = self.session.execute(
            delete(EventRow)
            .where(EventRow.id.in_(list(event_ids)))
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)
