"""The downstream CRM sync (issue 15, point 2): an outbox of what the CRM must be told,
and the records it holds.

``crm_outbox`` is written in the transaction that stores or deletes a record, so the
CRM is told exactly what Sphere committed: ``push`` when the gate allowed a record of a
contact into the customer record, ``remove`` when Sphere deletes a record the CRM holds
(withdrawal, objection, retention, platform deletion, erasure, policy apply). It holds
no personal data — a record's type and id; the drain reads the record as it is then
(a record gone by then is removed, never pushed). ``crm_synced`` lists the records the
CRM holds (so a deletion queues a removal only for those), with when they were pushed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base

SERIAL = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY


class CrmOutboxRow(Base):
    __tablename__ = "crm_outbox"
    __table_args__ = (Index("ix_crm_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(ENUM)  # interaction | event
    record_id: Mapped[str] = mapped_column(ID, index=True)
    op: Mapped[str] = mapped_column(ENUM)  # push | remove
    state: Mapped[str] = mapped_column(ENUM)  # pending | failed | dead_letter
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrmSyncedRow(Base):
    __tablename__ = "crm_synced"

    record_id: Mapped[str] = mapped_column(ID, primary_key=True)
    record_type: Mapped[str] = mapped_column(ENUM)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
