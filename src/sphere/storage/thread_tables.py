"""Conversation context: which conversations and reply chains involve the company.

One row per keyed mark, nothing else: ``mark_key`` is an HMAC-SHA256 (under the
pseudonym secret) of the channel, the kind of mark and the platform ids it is about —
a conversation or post id, and for marks of a person's own request the author's id.
Without the secret a row says nothing about which post, conversation or person it
concerns (GDPR Art. 4(5), Art. 25, Art. 32); no text is kept. A mark expires after the
customer-care retention (the purpose it serves, Art. 5(1)(e)) from its last use.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sphere.storage.tables import Base


class ThreadMarkRow(Base):
    __tablename__ = "thread_marks"
    __table_args__ = (Index("ix_thread_marks_expires_at", "expires_at"),)

    mark_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # company_post | company_conversation | company_thread_post | opened_conversation |
    # opened_post (counts per kind for operators; the key already encodes it)
    kind: Mapped[str] = mapped_column(String(24))
    expires_at: Mapped[datetime] = mapped_column()
