"""What every per-system task shares: the ``ConnectedSystems`` protocol, the task states
and actions, the person's identifiers (encrypted under a key of the request's own),
planning tasks, recording a failed attempt, and completing the request."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain.manual import ManualSystem
from sphere.domain.systems import (
    IDENTITY_KINDS,
    RetryPolicy,
    SubjectIdentifiers,
    SystemChange,
    SystemHealth,
    SystemRows,
)
from sphere.rights.requests import RequestState, complete_request, get_request
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.system_tasks import SystemTask, SystemTaskRepository


class ConnectedSystems(Protocol):
    """What the rights services need of the connected systems.

    ``supports(name, operation)``: operation one of ``domain.systems.OPERATIONS``
    (access, erasure, rectification, restriction, preference). ``rectify``, ``restrict``
    and ``preference`` return a ``SystemChange``; one with ``unsupported`` set changed
    nothing and is no failure. ``rectify``'s changes are keyed by identity kind or data
    category (``email``, ``name``, …) or a key the definition names; ``preference``'s
    state is one of ``PREFERENCE_STATES`` (given, withdrawn, objected).

    Manual systems (no API, ``kind: manual``) are not among ``names()``:
    ``manual_names()`` lists them, ``manual(name)`` says who owns one and what they must
    do, ``send_mail`` delivers the owner's e-mail and ``confirm_url`` makes the link."""

    def names(self) -> tuple[str, ...]: ...
    def retry_policy(self, name: str) -> RetryPolicy: ...
    def access(self, name: str, identifiers: SubjectIdentifiers) -> SystemRows: ...
    def erase(
        self, name: str, identifiers: SubjectIdentifiers, *, dry_run: bool = False
    ) -> SystemChange: ...
    def supports(self, name: str, operation: str) -> bool: ...
    def rectify(
        self,
        name: str,
        identifiers: SubjectIdentifiers,
        changes: Mapping[str, str],
        *,
        dry_run: bool = False,
    ) -> SystemChange: ...
    def restrict(
        self, name: str, identifiers: SubjectIdentifiers, *, restricted: bool, dry_run: bool = False
    ) -> SystemChange: ...
    def preference(
        self,
        name: str,
        identifiers: SubjectIdentifiers,
        *,
        purpose: str,
        state: str,
        dry_run: bool = False,
    ) -> SystemChange: ...
    def health(self) -> list[SystemHealth]: ...
    def recipients(self, event: str) -> tuple[str, ...]: ...
    def notify(self, name: str, event: dict[str, Any], *, timestamp: int) -> int: ...
    def manual_names(self) -> tuple[str, ...]: ...
    def manual(self, name: str) -> ManualSystem: ...
    def send_mail(self, to: str, subject: str, body: str) -> None: ...
    def confirm_url(self, token: str) -> str: ...


class TaskState(StrEnum):
    PENDING = "pending"  # planned, not tried yet
    FAILED = "failed"  # the last attempt failed; retried at next_attempt_at
    WAITING = "waiting"  # a manual task: its owner was told, the confirmation is awaited
    DONE = "done"
    DEAD_LETTER = "dead_letter"  # attempts exhausted or overdue: the DPO must act


ERASURE = "erasure"  # Art. 17
RECTIFICATION = "rectification"  # Art. 16
RESTRICTION = "restriction"  # Art. 18 (set or lifted: ``params["restricted"]``)
PREFERENCE = "preference"  # Art. 7(3), Art. 21: ``params`` purpose and state
NOTIFY = "notify"  # a webhook recipient told (signed, ``connectors.webhook``)
MANUAL = "manual"  # a system without an API: its owner is e-mailed (``manual``)
CHANGES = (ERASURE, RECTIFICATION, RESTRICTION, PREFERENCE)  # carried out by a connector
RETRYABLE = (TaskState.PENDING.value, TaskState.FAILED.value)
OPEN = (*RETRYABLE, TaskState.WAITING.value, TaskState.DEAD_LETTER.value)


def subject_identifiers(session: Session, keyring: Keyring, contact_id: str) -> SubjectIdentifiers:
    """The contact's e-mail addresses, phone numbers, customer numbers and handles."""
    pairs = [
        (identity.kind.value, identity.value)
        for identity in ContactRepository(session, keyring).identities(contact_id)
        if identity.value and identity.kind.value in IDENTITY_KINDS
    ]
    return SubjectIdentifiers(tuple(dict.fromkeys(pairs)))


def key_id(request_id: str) -> str:
    return f"dsr-systems:{request_id}"


def event_key_id(event_id: str) -> str:
    return f"dsr-systems:event:{event_id}"


@dataclass(frozen=True, slots=True)
class ConsentEventRef:
    """A consent withdrawal or objection outside any request: its ledger/audit id and
    the person (the tasks' owner instead of a request)."""

    event_id: str
    contact_id: str


