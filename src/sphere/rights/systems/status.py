"""What the cockpit shows of the system tasks: a request's tasks and the steps each went
through (from the audit trail), the failures the DPO must watch, the systems' health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.rights.requests import get_request
from sphere.rights.systems.base import ConnectedSystems, TaskState
from sphere.storage.repositories.audit import AuditRepository
from sphere.storage.repositories.system_tasks import SystemTask, SystemTaskRepository


def request_tasks(session: Session, request_id: str) -> list[SystemTask]:
    get_request(session, request_id)
    return SystemTaskRepository(session).for_request(request_id)


def get_task(session: Session, task_id: str) -> SystemTask:
    return SystemTaskRepository(session).get(task_id)


def failures(session: Session) -> list[SystemTask]:
    """Failed and dead-lettered tasks, oldest change first: what the DPO must watch."""
    states = (TaskState.FAILED.value, TaskState.DEAD_LETTER.value)
    return SystemTaskRepository(session).in_states(states)


def overview(session: Session, systems: ConnectedSystems) -> list[dict[str, Any]]:
    """Each connected system's health (it is asked now) and its open erasure tasks."""
    open_tasks: dict[str, dict[str, int]] = {}
    states = (TaskState.PENDING.value, TaskState.FAILED.value, TaskState.DEAD_LETTER.value)
    for task in SystemTaskRepository(session).in_states(states):
        counts = open_tasks.setdefault(task.system, dict.fromkeys(states, 0))
        counts[task.state] += 1
    empty = dict.fromkeys(states, 0)
    return [{**h.to_dict(), "tasks": open_tasks.get(h.system, empty)} for h in systems.health()]


# The audit actions of a system task, in the order they happen (the cockpit's steps).
STEP_ACTIONS = (
    "system.erasure_planned",
    "system.notify_planned",
    "system.erasure_failed",
    "system.erasure_dead_letter",
    "system.erasure_requeued",
    "system.erased",
    "system.notify_failed",
    "system.notify_dead_letter",
    "system.notified",
)


@dataclass(frozen=True, slots=True)
class TaskStep:
    at: datetime
    action: str  # one of STEP_ACTIONS, without the "system." prefix
    attempts: int | None
    actor: str


def request_steps(session: Session, request_id: str) -> dict[str, list[TaskStep]]:
    """Per system, the steps its task went through (from the audit trail, oldest first)."""
    request = get_request(session, request_id)
    steps: dict[str, list[TaskStep]] = {}
    if not request.contact_id:
        return steps
    for entry in AuditRepository(session).for_subject(request.contact_id):
        if entry.action not in STEP_ACTIONS or request_id not in entry.object_ids:
            continue
        system = str(entry.details.get("system", ""))
        attempts = entry.details.get("attempts")
        steps.setdefault(system, []).append(
            TaskStep(
                entry.at,
                entry.action.removeprefix("system."),
                attempts if isinstance(attempts, int) else None,
                entry.actor,
            )
        )
    return steps
