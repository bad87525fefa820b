"""Rights across connected systems (issue 15): access and erasure in every system the
company connected (the shop database, the CRM), with a status per system.

The systems are reached through ``ConnectedSystems``, a protocol the composition root
(``sphere.runtime``) fills with ``sphere.connectors.ConnectorSet``; this module knows no
connector. What it owns is the request's side:

* **Access (Art. 15)**: ``access_sections`` — the person's rows from every system, one
  section each; a system that cannot be reached is listed as such with its reason
  (the export says what it could not include, instead of silently leaving it out).
* **Erasure (Art. 17)**: ``erase_everywhere`` reads the person's identifiers, plans one
  task per system (``dsr_system_tasks``, the identifiers encrypted under a key of the
  request's own), erases the person in Sphere (``erasure.erase_contact``) and tries
  every system once. Each system runs in one transaction of its own, so a system is
  erased completely or not at all; its outcome — what was done, what was kept and why,
  or the error — is recorded with an audit entry in the same Sphere transaction.
  A failed system is retried with back-off (``retry_due``: one Sphere transaction per
  attempt) and dead-lettered after its ``max_attempts``: the DPO sees it and can
  ``requeue`` it. The request completes only when every system is done; then the
  identifiers' key is destroyed.
* **Dry run**: ``dry_run`` says per system what an erasure would change, changing nothing.

Ordering: a system commits its erasure before Sphere records it. If Sphere's transaction
is then lost, the task is still open and the next attempt finds nobody (the identity
columns are gone): recorded as done with no match. Erasure is idempotent in effect.
Identifiers never reach a log line, an error message or the audit chain.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain.systems import (
    IDENTITY_KINDS,
    RetryPolicy,
    SubjectIdentifiers,
    SystemChange,
    SystemHealth,
    SystemRows,
)
from sphere.errors import InvalidInput, SphereError
from sphere.rights.erasure import ErasureResult, erase_contact
from sphere.rights.requests import RequestState, complete_request, get_request
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.audit import AuditRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.rights import RightsRepository
from sphere.storage.repositories.system_tasks import SystemTask, SystemTaskRepository

log = logging.getLogger(__name__)


class ConnectedSystems(Protocol):
    """What the rights services need of the connected systems."""

    def names(self) -> tuple[str, ...]: ...
    def retry_policy(self, name: str) -> RetryPolicy: ...
    def access(self, name: str, identifiers: SubjectIdentifiers) -> SystemRows: ...
    def erase(
        self, name: str, identifiers: SubjectIdentifiers, *, dry_run: bool = False
    ) -> SystemChange: ...
    def health(self) -> list[SystemHealth]: ...
    def recipients(self, event: str) -> tuple[str, ...]: ...
    def notify(self, name: str, event: dict[str, Any], *, timestamp: int) -> int: ...


class TaskState(StrEnum):
    PENDING = "pending"  # planned, not tried yet
    FAILED = "failed"  # the last attempt failed; retried at next_attempt_at
    DONE = "done"
    DEAD_LETTER = "dead_letter"  # attempts exhausted: the DPO must act


ERASURE = "erasure"
NOTIFY = "notify"  # a webhook recipient told of the erasure (signed, ``connectors.webhook``)
RETRYABLE = (TaskState.PENDING.value, TaskState.FAILED.value)


def subject_identifiers(session: Session, keyring: Keyring, contact_id: str) -> SubjectIdentifiers:
    """The contact's e-mail addresses, phone numbers, customer numbers and handles."""
    pairs = [
        (identity.kind.value, identity.value)
        for identity in ContactRepository(session, keyring).identities(contact_id)
        if identity.value and identity.kind.value in IDENTITY_KINDS
    ]
    return SubjectIdentifiers(tuple(dict.fromkeys(pairs)))


def access_sections(
    systems: ConnectedSystems, identifiers: SubjectIdentifiers
) -> list[dict[str, Any]]:
    """One section per system for the access export (Art. 15(1), (3))."""
    sections: list[dict[str, Any]] = []
    for name in systems.names():
        try:
            rows = systems.access(name, identifiers)
        except SphereError as exc:
            sections.append({"system": name, "status": "unavailable", "reason": str(exc)})
            continue
        sections.append({"status": "ok", **rows.to_dict()})
    return sections


