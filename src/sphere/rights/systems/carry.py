"""Carrying a request to every connected system: the erasure (Sphere, then each system,
then the webhook recipients), a rectification, restriction or objection (each system
that can, the manual systems, the recipients), and the Art. 19 notification alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.domain.systems import SubjectIdentifiers
from sphere.rights.erasure import ErasureResult, erase_contact
from sphere.rights.requests import RequestState, complete_request, get_request
from sphere.rights.systems.base import (
    NOTIFY,
    RETRYABLE,
    ConnectedSystems,
    TaskState,
    finish_if_complete,
    plan,
    subject_identifiers,
)
from sphere.rights.systems.erasure import plan_erasure, targets
from sphere.rights.systems.tasks import attempt_task
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.rights import RightsRepository
from sphere.storage.repositories.system_tasks import SystemTask, SystemTaskRepository


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
    """Erase the person in Sphere and in every connected system (package docstring).
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


def carry_everywhere(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems | None,
    request_id: str,
    identifiers: SubjectIdentifiers,
    operation: str,
    *,
    at: datetime,
    actor: str,
    params: Mapping[str, Any] | None = None,
    changes: Mapping[str, str] | None = None,
) -> list[SystemTask]:
    """Carry a rectification (``changes``: the new values by identity kind or category;
    ``identifiers``: the ones the systems still hold, taken before Sphere's own
    correction), a restriction (``params["restricted"]``) or an objection
    (``preference``, ``params`` purposes and state) to every connected system that can
    do it, to the manual systems whose owner has instructions for it, and to the
    request's webhook recipients: one task each, tried once now, then retried with
    back-off and dead-lettered like an erasure. Returns the request's tasks."""
    if systems is None:
        return []
    request = get_request(session, request_id)
    found = targets(systems, operation, request.type)
    if not found:
        return []
    plan(session, keyring, systems, request_id, identifiers, found, at=at, actor=actor,
         params={"operation": operation, **dict(params or {})}, changes=changes)  # fmt: skip
    repository = SystemTaskRepository(session)
    for task in repository.for_request(request_id):
        if task.state in RETRYABLE:
            attempt_task(session, keyring, systems, task.id, at=at, actor=actor)
    return repository.for_request(request_id)


def complete_unless_open(
    session: Session,
    keyring: Keyring,
    request_id: str,
    result: Mapping[str, Any],
    *,
    at: datetime,
    actor: str,
) -> tuple[str, ...]:
    """Sphere's part is done: complete the request, unless a system task is still open
    (Art. 12(3) counts the slowest system); then it stays in progress with Sphere's
    result and completes with its last system. Returns the systems still open."""
    tasks = SystemTaskRepository(session).for_request(request_id)
    if not tasks:  # no connected system concerned: completed as before
        complete_request(session, request_id, at=at, actor=actor, result=dict(result))
        return ()
    RightsRepository(session).update_request(request_id, result=dict(result))
    open_systems = tuple(t.system for t in tasks if t.state != TaskState.DONE)
    if not open_systems:
        finish_if_complete(session, keyring, request_id, at=at, actor=actor)
    return open_systems


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
    plan(session, keyring, systems, request_id, identifiers, targets, at=at, actor=actor)
    for task in SystemTaskRepository(session).for_request(request_id):
        if task.action == NOTIFY and task.state in RETRYABLE:
            attempt_task(session, keyring, systems, task.id, at=at, actor=actor)
    return SystemTaskRepository(session).for_request(request_id)
