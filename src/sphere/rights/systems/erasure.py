"""Erasure (Art. 17) in one connected system: planning the request's tasks and one
attempt of one system's erasure.

Each system runs in one transaction of its own, so a system is erased completely or not
at all; its outcome — what was done, what was kept and why, or the error — is recorded
with an audit entry in the same Sphere transaction. Ordering: a system commits its
erasure before Sphere records it. If Sphere's transaction is then lost, the task is still
open and the next attempt finds nobody (the identity columns are gone): recorded as done
with no match. Erasure is idempotent in effect.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain.systems import SubjectIdentifiers, SystemChange
from sphere.errors import SphereError
from sphere.rights.requests import get_request
from sphere.rights.systems.base import (
    ERASURE,
    NOTIFY,
    ConnectedSystems,
    TaskState,
    finish_if_complete,
    next_attempt,
    plan,
    task_identifiers,
)
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.system_tasks import SystemTask, SystemTaskRepository

log = logging.getLogger(__name__)


def plan_erasure(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    request_id: str,
    identifiers: SubjectIdentifiers,
    *,
    at: datetime,
    actor: str,
) -> list[SystemTask]:
    """One pending task per system (idempotent: a system planned already is skipped)."""
    targets = [(n, ERASURE) for n in systems.names()]
    targets += [(n, NOTIFY) for n in systems.recipients(ERASURE)]
    return plan(session, keyring, systems, request_id, identifiers, targets, at=at, actor=actor)


def attempt_erasure(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    task: SystemTask,
    *,
    at: datetime,
    actor: str,
) -> SystemTask:
    """One attempt of one system's erasure (the task is locked and retryable); records the
    outcome and, when it was the last open system, completes the request."""
    repository = SystemTaskRepository(session)
    request = get_request(session, task.request_id)
    attempts = task.attempts + 1
    change: SystemChange | None = None
    error: str
    if task.system not in systems.names():
        error = f"system {task.system!r} is no longer configured (no connector definition)"
    else:
        try:
            change = systems.erase(task.system, task_identifiers(session, keyring, task))
        except SphereError as exc:
            error = str(exc)
        except Exception as exc:  # a bug must not stop the other systems' erasure
            log.exception("erasure in system %s failed unexpectedly", task.system)
            error = f"unexpected {type(exc).__name__} (see the server log)"
    common = {"subject_id": request.contact_id, "object_ids": (task.request_id, task.id)}
    if change is not None:
        task = repository.update(
            task.id,
            state=TaskState.DONE.value,
            attempts=attempts,
            next_attempt_at=None,
            last_error=None,
            result={"done": change.to_dict()},
            updated_at=at,
            completed_at=at,
        )
        audit(
            session,
            actor=actor,
            action="system.erased",
            details={
                "system": task.system,
                "attempts": attempts,
                "matched": change.matched,
                "deleted": sum(t.deleted for t in change.tables),
                "updated": sum(t.updated for t in change.tables),
                "no_match": change.no_match,
            },
            at=at,
            **common,
        )
        finish_if_complete(session, keyring, task.request_id, at=at, actor=actor)
        return task
    known = task.system in systems.names()
    dead, next_at = next_attempt(systems, task, attempts, known=known, at=at)
    task = repository.update(
        task.id,
        state=(TaskState.DEAD_LETTER if dead else TaskState.FAILED).value,
        attempts=attempts,
        next_attempt_at=next_at,
        last_error=error[:1000],
        result={
            "done": None,
            "not_done": "nothing changed in this system (its transaction was rolled back)",
        },
        updated_at=at,
    )
    audit(
        session,
        actor=actor,
        action="system.erasure_dead_letter" if dead else "system.erasure_failed",
        details={
            "system": task.system,
            "attempts": attempts,
            "retry_in_seconds": int((next_at - at).total_seconds()) if next_at else None,
        },
        at=at,
        **common,
    )
    return task
