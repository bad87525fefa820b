"""Posts and events counted only anonymously: one keyed token per record, nothing else.

The anonymous counters (``aggregates``, ``listening_counts``) hold no ids, so on their own
they cannot tell a re-delivered post (the same export under another file name, a webhook
retried, a stream replayed) from a new one, and counted it twice (issue 18). ``token``
is an HMAC-SHA256 under the pseudonym secret of channel and platform id
(``Keyring.counted_token``): without the secret a row says nothing about which post it
was, never anything about its author or text (GDPR Art. 4(5), Art. 25). A token expires
``COUNTED_RETENTION`` after it was counted (the retention run deletes it); a copy of a
post delivered after that is counted again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sphere.storage.tables import Base

COUNTED_RETENTION = timedelta(days=180)


class CountedPostRow(Base):
    __tablename__ = "counted_posts"
    __table_args__ = (Index("ix_counted_posts_expires_at", "expires_at"),)

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column()
