"""Per-system tasks of a data-subject request (issue 15): one row per request and
connected system, with its state (pending → done, or failed → … → dead_letter),
attempts, the next attempt's time, the last error and what was and was not done.

``identifiers_ciphertext`` holds the identifiers the connected system is searched by
(Sphere's own copy is erased at once), encrypted under a key of the request's own
(``key_id``: ``dsr-systems:<request id>``) that is destroyed when the request completes.
A task of a consent event outside any request has ``event_id`` (the ledger entry) and
``contact_id`` instead of a request. A manual task (a system without an API) waits for
its owner: ``due_at``, and the SHA-256 of its one-time confirmation link's token.
``result`` holds counts, table and field names and reasons — never a value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, KEY_ID, Base, new_id


class DsrSystemTaskRow(Base):
    __tablename__ = "dsr_system_tasks"
    __table_args__ = (
        UniqueConstraint("request_id", "system", "action"),
        UniqueConstraint("event_id", "system", "action"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    request_id: Mapped[str | None] = mapped_column(
        ForeignKey("dsr_requests.id", ondelete="CASCADE"), index=True
    )
    # A consent event outside any request (withdrawal, objection): its ledger entry id.
    event_id: Mapped[str | None] = mapped_column(ID, index=True)
    contact_id: Mapped[str | None] = mapped_column(ID)  # the audit's subject of an event task
    system: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(ENUM)  # erasure, rectification, …, notify, manual
    state: Mapped[str] = mapped_column(ENUM, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    key_id: Mapped[str] = mapped_column(KEY_ID)
    identifiers_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    params: Mapped[dict[str, Any] | None] = mapped_column(default=dict)  # purpose, state
    due_at: Mapped[datetime | None]  # a manual task: when its owner must have done it
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    token_expires_at: Mapped[datetime | None]