def dry_run(systems: ConnectedSystems, identifiers: SubjectIdentifiers) -> list[dict[str, Any]]:
    """What an erasure would change in each system; nothing is changed anywhere."""
    result: list[dict[str, Any]] = []
    for name in systems.names():
        try:
            result.append(
                {"status": "ok", **systems.erase(name, identifiers, dry_run=True).to_dict()}
            )
        except SphereError as exc:
            result.append({"system": name, "status": "unavailable", "reason": str(exc)})
    return result


def _key_id(request_id: str) -> str:
    return f"dsr-systems:{request_id}"


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
    return _plan(session, keyring, systems, request_id, identifiers, targets, at=at, actor=actor)


def _plan(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    request_id: str,
    identifiers: SubjectIdentifiers,
    targets: list[tuple[str, str]],
    *,
    at: datetime,
    actor: str,
) -> list[SystemTask]:
    repository = SystemTaskRepository(session)
    planned = {t.system for t in repository.for_request(request_id)}
    request = get_request(session, request_id)
    key_id = _key_id(request_id)
    payload = json.dumps([list(pair) for pair in identifiers.values])
    for name, action in targets:
        if name in planned:
            continue
        task = repository.add(
            request_id=request_id,
            system=name,
            action=action,
            state=TaskState.PENDING.value,
            attempts=0,
            max_attempts=systems.retry_policy(name).max_attempts,
            next_attempt_at=at,
            key_id=key_id,
            identifiers_ciphertext=keyring.encrypt_for(session, key_id, payload),
            created_at=at,
            updated_at=at,
        )
        audit(
            session,
            actor=actor,
            action="system.erasure_planned" if action == ERASURE else "system.notify_planned",
            subject_id=request.contact_id,
            object_ids=(request_id, task.id),
            details={"system": name, "action": action},
            at=at,
        )
    return repository.for_request(request_id)


def _identifiers(session: Session, keyring: Keyring, task: SystemTask) -> SubjectIdentifiers:
    if task.identifiers_ciphertext is None:
        return SubjectIdentifiers(())
    pairs = json.loads(keyring.decrypt_text(session, task.key_id, task.identifiers_ciphertext))
    return SubjectIdentifiers(tuple((str(k), str(v)) for k, v in pairs))


def attempt_task(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    task_id: str,
    *,
    at: datetime,
    actor: str,
) -> SystemTask:
    """One attempt of one system's erasure; records the outcome and, when it was the
    last open system, completes the request."""
    repository = SystemTaskRepository(session)
    task = repository.get(task_id, lock=True)
    if task.state not in RETRYABLE:
        return task  # done or dead-lettered meanwhile (another runner, the DPO)
    request = get_request(session, task.request_id)
    attempts = task.attempts + 1
    change: SystemChange | None = None
    error: str
    if task.action == NOTIFY:
        return _attempt_notify(session, keyring, systems, task, at=at, actor=actor)
    if task.system not in systems.names():
        error = f"system {task.system!r} is no longer configured (no connector definition)"
    else:
        try:
            change = systems.erase(task.system, _identifiers(session, keyring, task))
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
    dead = attempts >= task.max_attempts
    policy = systems.retry_policy(task.system) if task.system in systems.names() else RetryPolicy()
    next_at = None if dead else at + timedelta(seconds=policy.delay_after(attempts))
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


