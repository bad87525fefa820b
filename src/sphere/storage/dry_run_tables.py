"""A campaign's last dry run, kept so its lists can be paged, filtered by reason and
exported (CSV) without running it again.

``campaign_dry_run_groups`` holds one verdict per group of recipients that share every
deciding fact (allowed, reason code, the reason text, article, legal basis, how many);
``campaign_dry_run_lines`` says which contact (by id) fell into which group. Ids,
codes and counts only — no address, no content. An erasure removes the contact's line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sphere.storage.tables import ENUM, ID, Base


class DryRunGroupRow(Base):
    __tablename__ = "campaign_dry_run_groups"

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    group_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    allowed: Mapped[bool] = mapped_column(Boolean)
    code: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    article: Mapped[str] = mapped_column(String(200), default="")
    legal_basis: Mapped[str | None] = mapped_column(ENUM)
    retry_at: Mapped[datetime | None]
    count: Mapped[int] = mapped_column(Integer)


class DryRunLineRow(Base):
    __tablename__ = "campaign_dry_run_lines"
    __table_args__ = (
        Index("ix_campaign_dry_run_lines_group", "campaign_id", "group_no", "contact_id"),
    )

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[str] = mapped_column(ID, primary_key=True, index=True)
    group_no: Mapped[int] = mapped_column(Integer)
