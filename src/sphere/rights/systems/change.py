"""One attempt of one system's change: an erasure (Art. 17), a rectification (Art. 16),
a restriction set or lifted (Art. 18), or a consent state / objection carried over
(Art. 7(3), Art. 21).

Each system runs in one transaction of its own, so a system is changed completely or not
at all; its outcome — what was done, what was kept and why, or the error — is recorded
with an audit entry in the same Sphere transaction. Ordering: a system commits before
Sphere records it. If Sphere's transaction is then lost, the task is still open and the
next attempt repeats the change: an erasure then finds nobody (recorded as done with no
match), a rectification, restriction or preference sets the same values again. Every
change is idempotent in effect.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain.systems import SystemChange
from sphere.errors import SphereError
from sphere.rights.systems.base import (
    ERASURE,
    PREFERENCE,
    RECTIFICATION,
    RESTRICTION,
    ConnectedSystems,
    TaskState,
    record_failure,
    settle,
    task_owner,
    task_secret,
    task_subject,
)
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.system_tasks import SystemTask, SystemTaskRepository

log = logging.getLogger(__name__)

# The audit action of a change done, per task action.
DONE_ACTIONS = {
    ERASURE: "system.erased",
    RECTIFICATION: "system.rectified",
    RESTRICTION: "system.restricted",
    PREFERENCE: "system.preference_carried",
}


def _run(
    session: Session, keyring: Keyring, systems: ConnectedSystems, task: SystemTask
) -> SystemChange:
    identifiers, changes = task_secret(session, keyring, task)
    if task.action == ERASURE:
        return systems.erase(task.system, identifiers)
    if task.action == RECTIFICATION:
        return systems.rectify(task.system, identifiers, changes)
    if task.action == RESTRICTION:
        restricted = bool(task.params.get("restricted", True))
        return systems.restrict(task.system, identifiers, restricted=restricted)
    if task.action == PREFERENCE:  # one change per purpose (each idempotent), merged
        state = str(task.params["state"])
        done = [
            systems.preference(task.system, identifiers, purpose=str(p), state=state)
            for p in task.params["purposes"]
        ]
        return replace(done[0], tables=tuple(t for c in done for t in c.tables))
    raise ValueError(f"unknown system task action {task.action!r}")


def attempt_change(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    task: SystemTask,
    *,
    at: datetime,
    actor: str,
) -> SystemTask:
    """One attempt of one system's change (the task is locked and retryable); records
    the outcome and, when it was the last open system, completes the request."""
    repository = SystemTaskRepository(session)
    attempts = task.attempts + 1
    change: SystemChange | None = None
    error: str
    if task.system not in systems.names():
        error = f"system {task.system!r} is no longer configured (no connector definition)"
    else:
        try:
            change = _run(session, keyring, systems, task)
        except SphereError as exc:
            error = str(exc)
        except Exception as exc:  # a bug must not stop the other systems' change
            log.exception("%s in system %s failed unexpectedly", task.action, task.system)
            error = f"unexpected {type(exc).__name__} (see the server log)"
    common = {"subject_id": task_subject(session, task), "object_ids": (task_owner(task), task.id)}
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
        details = {
            "system": task.system,
            "attempts": attempts,
            "matched": change.matched,
            "deleted": sum(t.deleted for t in change.tables),
            "updated": sum(t.updated for t in change.tables),
            "no_match": change.no_match,
        }
        unsupported = getattr(change, "unsupported", None)
        if unsupported:
            details["unsupported"] = True
        audit(session, actor=actor, action=DONE_ACTIONS[task.action], details=details, at=at,
              **common)  # fmt: skip
        settle(session, keyring, task, at=at, actor=actor)
        return task
    known = task.system in systems.names()
    task, dead, next_at = record_failure(
        repository, systems, task, attempts, error, known=known, at=at,
        not_done="nothing changed in this system (its transaction was rolled back)",
    )  # fmt: skip
    audit(
        session,
        actor=actor,
        action=f"system.{task.action}_{'dead_letter' if dead else 'failed'}",
        details={
            "system": task.system,
            "attempts": attempts,
            "retry_in_seconds": int((next_at - at).total_seconds()) if next_at else None,
        },
        at=at,
        **common,
    )
    return task