def _attempt_notify(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    task: SystemTask,
    *,
    at: datetime,
    actor: str,
) -> SystemTask:
    """Tell a webhook recipient that the erasure was carried out (Art. 17, Art. 19): the
    identifiers it may hold the person under, signed; the same event id on every retry."""
    repository = SystemTaskRepository(session)
    request = get_request(session, task.request_id)
    attempts = task.attempts + 1
    status: int | None = None
    error = ""
    event_kind = request.type  # erasure, rectification, restriction, objection
    if task.system not in systems.recipients(event_kind):
        error = f"recipient {task.system!r} is no longer configured (no webhook definition)"
    else:
        identifiers: dict[str, list[str]] = {}
        for kind, value in _identifiers(session, keyring, task).values:
            identifiers.setdefault(kind, []).append(value)
        event = {
            "id": task.id,
            "type": f"{event_kind}.carried_out",
            "occurred_at": task.created_at.isoformat(),
            "request_id": task.request_id,
            "legal_basis": LEGAL_BASIS.get(event_kind, "Art. 19 GDPR"),
            "subject": identifiers,
        }
        try:
            status = systems.notify(task.system, event, timestamp=int(at.timestamp()))
        except SphereError as exc:
            error = str(exc)
    common = {"subject_id": request.contact_id, "object_ids": (task.request_id, task.id)}
    if status is not None:
        task = repository.update(
            task.id, state=TaskState.DONE.value, attempts=attempts, next_attempt_at=None,
            last_error=None, result={"done": {"notified": True, "status": status}},
            updated_at=at, completed_at=at,
        )  # fmt: skip
        audit(session, actor=actor, action="system.notified", at=at,
              details={"system": task.system, "attempts": attempts, "status": status},
              **common)  # fmt: skip
        if not finish_if_complete(session, keyring, task.request_id, at=at, actor=actor):
            _forget_if_all_told(session, keyring, task.request_id, at=at)
        return task
    dead = attempts >= task.max_attempts
    known = task.system in systems.recipients(event_kind)
    policy = systems.retry_policy(task.system) if known else RetryPolicy()
    next_at = None if dead else at + timedelta(seconds=policy.delay_after(attempts))
    task = repository.update(
        task.id, state=(TaskState.DEAD_LETTER if dead else TaskState.FAILED).value,
        attempts=attempts, next_attempt_at=next_at, last_error=error[:1000],
        result={"done": None, "not_done": "the recipient was not told yet"}, updated_at=at,
    )  # fmt: skip
    audit(session, actor=actor, at=at,
          action="system.notify_dead_letter" if dead else "system.notify_failed",
          details={"system": task.system, "attempts": attempts}, **common)  # fmt: skip
    return task


LEGAL_BASIS = {
    "erasure": "Art. 17(1), Art. 19 GDPR",
    "rectification": "Art. 16, Art. 19 GDPR",
    "restriction": "Art. 18, Art. 19 GDPR",
    "objection": "Art. 21 GDPR",
}


def notify_everywhere(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems | None,
    request_id: str,
    contact_id: str,
    *,
    at: datetime,
    actor: str,
) -> list[SystemTask]:
    """Tell the webhook recipients of a rectification, restriction or objection carried
    out (one task each, tried once now, then retried like any system task). The request
    itself completes with Sphere's part; the tasks stay visible until each was told."""
    request = get_request(session, request_id)
    names = systems.recipients(request.type) if systems is not None else ()
    if systems is None or not names:
        return []
    identifiers = subject_identifiers(session, keyring, contact_id)
    targets = [(n, NOTIFY) for n in names]
    _plan(session, keyring, systems, request_id, identifiers, targets, at=at, actor=actor)
    for task in SystemTaskRepository(session).for_request(request_id):
        if task.action == NOTIFY and task.state in RETRYABLE:
            attempt_task(session, keyring, systems, task.id, at=at, actor=actor)
    return SystemTaskRepository(session).for_request(request_id)


def _forget_if_all_told(
    session: Session, keyring: Keyring, request_id: str, *, at: datetime
) -> None:
    """A completed request whose recipients were all told: the identifiers' key goes."""
    repository = SystemTaskRepository(session)
    tasks = repository.for_request(request_id)
    if get_request(session, request_id).state != RequestState.COMPLETED:
        return
    if not tasks or any(t.state != TaskState.DONE for t in tasks):
        return
    if all(t.identifiers_ciphertext is None for t in tasks):
        return
    keyring.destroy_key(session, _key_id(request_id), at=at)
    for t in tasks:
        repository.update(t.id, identifiers_ciphertext=None)


def finish_if_complete(
    session: Session, keyring: Keyring, request_id: str, *, at: datetime, actor: str
) -> bool:
    """Complete the request once every system is done; destroy the identifiers' key."""
    repository = SystemTaskRepository(session)
    tasks = repository.for_request(request_id)
    if any(t.state != TaskState.DONE for t in tasks):
        return False
    request = get_request(session, request_id)
    if request.state != RequestState.IN_PROGRESS:
        return False
    if tasks:
        keyring.destroy_key(session, _key_id(request_id), at=at)
        for t in tasks:
            repository.update(t.id, identifiers_ciphertext=None)
    result = {**request.result, "systems_done": len(tasks)}
    complete_request(session, request_id, at=at, actor=actor, result=result)
    return True


