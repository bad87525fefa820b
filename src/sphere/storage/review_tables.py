"""The review queue: posts addressed to the company that could not be stored as they are
(issue 13, point 4; ``sphere.pipeline.review``, ``sphere.cockpit.reviews``).

A row says *why* (reason, rule, article, outcome, the Art. 9 categories found) and where
to answer (the channel and the post, encrypted under the author's key); it holds the
post's text only when a lawful basis allows it (``text_basis``), minimised and encrypted.
``ref_key`` (HMAC of channel and post id) makes a post open at most one item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


class ReviewItemRow(Base):
    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_state_created_at", "state", "created_at"),
        Index("ix_review_items_expires_at", "expires_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    ref_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(ENUM)
    visibility: Mapped[str] = mapped_column(ENUM)
    addressing: Mapped[str] = mapped_column(ENUM)
    language: Mapped[str | None] = mapped_column(String(8))
    contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    subject_id: Mapped[str] = mapped_column(String(80), index=True)  # the key's subject
    decision_id: Mapped[str | None] = mapped_column(ID)
    outcome: Mapped[str] = mapped_column(ENUM)
    rule_id: Mapped[str] = mapped_column(String(100))
    article: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    categories: Mapped[list[Any]] = mapped_column(default=list)
    post_ref_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    text_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    text_basis: Mapped[str | None] = mapped_column(ENUM)
    state: Mapped[str] = mapped_column(ENUM, default="open")
    state_changed_at: Mapped[datetime | None] = mapped_column()
    state_changed_by: Mapped[str | None] = mapped_column(String(100))
