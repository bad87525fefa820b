"""Bookkeeping of live intake: listener cursors and processed stream messages.

Neither table holds an identifier of a person. ``intake_cursors`` remembers how far a streaming
listener got (a Jetstream ``time_us``, a Mastodon status id), so a restarted listener
resumes instead of starting over or skipping. ``stream_receipts`` records every stream
message a worker committed, in the same transaction as its effects: a message delivered
again after a crash between commit and acknowledgement is recognised and acknowledged
without a second effect (at-least-once delivery + this table = one effect per message).
Its ids are ``<channel>:<digest of the bytes>`` (no post id, DID or customer number), and
``sphere retention run`` forgets receipts after ``STREAM_RECEIPT_RETENTION``: by then a
message has long been acknowledged (a worker acknowledges right after its commit and
quarantines a message after a few failed deliveries), and the pipeline's own duplicate
checks (stored records, counted-post tokens) still hold for a very late copy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import Base

STREAM_RECEIPT_RETENTION = timedelta(days=30)


class IntakeCursorRow(Base):
    __tablename__ = "intake_cursors"

    source_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StreamReceiptRow(Base):
    __tablename__ = "stream_receipts"
    __table_args__ = (Index("ix_stream_receipts_processed_at", "processed_at"),)

    msg_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    stream_seq: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TombstoneRow(Base):
    """A platform deletion (``reason`` ``deleted``) or an edit judged before its original
    arrived (``superseded``), kept so that an older version arriving later (streams do
    not keep order across workers) is not stored: the deletion, or the newer version,
    wins. Holds only the platform's post id, no content and no author."""

    __tablename__ = "platform_tombstones"

    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    reason: Mapped[str] = mapped_column(String(20), default="deleted")
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)