@dataclass(frozen=True, slots=True)
class ErasureEverywhere:
    sphere: ErasureResult
    tasks: tuple[SystemTask, ...]
    completed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.sphere.counts,
            "kept": [k.to_dict() for k in self.sphere.kept],
            "systems": [t.to_dict() for t in self.tasks],
            "completed": self.completed,
        }


def erase_everywhere(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems | None,
    request_id: str,
    contact_id: str,
    *,
    at: datetime,
    actor: str,
) -> ErasureEverywhere:
    """Erase the person in Sphere and in every connected system (module docstring).
    The request (verified, in progress) is completed here when every system is done;
    otherwise it stays in progress with its open tasks."""
    identifiers = subject_identifiers(session, keyring, contact_id)  # before Sphere forgets
    if systems is not None:
        plan_erasure(session, keyring, systems, request_id, identifiers, at=at, actor=actor)
    sphere = erase_contact(session, keyring, contact_id, at=at, actor=actor, request_id=request_id)
    counts = {k: v for k, v in sphere.counts.items() if isinstance(v, int)}
    if "already_erased" not in counts:  # a rerun keeps the first run's counts
        RightsRepository(session).update_request(request_id, result=counts)
    repository = SystemTaskRepository(session)
    if systems is not None:
        for task in repository.for_request(request_id):
            if task.state in RETRYABLE:
                attempt_task(session, keyring, systems, task.id, at=at, actor=actor)
    finish_if_complete(session, keyring, request_id, at=at, actor=actor)
    tasks = tuple(repository.for_request(request_id))
    completed = get_request(session, request_id).state == RequestState.COMPLETED
    return ErasureEverywhere(sphere, tasks, completed)


def due_task_ids(session: Session, *, at: datetime, limit: int = 100) -> list[str]:
    """Tasks whose next attempt is due (``retry_due`` runs them one transaction each)."""
    return [t.id for t in SystemTaskRepository(session).due(at, RETRYABLE, limit=limit)]


def request_tasks(session: Session, request_id: str) -> list[SystemTask]:
    get_request(session, request_id)
    return SystemTaskRepository(session).for_request(request_id)


def failures(session: Session) -> list[SystemTask]:
    """Failed and dead-lettered tasks, oldest change first: what the DPO must watch."""
    states = (TaskState.FAILED.value, TaskState.DEAD_LETTER.value)
    return SystemTaskRepository(session).in_states(states)


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
    if task.state != TaskState.DEAD_LETTER:
        raise InvalidInput(f"the task for system {system!r} is {task.state}, not dead_letter")
    kind = get_request(session, request_id).type
    known = system in systems.names() or system in systems.recipients(kind)
    more = systems.retry_policy(system).max_attempts if known else 1
    task = repository.update(
        task.id,
        state=TaskState.PENDING.value,
        max_attempts=task.attempts + more,
        next_attempt_at=at,
        updated_at=at,
    )
    audit(
        session,
        actor=actor,
        action="system.erasure_requeued",
        subject_id=get_request(session, request_id).contact_id,
        object_ids=(request_id, task.id),
        details={"system": system, "attempts": task.attempts},
        at=at,
    )
    return task


def overview(session: Session, systems: ConnectedSystems) -> list[dict[str, Any]]:
    """Each connected system's health (it is asked now) and its open erasure tasks."""
    open_tasks: dict[str, dict[str, int]] = {}
    states = (TaskState.PENDING.value, TaskState.FAILED.value, TaskState.DEAD_LETTER.value)
    for task in SystemTaskRepository(session).in_states(states):
        counts = open_tasks.setdefault(task.system, dict.fromkeys(states, 0))
        counts[task.state] += 1
    empty = dict.fromkeys(states, 0)
    return [{**h.to_dict(), "tasks": open_tasks.get(h.system, empty)} for h in systems.health()]


def get_task(session: Session, task_id: str) -> SystemTask:
    return SystemTaskRepository(session).get(task_id)


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
        requeue(session, systems, task.request_id, task.system, at=at, actor=actor)
    elif task.state not in RETRYABLE:
        raise InvalidInput(f"the task for system {task.system!r} is {task.state}: nothing to retry")
    return attempt_task(session, keyring, systems, task_id, at=at, actor=actor)


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
