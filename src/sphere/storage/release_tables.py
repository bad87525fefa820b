"""ORM model of the privacy accountant: every anonymous release and what it cost.

A row is one release of figures (a listening report, the transparency figures …) with
the (ε, δ) it spent from the budget of its ``scope`` in its ``period`` (a calendar
month, "2026-12"), and the released, already noisy payload. Re-reading the same
release (same ``release_key``) returns the stored payload and spends nothing, which is
what keeps a page reload from draining the budget. Rows hold no personal data: only
noisy counts that passed the k-threshold. Append-only: the accountant sums them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sphere.storage.tables import ID, Base, new_id


class PrivacyReleaseRow(Base):
    """One released set of figures and its privacy cost."""

    __tablename__ = "privacy_releases"
    __table_args__ = (
        UniqueConstraint("scope", "release_key"),
        Index("ix_privacy_releases_scope_period", "scope", "period"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))
    release_key: Mapped[str] = mapped_column(String(200))
    epsilon: Mapped[float] = mapped_column(Float)
    delta: Mapped[float] = mapped_column(Float)
    released_at: Mapped[datetime]
    payload: Mapped[dict] = mapped_column(JSON)
