"""Checkpoints of file ingestion (see ``sphere.storage.pipeline_tables``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sphere.errors import NotFound
from sphere.storage.pipeline_tables import IngestRunRow


@dataclass(frozen=True, slots=True)
class IngestRun:
    id: str
    source_name: str
    file: str
    last_line: int
    completed: bool


def _run(row: IngestRunRow) -> IngestRun:
    return IngestRun(row.id, row.source_name, row.file, row.last_line, row.completed)


class IngestRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def start(self, source_name: str, fingerprint: str, *, file: str, at: datetime) -> IngestRun:
        """The run for this file content, created on first sight."""
        row = self.session.scalar(
            select(IngestRunRow).where(
                IngestRunRow.source_name == source_name, IngestRunRow.fingerprint == fingerprint
            )
        )
        if row is None:
            row = IngestRunRow(
                source_name=source_name, fingerprint=fingerprint, file=file, started_at=at
            )
            self.session.add(row)
            self.session.flush()
        return _run(row)

    def _row(self, run_id: str) -> IngestRunRow:
        row = self.session.get(IngestRunRow, run_id)
        if row is None:
            raise NotFound(f"ingest run {run_id} not found")
        return row

    def advance(self, run_id: str, line: int) -> None:
        row = self._row(run_id)
        row.last_line = max(row.last_line, line)
        self.session.flush()

    def complete(self, run_id: str, *, at: datetime) -> None:
        row = self._row(run_id)
        row.completed, row.completed_at = True, at
        self.session.flush()

    def list(self, *, source_name: str | None = None) -> list[IngestRun]:
        query = select(IngestRunRow).order_by(IngestRunRow.started_at)
        if source_name:
            query = query.where(IngestRunRow.source_name == source_name)
        return [_run(row) for row in self.session.scalars(query)]
