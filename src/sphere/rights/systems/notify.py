"""Webhook recipients told of a request carried out (Art. 19): one notify task each,
signed (``connectors.webhook``), the same event id on every retry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.errors import SphereError
from sphere.rights.requests import get_request
from sphere.rights.systems.base import (
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

LEGAL_BASIS = {
    "erasure": "Art. 17(1), Art. 19 GDPR",
    "rectification": "Art. 16, Art. 19 GDPR",
    "restriction": "Art. 18, Art. 19 GDPR",
    "objection": "Art. 21 GDPR",
    "consent": "Art. 7(3) GDPR",  # a withdrawal
}
CONSENT_GIVEN = "Art. 6(1)(a), Art. 7(1) GDPR"


def attempt_notify(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    task: SystemTask,
    *,
    at: datetime,
    actor: str,
) -> SystemTask:
    """Tell a webhook recipient that the request was carried out (Art. 17, Art. 19): the
    identifiers it may hold the person under (and a rectification's ``changes``, field:
    new value), signed; the same event id on every retry."""
    repository = SystemTaskRepository(session)
    attempts = task.attempts + 1
    status: int | None = None
    error = ""
    # erasure, rectification, restriction, objection; consent (given or withdrawn, no request)
    event_kind = str(task.params.get("event") or get_request(session, task_owner(task)).type)
    if task.system not in systems.recipients(event_kind):
        error = f"recipient {task.system!r} is no longer configured (no webhook definition)"
    else:
        identifiers: dict[str, list[str]] = {}
        found, changes = task_secret(session, keyring, task)
        for kind, value in found.values:
            identifiers.setdefault(kind, []).append(value)
        event = {
            "id": task.id,
            "type": f"{event_kind}.carried_out",
            "occurred_at": task.created_at.isoformat(),
            "request_id": task.request_id,
            "legal_basis": CONSENT_GIVEN
            if event_kind == "consent" and task.params.get("state") == "given"
            else LEGAL_BASIS.get(event_kind, "Art. 19 GDPR"),
            "subject": identifiers,
        }
        if changes:  # a rectification: the corrected values by field (Art. 16, Art. 19)
            event["changes"] = changes
        if task.event_id is not None:  # outside a request: what changed, for which purpose
            event["consent_event_id"] = task.event_id
            event.update({k: task.params[k] for k in ("purposes", "state") if k in task.params})
        try:
            status = systems.notify(task.system, event, timestamp=int(at.timestamp()))
        except SphereError as exc:
            error = str(exc)
    common = {"subject_id": task_subject(session, task), "object_ids": (task_owner(task), task.id)}
    if status is not None:
        task = repository.update(
            task.id, state=TaskState.DONE.value, attempts=attempts, next_attempt_at=None,
            last_error=None, result={"done": {"notified": True, "status": status}},
            updated_at=at, completed_at=at,
        )  # fmt: skip
        audit(session, actor=actor, action="system.notified", at=at,
              details={"system": task.system, "attempts": attempts, "status": status},
              **common)  # fmt: skip
        settle(session, keyring, task, at=at, actor=actor)
        return task
    known = task.system in systems.recipients(event_kind)
    task, dead, _next = record_failure(
        repository, systems, task, attempts, error, known=known, at=at,
        not_done="the recipient was not told yet",
    )  # fmt: skip
    audit(session, actor=actor, at=at,
          action="system.notify_dead_letter" if dead else "system.notify_failed",
          details={"system": task.system, "attempts": attempts}, **common)  # fmt: skip
    return task
