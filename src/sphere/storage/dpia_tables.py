"""Data protection impact assessments (GDPR Art. 35): one ``dpias`` row per assessed
purpose or marketing measure, and its versions in ``dpia_versions``. The newest
version is the one being worked on; once a version is signed off it is never changed
again — a change makes the next version (a draft), so every signed-off version stays
readable. Processing for a purpose the policy marks ``dpia_required`` is held until a
version of its DPIA is signed off (``sphere.governance.dpia``). Texts are staff-written
organisational facts (the forms say: no personal data)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


class DpiaRow(Base):
    __tablename__ = "dpias"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # DPIA-2026-001
    purpose: Mapped[str] = mapped_column(ENUM, index=True)
    measure: Mapped[str | None] = mapped_column(String(200))  # a measure's name, or None
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class DpiaVersionRow(Base):
    __tablename__ = "dpia_versions"
    __table_args__ = (UniqueConstraint("dpia_id", "version"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    dpia_id: Mapped[str] = mapped_column(ForeignKey("dpias.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(ENUM)  # draft | signed_off
    description: Mapped[str] = mapped_column(Text, default="")  # Art. 35(7)(a)
    necessity: Mapped[str] = mapped_column(Text, default="")  # Art. 35(7)(b)
    criteria: Mapped[list[Any]] = mapped_column(default=list)  # WP248, frozen at sign-off
    declared: Mapped[dict[str, Any]] = mapped_column(default=dict)  # criterion → reason
    risks: Mapped[list[Any]] = mapped_column(default=list)  # Art. 35(7)(c), (d)
    assessed_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)  # Art. 35(11)
    dpo_opinion: Mapped[str] = mapped_column(Text, default="")  # Art. 35(2)
    dpo_opinion_by: Mapped[str | None] = mapped_column(String(200))
    dpo_opinion_at: Mapped[datetime | None]
    consultation_on: Mapped[date | None] = mapped_column(Date)  # Art. 36(1)
    consultation_reference: Mapped[str] = mapped_column(String(100), default="")
    consultation_outcome: Mapped[str] = mapped_column(Text, default="")
    legacy_reference: Mapped[str] = mapped_column(String(200), default="")  # migrated
    signed_off_at: Mapped[datetime | None]
    signed_off_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
