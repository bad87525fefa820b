"""Which tasks a request or consent event plans: one per connected system that can do
the operation, a manual task per system without an API whose owner has instructions for
it, and a notification per webhook recipient of the event (Art. 19). One attempt of a
system's change is ``change.attempt_change``, of a manual task ``manual.attempt_manual``,
of a notification ``notify.attempt_notify``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sphere.domain.systems import SubjectIdentifiers
from sphere.rights.systems.base import ERASURE, MANUAL, NOTIFY, ConnectedSystems, plan
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.system_tasks import SystemTask


def targets(systems: ConnectedSystems, operation: str, event: str) -> list[tuple[str, str]]:
    """(system, action) for ``operation`` (erasure, rectification, restriction,
    preference) and the webhook recipients of ``event`` (erasure, …, consent)."""
    if operation == ERASURE:  # every SQL connector can erase
        found = [(n, operation) for n in systems.names()]
    else:
        found = [(n, operation) for n in systems.names() if systems.supports(n, operation)]
    found += [
        (m, MANUAL) for m in systems.manual_names() if systems.manual(m).instruction(operation)
    ]
    found += [(n, NOTIFY) for n in systems.recipients(event)]
    return found


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
    return plan(session, keyring, systems, request_id, identifiers,
                targets(systems, ERASURE, ERASURE), params={"operation": ERASURE},
                at=at, actor=actor)  # fmt: skip
