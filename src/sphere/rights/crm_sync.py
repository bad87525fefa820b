"""The downstream CRM sync (issue 15, point 2): records the gate allowed into a
contact's record reach the CRM with their purpose, legal basis and retention deadline,
and leave it when Sphere deletes them.

The pipeline writes an outbox entry (``crm_outbox``: record type and id, no personal
data) in the transaction that stores the record, its decision and audit entry; every
deletion of a record the CRM holds or may be receiving writes a removal entry in the
deleting transaction (``storage.repositories.crm_sync.queue_removals``: withdrawal,
objection, retention, platform deletion, erasure, policy apply). ``drain`` sends them
in batches, one Sphere transaction per batch:

1. the oldest due entries are read (locked; another drain skips them on PostgreSQL);
2. per record a removal wins over pushes; a pushed record is read as it is *now* — one
   deleted meanwhile, or whose contact is restricted (Art. 18) or erased, is removed
   instead, so the CRM never holds what Sphere no longer may;
3. the CRM gets one transaction (deletes, then an upsert keyed by Sphere's record id:
   idempotent, so a batch sent twice leaves the same rows);
4. the entries go, ``crm_synced`` follows, an audit entry with counts — or, when the CRM
   failed, the entries are retried with back-off (the target's ``retry``) and
   dead-lettered after ``max_attempts``: the DPO sees them (``/cockpit/systems``,
   ``sphere crm status``) and requeues them after fixing the cause. Nothing is lost.
   A record the CRM refuses (a value its table rejects) fails alone: the rest of the
   batch went (``CrmSyncTarget.push`` retries it record by record), the refused one
   takes the back-off with its reason (record id, column, constraint; no value).

A restriction queues removals of the contact's records, its lifting pushes them again
(``rights.controls.restrict``); a policy apply re-pushes what it decides anew
(``cockpit.apply``) — each in the transaction of the change.

If Sphere's transaction is lost after the CRM committed, the entries are still there
and the next drain sends the same batch again (idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from sphere.audit import record as audit
from sphere.domain.systems import RetryPolicy, SyncRefusal
from sphere.errors import SphereError
from sphere.storage.crypto import Keyring
from sphere.storage.db import session_scope
from sphere.storage.repositories.crm_sync import (
    REMOVE,
    CrmSyncRepository,
    OutboxEntry,
    SyncRecord,
    queue_backfill,
)

log = logging.getLogger(__name__)


class CrmTarget(Protocol):
    """What the sync needs of the connected systems (``connectors.ConnectorSet``)."""

    def sync_target(self) -> str | None: ...
    def sync_batch_size(self) -> int: ...
    def sync_push(self, records: Any, removals: Any) -> list[SyncRefusal]: ...
    def retry_policy(self, name: str) -> RetryPolicy: ...


@dataclass(slots=True)
class SyncResult:
    batches: int = 0
    pushed: int = 0
    removed: int = 0
    failed: int = 0
    dead_letter: int = 0
    refused: int = 0  # records the CRM refused (a value its table rejects)
    errors: list[str] = field(default_factory=list)  # the CRM failed (the whole batch)
    refusals: list[str] = field(default_factory=list)  # why each refused record was

    def to_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "pushed": self.pushed,
            "removed": self.removed,
            "failed": self.failed,
            "dead_letter": self.dead_letter,
            "refused": self.refused,
            "errors": self.errors[-3:],
            "refusals": self.refusals[-3:],
        }


def _row(record: SyncRecord, *, at: datetime) -> dict[str, Any]:
    return {
        "record_id": record.record_id,
        "record_type": record.record_type,
        "customer_number": record.customer_number,
        "email": record.email,
        "channel": record.channel,
        "text": record.text,
        "reference": record.reference,
        "purpose": record.purpose,
        "legal_basis": record.legal_basis,
        "retention_until": record.retention_until,
        "synced_at": at,
    }


def sync_batch(
    session: Session, keyring: Keyring, target: CrmTarget, *, at: datetime, actor: str
) -> SyncResult:
    """One batch (module docstring) in the caller's transaction; an empty result when
    nothing is due or no system is the sync target."""
    result = SyncResult()
    name = target.sync_target()
    if name is None:
        return result
    repository = CrmSyncRepository(session, keyring)
    entries = repository.due(at=at, limit=target.sync_batch_size())
    if not entries:
        return result
    result.batches = 1
    removals: dict[str, str] = {}  # record id -> type
    wanted: dict[str, set[str]] = {}  # type -> record ids to push
    for e in entries:
        if e.op == REMOVE:
            removals[e.record_id] = e.record_type
    for e in entries:
        if e.op != REMOVE and e.record_id not in removals:
            wanted.setdefault(e.record_type, set()).add(e.record_id)
    pushed: list[SyncRecord] = []
    for record_type, ids in wanted.items():
        found = repository.records(record_type, sorted(ids))
        pushed += found
        for missing in ids - {r.record_id for r in found}:
            removals[missing] = record_type  # gone or not to be shared: never pushed
    try:
        refused = target.sync_push([_row(r, at=at) for r in pushed], sorted(removals))
        error = None
    except SphereError as exc:
        refused, error = [], str(exc)
    except Exception as exc:  # a bug must not lose entries: they are retried
        log.exception("CRM sync to %s failed unexpectedly", name)
        refused, error = [], f"unexpected {type(exc).__name__} (see the server log)"
    policy = target.retry_policy(name)
    if error is not None:
        _failed(repository, policy, entries, error, at=at, result=result)
        audit(session, actor=actor, at=at,
              action="crm.sync_dead_letter" if result.dead_letter else "crm.sync_failed",
              details={"system": name, "entries": len(entries), "failed": result.failed,
                       "dead_letter": result.dead_letter})  # fmt: skip
        result.errors.append(error)
        return result
    reasons = {r.record_id: r.reason for r in refused}
    repository.synced(
        [e for e in entries if e.record_id not in reasons],
        [r for r in pushed if r.record_id not in reasons],
        [(i, t) for i, t in removals.items() if i not in reasons],
        at=at,
    )
    result.pushed = sum(1 for r in pushed if r.record_id not in reasons)
    result.removed = sum(1 for i in removals if i not in reasons)
    audit(session, actor=actor, action="crm.synced", at=at,
          details={"system": name, "pushed": result.pushed, "removed": result.removed,
                   "entries": len(entries), "refused": len(reasons)})  # fmt: skip
    if reasons:
        _refused(session, repository, policy, entries, reasons, name=name, at=at, actor=actor,
                 result=result)  # fmt: skip
    return result


def _refused(
    session: Session,
    repository: CrmSyncRepository,
    policy: RetryPolicy,
    entries: list[OutboxEntry],
    reasons: dict[str, str],
    *,
    name: str,
    at: datetime,
    actor: str,
    result: SyncResult,
) -> None:
    """Records the CRM refused go their own way: each with its reason through the
    back-off to the dead letter; the rest of the batch went. The reason names the record
    id, column and constraint, never a value (``connectors.sync_refusal``)."""
    dead_before = result.dead_letter
    for record_id, reason in reasons.items():
        mine = [e for e in entries if e.record_id == record_id]
        _failed(repository, policy, mine, reason, at=at, result=result)
        log.warning("CRM sync to %s: %s", name, reason)
    result.refused = len(reasons)
    result.refusals += list(reasons.values())
    audit(session, actor=actor, at=at, object_ids=tuple(sorted(reasons)),
          action="crm.sync_refused",
          details={"system": name, "refused": len(reasons),
                   "dead_letter": result.dead_letter - dead_before})  # fmt: skip


def _failed(
    repository: CrmSyncRepository,
    policy: RetryPolicy,
    entries: list[OutboxEntry],
    error: str,
    *,
    at: datetime,
    result: SyncResult,
) -> None:
    by_attempts: dict[int, list[OutboxEntry]] = {}
    for e in entries:
        by_attempts.setdefault(e.attempts + 1, []).append(e)
    for attempts, group in by_attempts.items():
        dead = attempts >= policy.max_attempts
        next_at = None if dead else at + timedelta(seconds=policy.delay_after(attempts))
        repository.failed(group, error=error, at=at, next_at=next_at, dead=dead)
        if dead:
            result.dead_letter += len(group)
        else:
            result.failed += len(group)


def drain(
    factory: sessionmaker[Session],
    keyring: Keyring,
    target: CrmTarget,
    *,
    now: Callable[[], datetime],
    actor: str,
    max_batches: int | None = None,
    progress: Callable[[SyncResult], None] | None = None,
) -> SyncResult:
    """Batches until nothing is due, the CRM fails (its entries wait for their back-off)
    or ``max_batches``; one Sphere transaction per batch."""
    total = SyncResult()
    while max_batches is None or total.batches < max_batches:
        with session_scope(factory) as session:
            one = sync_batch(session, keyring, target, at=now(), actor=actor)
        if not one.batches:
            break
        total.batches += 1
        total.pushed += one.pushed
        total.removed += one.removed
        total.failed += one.failed
        total.dead_letter += one.dead_letter
        total.refused += one.refused
        total.errors += one.errors
        total.refusals += one.refusals
        if progress is not None:
            progress(total)
        if one.errors:
            break  # the CRM is down: do not hammer it; the back-off decides
    return total


def backfill(session: Session, keyring: Keyring, *, at: datetime, actor: str) -> int:
    """Queue the records stored before the sync was configured; audited with the count."""
    queued = queue_backfill(session, at=at)
    if queued:
        audit(session, actor=actor, action="crm.backfill_queued", at=at,
              details={"records": queued})  # fmt: skip
    return queued


def requeue(session: Session, keyring: Keyring, *, at: datetime, actor: str) -> int:
    """The DPO gives dead-lettered entries a fresh round (after fixing the CRM)."""
    n = CrmSyncRepository(session, keyring).requeue(at=at)
    if n:
        audit(session, actor=actor, action="crm.sync_requeued", at=at, details={"entries": n})
    return n


def retry_now(session: Session, keyring: Keyring, *, at: datetime, actor: str) -> int:
    """The DPO's "sync now": dead-lettered entries requeued, failed ones due at once."""
    n = requeue(session, keyring, at=at, actor=actor)
    return n + CrmSyncRepository(session, keyring).retry_now(at=at)


def sync_now(
    factory: sessionmaker[Session],
    keyring: Keyring,
    target: CrmTarget,
    *,
    now: Callable[[], datetime],
    actor: str,
) -> SyncResult:
    """``retry_now`` (committed), then ``drain``."""
    with session_scope(factory) as session:
        retry_now(session, keyring, at=now(), actor=actor)
    return drain(factory, keyring, target, now=now, actor=actor)


def status(session: Session, keyring: Keyring, target: CrmTarget | None) -> dict[str, Any]:
    """The sync's state: its target, pending, failed and dead-lettered entries (pushes
    and removals), how many records the CRM holds from Sphere, the last error, and the
    failing entries themselves (up to 20, dead letters first) with their reasons - a
    record the CRM refused names its id, column and constraint."""
    repository = CrmSyncRepository(session, keyring)
    failing = [
        {"record_type": e.record_type, "record_id": e.record_id, "op": e.op,
         "state": e.state, "attempts": e.attempts, "next_attempt_at": e.next_attempt_at,
         "error": e.last_error}
        for e in repository.failing()
    ]  # fmt: skip
    return {
        "target": target.sync_target() if target is not None else None,
        **repository.counts(),
        "failing": failing,
    }
