"""What every per-system task shares: the ``ConnectedSystems`` protocol, the task states
and actions, the person's identifiers (encrypted under a key of the request's own),
planning tasks, recording a failed attempt, and completing the request."""

from __future__ import annotations

import json
from collections.abc import Mapping
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
from sphere.rights.requests import RequestState, complete_request, get_request
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.system_tasks import SystemTask, SystemTaskRepository


class ConnectedSystems(Protocol):
    """What the rights services need of the connected systems.

    ``supports(name, operation)``: operation one of ``domain.systems.OPERATIONS``
    (access, erasure, rectification, restriction, preference). ``rectify``,
    ``restrict`` and ``preference`` return a ``SystemChange`` whose ``operation`` names
    them; one with ``unsupported`` set (the system declares nothing for it) changed
    nothing and is no failure. ``rectify``'s changes are keyed by identity kind or data
    category (``email``, ``phone``, ``name``, ``postal_address``) or a key the
    definition names; ``preference``'s state is one of ``PREFERENCE_STATES``."""

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
        self,
        name: str,
        identifiers: SubjectIdentifiers,
        *,
        restricted: bool,
        dry_run: bool = False,
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


def key_id(request_id: str) -> str:
    return f"dsr-systems:{request_id}"


def plan(
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
    """One pending task per (system, action) target; a system planned already is skipped."""
    repository = SystemTaskRepository(session)
    planned = {t.system for t in repository.for_request(request_id)}
    request = get_request(session, request_id)
    kid = key_id(request_id)
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
            key_id=kid,
            identifiers_ciphertext=keyring.encrypt_for(session, kid, payload),
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


def task_identifiers(session: Session, keyring: Keyring, task: SystemTask) -> SubjectIdentifiers:
    if task.identifiers_ciphertext is None:
        return SubjectIdentifiers(())
    pairs = json.loads(keyring.decrypt_text(session, task.key_id, task.identifiers_ciphertext))
    return SubjectIdentifiers(tuple((str(k), str(v)) for k, v in pairs))


def next_attempt(
    systems: ConnectedSystems, task: SystemTask, attempts: int, *, known: bool, at: datetime
) -> tuple[bool, datetime | None]:
    """Dead after this attempt? Otherwise when the next one is due (the system's back-off)."""
    dead = attempts >= task.max_attempts
    policy = systems.retry_policy(task.system) if known else RetryPolicy()
    return dead, None if dead else at + timedelta(seconds=policy.delay_after(attempts))


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
