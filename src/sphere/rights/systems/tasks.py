"""Running a system task: one attempt (``attempt_task`` hands it to its action), the
tasks due for a retry, and the DPO's requeue and "retry now" of a dead-lettered task."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.errors import InvalidInput
from sphere.rights.requests import get_request
from sphere.rights.systems.base import (
    ERASURE,
    MANUAL,
    NOTIFY,
    RETRYABLE,
    ConnectedSystems,
    TaskState,
    task_owner,
    task_subject,
)
from sphere.rights.systems.change import attempt_change
from sphere.rights.systems.manual import attempt_manual
from sphere.rights.systems.notify import attempt_notify
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.system_tasks import SystemTask, SystemTaskRepository


def attempt_task(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    task_id: str,
    *,
    at: datetime,
    actor: str,
) -> SystemTask:
    """One attempt of one system's task; records the outcome and, when it was the last
    open system, completes the request."""
    task = SystemTaskRepository(session).get(task_id, lock=True)
    if task.state not in RETRYABLE:
        return task  # done or dead-lettered meanwhile (another runner, the DPO)
    if task.action == NOTIFY:
        return attempt_notify(session, keyring, systems, task, at=at, actor=actor)
    if task.action == MANUAL:
        return attempt_manual(session, keyring, systems, task, at=at, actor=actor)
    return attempt_change(session, keyring, systems, task, at=at, actor=actor)


def due_task_ids(session: Session, *, at: datetime, limit: int = 100) -> list[str]:
    """Tasks whose next attempt is due (``retry_due`` runs them one transaction each)."""
    return [t.id for t in SystemTaskRepository(session).due(at, RETRYABLE, limit=limit)]


def requeue(
    session: Session,
    systems: ConnectedSystems,
    request_id: str,
    system: str,
    *,
    at: datetime,
    actor: str,
) -> SystemTask:
    """The DPO gives a dead-lettered system a fresh set of attempts (after fixing it)."""
    repository = SystemTaskRepository(session)
    task = next((t for t in repository.for_request(request_id) if t.system == system), None)
    if task is None:
        raise InvalidInput(f"request {request_id} has no task for system {system!r}")
    return requeue_task(session, systems, task, at=at, actor=actor)


def requeue_task(
    session: Session, systems: ConnectedSystems, task: SystemTask, *, at: datetime, actor: str
) -> SystemTask:
    if task.state != TaskState.DEAD_LETTER:
        raise InvalidInput(f"the task for system {task.system!r} is {task.state}, not dead_letter")
    system = task.system
    kind = str(task.params.get("event") or "")
    if task.request_id is not None:
        kind = get_request(session, task.request_id).type
    known = (
        system in systems.names()
        or system in systems.recipients(kind)
        or system in systems.manual_names()
    )
    more = systems.retry_policy(system).max_attempts if known else 1
    task = SystemTaskRepository(session).update(
        task.id,
        state=TaskState.PENDING.value,
        max_attempts=task.attempts + more,
        next_attempt_at=at,
        updated_at=at,
    )
    action = "erasure" if task.action == ERASURE else task.action
    audit(
        session,
        actor=actor,
        action=f"system.{action}_requeued",
        subject_id=task_subject(session, task),
        object_ids=(task_owner(task), task.id),
        details={"system": system, "attempts": task.attempts},
        at=at,
    )
    return task


def retry_now(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    task_id: str,
    *,
    at: datetime,
    actor: str,
) -> SystemTask:
    """The DPO's "retry now": a pending or failed task is attempted at once (its back-off
    waived); a dead-lettered one is requeued first (a fresh set of attempts)."""
    task = SystemTaskRepository(session).get(task_id)
    if task.state == TaskState.DEAD_LETTER:
        requeue_task(session, systems, task, at=at, actor=actor)
    elif task.state not in RETRYABLE:
        raise InvalidInput(f"the task for system {task.system!r} is {task.state}: nothing to retry")
    return attempt_task(session, keyring, systems, task_id, at=at, actor=actor)
