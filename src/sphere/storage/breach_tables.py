"""The breach register (GDPR Art. 33(5): "the controller shall document any personal
data breaches, comprising the facts relating to the personal data breach, its effects
and the remedial action taken"). One row per breach, written by staff (no personal
data in the texts: the forms and the API say so); the people concerned as computed from
Sphere's own data in ``breach_subjects`` (deleted with the contact on erasure — the
counts on the breach stay as the documentation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


class BreachRow(Base):
    __tablename__ = "breaches"
    __table_args__ = (Index("ix_breaches_discovered_at", "discovered_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # BR-2026-001
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)  # Art. 33(3)(a): the nature
    kinds: Mapped[list[Any]] = mapped_column(default=list)  # BreachKind values
    started_at: Mapped[datetime]
    discovered_at: Mapped[datetime]  # awareness: the Art. 33(1) clock starts here
    ended_at: Mapped[datetime | None]
    systems: Mapped[list[Any]] = mapped_column(default=list)  # stores concerned
    sources: Mapped[list[Any]] = mapped_column(default=list)  # source names; [] = all
    data_categories: Mapped[list[Any]] = mapped_column(default=list)  # DataCategory values
    records_from: Mapped[datetime | None]  # the records concerned: stored from … to
    records_to: Mapped[datetime | None]
    affected_subjects: Mapped[int] = mapped_column(Integer, default=0)
    affected_pseudonymous: Mapped[int] = mapped_column(Integer, default=0)
    affected_records: Mapped[int] = mapped_column(Integer, default=0)
    affected_detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    affected_at: Mapped[datetime | None]
    consequences: Mapped[str] = mapped_column(Text, default="")  # Art. 33(3)(c)
    measures: Mapped[str] = mapped_column(Text, default="")  # Art. 33(3)(d)
    risk: Mapped[str] = mapped_column(ENUM, default="unassessed")  # RiskLevel
    risk_reasons: Mapped[str] = mapped_column(Text, default="")
    notify_authority: Mapped[bool | None] = mapped_column(Boolean)
    authority_reason: Mapped[str] = mapped_column(Text, default="")
    notify_subjects: Mapped[bool | None] = mapped_column(Boolean)
    subjects_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    authority_notified_at: Mapped[datetime | None]
    authority_reference: Mapped[str] = mapped_column(String(100), default="")
    delay_reason: Mapped[str] = mapped_column(Text, default="")  # Art. 33(1), second sentence
    subjects_notified_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class BreachSubjectRow(Base):
    __tablename__ = "breach_subjects"

    breach_id: Mapped[str] = mapped_column(
        ForeignKey("breaches.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
