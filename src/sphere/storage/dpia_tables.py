"""Recorded DPIA approvals (GDPR Art. 35): processing whose purpose requires a DPIA is
held until one is recorded as approved (``sphere.governance.dpia``). Append-only: a new
approval (a revised DPIA) is a new row; the latest per purpose counts. ``reference``
names the DPIA document (staff-written, no personal data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


class DpiaApprovalRow(Base):
    __tablename__ = "dpia_approvals"
    __table_args__ = (Index("ix_dpia_approvals_purpose", "purpose", "approved_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    purpose: Mapped[str] = mapped_column(ENUM)
    reference: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
