"""Per-system tasks of requests (``system_task_tables``), as detach-safe entities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sphere.errors import NotFound
from sphere.storage.system_task_tables import DsrSystemTaskRow


@dataclass(frozen=True, slots=True)
class SystemTask:
    id: str
    request_id: str | None
    system: str
    action: str
    state: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    result: dict[str, Any]
    key_id: str
    identifiers_ciphertext: bytes | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    event_id: str | None = None
    contact_id: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    due_at: datetime | None = None
    token_hash: str | None = None
    token_expires_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "request_id": self.request_id,
            "system": self.system,
            "action": self.action,
            "state": self.state,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
            "last_error": self.last_error,
            "result": dict(self.result),
            "updated_at": self.updated_at.isoformat(),
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "event_id": self.event_id,
            "params": dict(self.params),
            "due_at": self.due_at.isoformat() if self.due_at else None,
        }


def _task(row: DsrSystemTaskRow) -> SystemTask:
    values = {name: getattr(row, name) for name in SystemTask.__dataclass_fields__}
    values["result"] = dict(values["result"] or {})
    values["params"] = dict(values["params"] or {})
    return SystemTask(**values)


class SystemTaskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> SystemTask:
        row = DsrSystemTaskRow(**values)
        self.session.add(row)
        self.session.flush()
        return _task(row)

    def get(self, task_id: str, *, lock: bool = False) -> SystemTask:
        statement = select(DsrSystemTaskRow).where(DsrSystemTaskRow.id == task_id)
        if lock:
            statement = statement.with_for_update()
        row = self.session.scalar(statement)
        if row is None:
            raise NotFound(f"system task {task_id} not found")
        return _task(row)

    def for_request(self, request_id: str) -> list[SystemTask]:
        rows = self.session.scalars(
            select(DsrSystemTaskRow)
            .where(DsrSystemTaskRow.request_id == request_id)
            .order_by(DsrSystemTaskRow.system)
        )
        return [_task(row) for row in rows]

    def for_requests(self, request_ids: Sequence[str]) -> list[SystemTask]:
        if not request_ids:
            return []
        rows = self.session.scalars(
            select(DsrSystemTaskRow)
            .where(DsrSystemTaskRow.request_id.in_(list(request_ids)))
            .order_by(DsrSystemTaskRow.request_id, DsrSystemTaskRow.system)
        )
        return [_task(row) for row in rows]

    def for_event(self, event_id: str) -> list[SystemTask]:
        rows = self.session.scalars(
            select(DsrSystemTaskRow)
            .where(DsrSystemTaskRow.event_id == event_id)
            .order_by(DsrSystemTaskRow.system)
        )
        return [_task(row) for row in rows]

    def by_token_hash(self, token_hash: str, *, lock: bool = False) -> SystemTask | None:
        statement = select(DsrSystemTaskRow).where(DsrSystemTaskRow.token_hash == token_hash)
        if lock:
            statement = statement.with_for_update()
        row = self.session.scalar(statement)
        return None if row is None else _task(row)

    def waiting_overdue(self, state: str, at: datetime) -> list[SystemTask]:
        """Tasks in ``state`` (waiting for their owner) whose due date has passed."""
        rows = self.session.scalars(
            select(DsrSystemTaskRow)
            .where(DsrSystemTaskRow.state == state, DsrSystemTaskRow.due_at < at)
            .order_by(DsrSystemTaskRow.due_at)
        )
        return [_task(row) for row in rows]

    def due(self, at: datetime, states: Sequence[str], *, limit: int = 100) -> list[SystemTask]:
        """Tasks in ``states`` whose next attempt is due at ``at`` (oldest first)."""
        rows = self.session.scalars(
            select(DsrSystemTaskRow)
            .where(
                DsrSystemTaskRow.state.in_(list(states)),
                or_(
                    DsrSystemTaskRow.next_attempt_at.is_(None),
                    DsrSystemTaskRow.next_attempt_at <= at,
                ),
            )
            .order_by(DsrSystemTaskRow.next_attempt_at, DsrSystemTaskRow.id)
            .limit(limit)
        )
        return [_task(row) for row in rows]

    def in_states(self, states: Sequence[str]) -> list[SystemTask]:
        rows = self.session.scalars(
            select(DsrSystemTaskRow)
            .where(DsrSystemTaskRow.state.in_(list(states)))
            .order_by(DsrSystemTaskRow.updated_at)
        )
        return [_task(row) for row in rows]

    def update(self, task_id: str, **values: Any) -> SystemTask:
        row = self.session.get(DsrSystemTaskRow, task_id)
        if row is None:
            raise NotFound(f"system task {task_id} not found")
        for name, value in values.items():
            setattr(row, name, value)
        self.session.flush()
        return _task(row)
