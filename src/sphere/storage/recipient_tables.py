"""The register of recipients, processors and sub-processors (GDPR Art. 28, 30(1)(d)-(e),
44-49): who receives personal data for which purposes, under which processing agreement,
where, and by which transfer mechanism when outside the EU/EEA. Organisation data only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
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
    agreement_date: Mapped[datetime | None]  # Art. 28(3) processing agreement
    agreement_scope: Mapped[str] = mapped_column(Text, default="")
    transfer_mechanism: Mapped[str | None] = mapped_column(ENUM)  # Art. 45-49
    scc_module: Mapped[int | None] = mapped_column(Integer)  # 2021/914 modules 1-4
    tia_date: Mapped[datetime | None]  # transfer impact assessment
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
