"""The register of recipients, processors and sub-processors (GDPR Art. 28, 30(1)(d)-(e),
44-49): who receives personal data for which purposes, under which processing agreement,
where, and by which transfer mechanism when outside the EU/EEA. Organisation data only.

``recipient_notifications``: whom a rectification, erasure or restriction was passed on
to (Art. 19); ``joint_arrangements``: the Art. 26 arrangement per registered source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


class RecipientRow(Base):
    __tablename__ = "recipients"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(ENUM)  # processor | sub_processor | controller | authority
    processor_of: Mapped[str | None] = mapped_column(String(200))  # sub-processor's processor
    purposes: Mapped[list[Any]] = mapped_column(default=list)
    data_categories: Mapped[list[Any]] = mapped_column(default=list)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    location: Mapped[str] = mapped_column(String(200), default="")  # city or data centre
    agreement_date: Mapped[datetime | None]  # Art. 28(3) processing agreement
    agreement_scope: Mapped[str] = mapped_column(Text, default="")
    transfer_mechanism: Mapped[str | None] = mapped_column(ENUM)  # Art. 45-49
    scc_module: Mapped[int | None] = mapped_column(Integer)  # 2021/914 modules 1-4
    tia_date: Mapped[datetime | None]  # transfer impact assessment
    tia_summary: Mapped[str] = mapped_column(Text, default="")  # its outcome
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]  # no longer receives data; kept for the record


class RecipientNotificationRow(Base):
    """One recipient told of one rectification, erasure or restriction (Art. 19)."""

    __tablename__ = "recipient_notifications"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ID, index=True)
    contact_id: Mapped[str | None] = mapped_column(ID, index=True)
    recipient_id: Mapped[str] = mapped_column(ID)
    recipient_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(ENUM)  # rectification | erasure | restriction
    notified_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))


class JointArrangementRow(Base):
    """The arrangement between joint controllers (Art. 26) for one registered source."""

    __tablename__ = "joint_arrangements"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    source_name: Mapped[str] = mapped_column(String(100), unique=True)
    needed: Mapped[bool] = mapped_column(Boolean, default=True)
    platform: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    agreed_on: Mapped[datetime | None]
    url: Mapped[str] = mapped_column(String(500), default="")
    contact_point: Mapped[str] = mapped_column(String(500), default="")
    rights: Mapped[dict[str, Any]] = mapped_column(default=dict)  # right -> party
    essence_en: Mapped[str] = mapped_column(Text, default="")  # Art. 26(2) sentence 2
    essence_de: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime | None]
