"""Bookkeeping of the ingestion pipeline: which file was read how far.

``ingest_runs`` holds no personal data: a source name, a file name as given, a content
fingerprint and line numbers. It makes a rerun after a crash resume after the last
committed batch, and makes a completed file a no-op when ingested again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ID, Base, new_id


class IngestRunRow(Base):
    __tablename__ = "ingest_runs"
    __table_args__ = (UniqueConstraint("source_name", "fingerprint"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    source_name: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    file: Mapped[str] = mapped_column(String(500))
    last_line: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
