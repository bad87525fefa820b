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


def event_tasks(session: Session, event_id: str) -> list[SystemTask]:
    """The tasks of a consent event outside any request (withdrawal, objection)."""
    return SystemTaskRepository(session).for_event(event_id)


def open_tasks(session: Session, request_id: str) -> list[SystemTask]:
    """The request's system tasks not done yet (Art. 12(3): the slowest system counts)."""
    return [t for t in SystemTaskRepository(session).for_request(request_id) if t.state != "done"]


def systems_per_request(session: Session, request_ids: list[str]) -> dict[str, dict[str, str]]:
    """Per request (of those given that have system tasks): each system's task state,
    for the cockpit's queue (Art. 12(3): a request waits for its slowest system)."""
    result: dict[str, dict[str, str]] = {}
    for task in SystemTaskRepository(session).for_requests(request_ids):
        if task.request_id is not None:
            result.setdefault(task.request_id, {})[task.system] = task.state
    return result


def failures(session: Session) -> list[SystemTask]:
    """Failed and dead-lettered tasks, oldest change first: what the DPO must watch."""
    states = (TaskState.FAILED.value, TaskState.DEAD_LETTER.value)
    return SystemTaskRepository(session).in_states(states)


def overview(session: Session, systems: ConnectedSystems) -> list[dict[str, Any]]:
    """Each connected system's health (it is asked now) and its open tasks."""
    open_tasks: dict[str, dict[str, int]] = {}
    states = (
        TaskState.PENDING.value,
        TaskState.FAILED.value,
        TaskState.WAITING.value,
        TaskState.DEAD_LETTER.value,
    )
    for task in SystemTaskRepository(session).in_states(states):
        counts = open_tasks.setdefault(task.system, dict.fromkeys(states, 0))
        counts[task.state] += 1
    empty = dict.fromkeys(states, 0)
    return [{**h.to_dict(), "tasks": open_tasks.get(h.system, empty)} for h in systems.health()]


# The audit actions of a system task, in the order they happen (the cockpit's steps).
_KINDS = ("erasure", "rectification", "restriction", "preference", "notify", "manual")
STEP_ACTIONS = (
    *(f"system.{k}_planned" for k in _KINDS),
    *(f"system.{k}_failed" for k in _KINDS),
    *(f"system.{k}_dead_letter" for k in _KINDS),
    *(f"system.{k}_requeued" for k in _KINDS),
    "system.erased",
    "system.rectified",
    "system.restricted",
    "system.preference_carried",
    "system.notified",
    "system.manual_sent",
    "system.manual_overdue",
    "system.manual_confirmed",
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