def plan(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems,
    request_id: str | None,
    identifiers: SubjectIdentifiers,
    targets: list[tuple[str, str]],
    *,
    at: datetime,
    actor: str,
    params: Mapping[str, Any] | None = None,
    changes: Mapping[str, str] | None = None,
    event: ConsentEventRef | None = None,
) -> list[SystemTask]:
    """One pending task per (system, action) target, owned by the request or, with
    ``event``, by a consent event; a target planned already is skipped. ``params``
    (purpose, state: never a value) go in clear; ``changes`` (a rectification's new
    values) are encrypted with the identifiers under the owner's key."""
    repository = SystemTaskRepository(session)
    if event is not None:
        existing = repository.for_event(event.event_id)
        subject_id, kid, owner = event.contact_id, event_key_id(event.event_id), event.event_id
    else:
        assert request_id is not None
        existing = repository.for_request(request_id)
        subject_id, kid = get_request(session, request_id).contact_id, key_id(request_id)
        owner = request_id
    planned = {(t.system, t.action) for t in existing}
    pairs = [list(pair) for pair in identifiers.values]
    payload = json.dumps({"identifiers": pairs, "changes": dict(changes)} if changes else pairs)
    for name, action in targets:
        if (name, action) in planned:
            continue
        task = repository.add(
            request_id=request_id if event is None else None,
            event_id=event.event_id if event is not None else None,
            contact_id=subject_id,
            system=name,
            action=action,
            params=dict(params or {}),
            state=TaskState.PENDING.value,
            attempts=0,
            max_attempts=systems.retry_policy(name).max_attempts,
            next_attempt_at=at,
            key_id=kid,
            identifiers_ciphertext=keyring.encrypt_for(session, kid, payload),
            created_at=at,
            updated_at=at,
        )
        audit(
            session,
            actor=actor,
            action=f"system.{action}_planned",
            subject_id=subject_id,
            object_ids=(owner, task.id),
            details={"system": name, "action": action, **dict(params or {})},
            at=at,
        )
    if event is not None:
        return repository.for_event(event.event_id)
    return repository.for_request(owner)


def task_secret(
    session: Session, keyring: Keyring, task: SystemTask
) -> tuple[SubjectIdentifiers, dict[str, str]]:
    """The identifiers the system is searched by and a rectification's new values."""
    if task.identifiers_ciphertext is None:
        return SubjectIdentifiers(()), {}
    data = json.loads(keyring.decrypt_text(session, task.key_id, task.identifiers_ciphertext))
    pairs, changes = (
        (data["identifiers"], data["changes"]) if isinstance(data, dict) else (data, {})
    )
    identifiers = SubjectIdentifiers(tuple((str(k), str(v)) for k, v in pairs))
    return identifiers, {str(k): str(v) for k, v in changes.items()}


def task_identifiers(session: Session, keyring: Keyring, task: SystemTask) -> SubjectIdentifiers:
    return task_secret(session, keyring, task)[0]


def task_subject(session: Session, task: SystemTask) -> str | None:
    """The person a task concerns (the audit entries' subject)."""
    if task.contact_id is not None or task.request_id is None:
        return task.contact_id
    return get_request(session, task.request_id).contact_id


def task_owner(task: SystemTask) -> str:
    """The request id, or the consent event id of a task outside any request."""
    return task.request_id or task.event_id or ""


def settle(
    session: Session, keyring: Keyring, task: SystemTask, *, at: datetime, actor: str
) -> None:
    """After a task is done: complete its request when every system is (or forget the
    identifiers once every recipient of a completed request was told); for a consent
    event, destroy its key once every system is done."""
    if task.request_id is not None:
        if not finish_if_complete(session, keyring, task.request_id, at=at, actor=actor):
            forget_if_all_told(session, keyring, task.request_id, at=at)
        return
    if task.event_id is None:
        return
    repository = SystemTaskRepository(session)
    tasks = repository.for_event(task.event_id)
    if all(t.state == TaskState.DONE for t in tasks):
        keyring.destroy_key(session, event_key_id(task.event_id), at=at)
        for t in tasks:
            repository.update(t.id, identifiers_ciphertext=None)


def next_attempt(
    systems: ConnectedSystems, task: SystemTask, attempts: int, *, known: bool, at: datetime
) -> tuple[bool, datetime | None]:
    """Dead after this attempt? Otherwise when the next one is due (the system's back-off)."""
    dead = attempts >= task.max_attempts
    policy = systems.retry_policy(task.system) if known else RetryPolicy()
    return dead, None if dead else at + timedelta(seconds=policy.delay_after(attempts))


def record_failure(
    repository: SystemTaskRepository,
    systems: ConnectedSystems,
    task: SystemTask,
    attempts: int,
    error: str,
    *,
    known: bool,
    not_done: str,
    at: datetime,
) -> tuple[SystemTask, bool, datetime | None]:
    """A failed attempt: the task is failed (retried after the system's back-off) or, its
    attempts spent, dead-lettered for the DPO; ``not_done`` says what has not happened.
    Returns the task, whether it is dead and when the next attempt is due (the caller
    audits it, in the same transaction)."""
    dead, next_at = next_attempt(systems, task, attempts, known=known, at=at)
    task = repository.update(
        task.id, state=(TaskState.DEAD_LETTER if dead else TaskState.FAILED).value,
        attempts=attempts, next_attempt_at=next_at, last_error=error[:1000],
        result={"done": None, "not_done": not_done}, updated_at=at,
    )  # fmt: skip
    return task, dead, next_at


def forget_if_all_told(
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
    keyring.destroy_key(session, key_id(request_id), at=at)
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
        keyring.destroy_key(session, key_id(request_id), at=at)
        for t in tasks:
            repository.update(t.id, identifiers_ciphertext=None)
    result = {**request.result, "systems_done": len(tasks)}
    complete_request(session, request_id, at=at, actor=actor, result=result)
    return True
