"""Declared technical and organisational measures (GDPR Art. 32, 30(1)(g)): what the
company does beyond what Sphere implements and evidences itself (backups off site,
physical access, staff training …), each with an owner and the date of its next review.
Organisation data only: the owner is a function ("IT operations"), not a person's
private details. Rows are changed in place; every change is in the audit chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


class SecurityMeasureRow(Base):
    __tablename__ = "security_measures"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # slug, e.g. offsite-backups
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(ENUM)  # technical | organisational
    goal: Mapped[str] = mapped_column(ENUM)  # sphere.governance.toms.GOALS
    owner: Mapped[str] = mapped_column(String(200))
    review_due: Mapped[datetime]  # the next review (Art. 32(1)(d))
    last_reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))
