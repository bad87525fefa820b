"""Joint-controller arrangements (``recipient_tables.JointArrangementRow``): one per
registered source, saved whole (detach-safe entities)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sphere.storage.recipient_tables import JointArrangementRow


@dataclass(frozen=True, slots=True)
class JointArrangement:
    id: str
    source_name: str
    needed: bool
    platform: str
    title: str
    agreed_on: datetime | None
    url: str
    contact_point: str
    rights: dict[str, str]
    essence_en: str
    essence_de: str
    created_at: datetime
    created_by: str
    updated_at: datetime | None


def _arrangement(row: JointArrangementRow) -> JointArrangement:
    values = {name: getattr(row, name) for name in JointArrangement.__dataclass_fields__}
    values["rights"] = dict(values["rights"] or {})
    return JointArrangement(**values)


class JointArrangementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(
        self, source_name: str, *, at: datetime, actor: str, **values: Any
    ) -> JointArrangement:
        """Insert or replace the source's arrangement; returns it."""
        row = self.session.scalar(
            select(JointArrangementRow).where(JointArrangementRow.source_name == source_name)
        )
        if row is None:
            row = JointArrangementRow(source_name=source_name, created_at=at, created_by=actor,
                                      **values)  # fmt: skip
            self.session.add(row)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = at
        self.session.flush()
        return _arrangement(row)

    def get(self, source_name: str) -> JointArrangement | None:
        row = self.session.scalar(
            select(JointArrangementRow).where(JointArrangementRow.source_name == source_name)
        )
        return _arrangement(row) if row is not None else None

    def list(self) -> list[JointArrangement]:
        rows = self.session.scalars(
            select(JointArrangementRow).order_by(JointArrangementRow.source_name)
        )
        return [_arrangement(row) for row in rows]
