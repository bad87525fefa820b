"""The CRM sync's outbox and what the CRM holds (``crm_sync_tables``).

Writes join the caller's transaction (never commit): ``queue_pushes`` with the batch
that stores records (one executemany), ``queue_removals`` before records are deleted
(one INSERT … SELECT per 500 ids, a no-op when the CRM holds none of them); a
restriction and its lifting per contact (``queue_contact_removals``/``_pushes``), a
policy apply's new decisions (``queue_repushes``, held records only). The drain
(``sphere.rights.crm_sync``) reads due entries, the records behind them, and records
the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, null, or_, select, union, update
from sqlalchemy.orm import Session

from sphere.domain import Outcome
from sphere.domain.time import utcnow
from sphere.storage.crm_sync_tables import CrmOutboxRow, CrmSyncedRow
from sphere.storage.crypto import Keyring, SubjectKeyDestroyed
from sphere.storage.tables import ContactRow, DecisionRow, EventRow, IdentityRow, InteractionRow

PUSH, REMOVE = "push", "remove"
PENDING, FAILED, DEAD_LETTER = "pending", "failed", "dead_letter"
RECORD_TYPES = ("interaction", "event")
_CHUNK = 500
# A restricted (Art. 18) or erased contact's records are not handed on.
_SHAREABLE = (ContactRow.restricted.is_(False), ContactRow.erased_at.is_(None))
_STORING = (Outcome.ALLOW.value, Outcome.ALLOW_WITH_DUTIES.value)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    record_type: str
    record_id: str
    op: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SyncRecord:
    """A record as the CRM receives it (plain values, decrypted)."""

    record_type: str
    record_id: str
    contact_id: str
    channel: str
    reference: str
    text: str | None
    purpose: str | None
    legal_basis: str | None
    retention_until: datetime | None
    customer_number: str | None = None
    email: str | None = None
    decided_at: datetime | None = None  # of the decision purpose and basis come from


def queue_pushes(session: Session, record_type: str, ids: Sequence[str], *, at: datetime) -> None:
    """Outbox entries for records just stored (one executemany)."""
    if not ids:
        return
    session.execute(
        insert(CrmOutboxRow),
        [
            {
                "record_type": record_type,
                "record_id": i,
                "op": PUSH,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": None,  # due at once
                "created_at": at,
            }
            for i in ids
        ],
    )


def queue_removals(session: Session, record_type: str, ids: Iterable[str]) -> None:
    """Removal entries for records about to be deleted that the CRM holds or may be
    receiving (a push still in the outbox); call before the DELETE. Due at once."""
    ids = list(ids)
    at = utcnow()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        held = union(
            select(CrmSyncedRow.record_id).where(CrmSyncedRow.record_id.in_(chunk)),
            select(CrmOutboxRow.record_id).where(
                CrmOutboxRow.record_id.in_(chunk), CrmOutboxRow.op == PUSH
            ),
        ).subquery()
        session.execute(
            insert(CrmOutboxRow).from_select(
                ["record_type", "record_id", "op", "state", "attempts", "next_attempt_at",
                 "created_at"],
                select(
                    literal(record_type), held.c.record_id, literal(REMOVE), literal(PENDING),
                    literal(0), null(), literal(at, CrmOutboxRow.created_at.type),
                ),
            )
        )  # fmt: skip


def _contact_records(session: Session, contact_id: str) -> dict[str, list[str]]:
    return {
        "interaction": list(session.scalars(
            select(InteractionRow.id).where(
                InteractionRow.contact_id == contact_id, InteractionRow.deleted_at.is_(None)
            ).order_by(InteractionRow.id)
        )),
        "event": list(session.scalars(
            select(EventRow.id).where(EventRow.contact_id == contact_id).order_by(EventRow.id)
        )),
    }  # fmt: skip


def queue_contact_removals(session: Session, contact_id: str) -> int:
    """A restriction (Art. 18): removal entries for the contact's records the CRM holds
    or may be receiving (none queued when it holds none); returns the records looked at."""
    found = _contact_records(session, contact_id)
    for record_type, ids in found.items():
        queue_removals(session, record_type, ids)
    return sum(len(ids) for ids in found.values())


def queue_contact_pushes(session: Session, contact_id: str, *, at: datetime) -> int:
    """A restriction lifted (Art. 18(3)): pushes for all the contact's stored records
    (the drain reads each as it is then); returns how many were queued."""
    found = _contact_records(session, contact_id)
    for record_type, ids in found.items():
        for start in range(0, len(ids), _CHUNK):
            queue_pushes(session, record_type, ids[start : start + _CHUNK], at=at)
    return sum(len(ids) for ids in found.values())


def queue_repushes(session: Session, record_type: str, ids: Sequence[str], *, at: datetime) -> None:
    """Pushes for records decided anew that the CRM holds (a policy apply changed their
    purpose or legal basis in place): its copy gets the decision now in force. Records
    the CRM does not hold are left alone (a push still waiting reads the record as it
    is when it is sent). One INSERT … SELECT per 500 ids."""
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        session.execute(
            insert(CrmOutboxRow).from_select(
                ["record_type", "record_id", "op", "state", "attempts", "next_attempt_at",
                 "created_at"],
                select(
                    literal(record_type), CrmSyncedRow.record_id, literal(PUSH),
                    literal(PENDING), literal(0), null(),
                    literal(at, CrmOutboxRow.created_at.type),
                ).where(CrmSyncedRow.record_id.in_(chunk)),
            )
        )  # fmt: skip


def queue_backfill(session: Session, *, at: datetime) -> int:
    """Pushes for the records of contacts stored before the sync was configured (those
    neither held by the CRM nor in the outbox); returns how many were queued."""
    queued = 0
    for record_type, table in (("interaction", InteractionRow), ("event", EventRow)):
        ids = list(
            session.scalars(
                select(table.id).where(
                    table.contact_id.is_not(None),
                    ~select(CrmSyncedRow.record_id)
                    .where(CrmSyncedRow.record_id == table.id)
                    .exists(),
                    ~select(CrmOutboxRow.id).where(CrmOutboxRow.record_id == table.id).exists(),
                )
            )
        )
        for start in range(0, len(ids), _CHUNK):
            queue_pushes(session, record_type, ids[start : start + _CHUNK], at=at)
        queued += len(ids)
    return queued


def _entry(row: CrmOutboxRow) -> OutboxEntry:
    return OutboxEntry(
        row.id, row.record_type, row.record_id, row.op, row.state, row.attempts,
        row.next_attempt_at, row.last_error, row.created_at,
    )  # fmt: skip


class CrmSyncRepository:
    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.session, self.keyring = session, keyring

    def due(self, *, at: datetime, limit: int) -> list[OutboxEntry]:
        """The oldest entries due now, locked (another drain skips them on PostgreSQL)."""
        query = (
            select(CrmOutboxRow)
            .where(
                CrmOutboxRow.state.in_((PENDING, FAILED)),
                or_(CrmOutboxRow.next_attempt_at.is_(None), CrmOutboxRow.next_attempt_at <= at),
            )
            .order_by(CrmOutboxRow.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_entry(r) for r in self.session.scalars(query)]

    def has_due(self, *, at: datetime) -> bool:
        return (
            self.session.scalar(
                select(CrmOutboxRow.id)
                .where(
                    CrmOutboxRow.state.in_((PENDING, FAILED)),
                    or_(
                        CrmOutboxRow.next_attempt_at.is_(None),
                        CrmOutboxRow.next_attempt_at <= at,
                    ),
                )
                .limit(1)
            )
            is not None
        )

    def records(self, record_type: str, ids: Sequence[str]) -> list[SyncRecord]:
        """The records that still exist and may be handed on (their contact is neither
        restricted nor erased), decrypted, with their decision's purpose and legal basis
        and their contact's customer number and e-mail."""
        if not ids:
            return []
        found: list[SyncRecord] = []
        if record_type == "interaction":
            rows = self.session.execute(
                select(
                    InteractionRow.id, InteractionRow.contact_id, InteractionRow.channel,
                    InteractionRow.source_id, InteractionRow.text_ciphertext,
                    InteractionRow.key_id, InteractionRow.retention_until,
                    DecisionRow.purpose, DecisionRow.legal_basis, DecisionRow.decided_at,
                )
                .join(ContactRow, ContactRow.id == InteractionRow.contact_id)
                .outerjoin(DecisionRow, DecisionRow.id == InteractionRow.decision_id)
                .where(InteractionRow.id.in_(list(ids)), *_SHAREABLE)
            )  # fmt: skip
            for r in rows:
                found.append(
                    SyncRecord(
                        "interaction", r.id, r.contact_id, r.channel, f"{r.channel}:{r.source_id}",
                        self._text(r.key_id, r.text_ciphertext), r.purpose, r.legal_basis,
                        r.retention_until, decided_at=r.decided_at,
                    )
                )  # fmt: skip
        elif record_type == "event":
            rows = self.session.execute(
                select(
                    EventRow.id, EventRow.contact_id, EventRow.channel, EventRow.source_id,
                    EventRow.kind, EventRow.retention_until, DecisionRow.purpose,
                    DecisionRow.legal_basis, DecisionRow.decided_at,
                )
                .join(ContactRow, ContactRow.id == EventRow.contact_id)
                .outerjoin(DecisionRow, DecisionRow.id == EventRow.decision_id)
                .where(EventRow.id.in_(list(ids)), *_SHAREABLE)
            )  # fmt: skip
            for r in rows:
                found.append(
                    SyncRecord(
                        "event", r.id, r.contact_id, r.channel,
                        f"{r.channel}:{r.source_id or r.id}", r.kind, r.purpose,
                        r.legal_basis, r.retention_until, decided_at=r.decided_at,
                    )
                )  # fmt: skip
        return self._with_identities(self._in_force(record_type, found))

    def _in_force(self, record_type: str, records: list[SyncRecord]) -> list[SyncRecord]:
        """Purpose and legal basis of the decision in force: a policy apply appends a new
        decision for a record that stays (``cockpit.apply``; the record keeps pointing at
        the one it was stored under), so the newest decision allowing storage of the
        same record (type, reference, contact) made after the record's own wins."""
        by_ref = {(r.reference, r.contact_id): r for r in records}
        newest: dict[tuple[str, str], tuple[str, str | None]] = {}
        refs = sorted({ref for ref, _ in by_ref})
        for start in range(0, len(refs), _CHUNK):
            rows = self.session.execute(
                select(DecisionRow.record_ref, DecisionRow.contact_id, DecisionRow.purpose,
                       DecisionRow.legal_basis, DecisionRow.decided_at)
                .where(
                    DecisionRow.record_type == record_type,
                    DecisionRow.record_ref.in_(refs[start : start + _CHUNK]),
                    DecisionRow.outcome.in_(_STORING),
                )
                .order_by(DecisionRow.decided_at, DecisionRow.id)
            )  # fmt: skip
            for ref, contact_id, purpose, basis, decided_at in rows:
                record = by_ref.get((ref, contact_id))
                if record is not None and (
                    record.decided_at is None or _aware(decided_at) > _aware(record.decided_at)
                ):
                    newest[(ref, contact_id)] = (purpose, basis)
        return [
            replace(r, purpose=newest[key][0], legal_basis=newest[key][1])
            if (key := (r.reference, r.contact_id)) in newest
            else r
            for r in records
        ]

    def _text(self, key_id: str | None, ciphertext: bytes | None) -> str | None:
        if key_id is None or ciphertext is None:
            return None
        try:
            return self.keyring.decrypt_text(self.session, key_id, ciphertext)
        except SubjectKeyDestroyed:
            return None

    def _with_identities(self, records: list[SyncRecord]) -> list[SyncRecord]:
        """Each record's contact's first customer number and e-mail (one read)."""
        contact_ids = sorted({r.contact_id for r in records})
        wanted: dict[str, dict[str, str]] = {}
        for start in range(0, len(contact_ids), _CHUNK):
            rows = self.session.execute(
                select(
                    IdentityRow.contact_id,
                    IdentityRow.kind,
                    IdentityRow.key_id,
                    IdentityRow.value_ciphertext,
                )
                .where(
                    IdentityRow.contact_id.in_(contact_ids[start : start + _CHUNK]),
                    IdentityRow.kind.in_(("customer_number", "email")),
                )
                .order_by(IdentityRow.created_at, IdentityRow.id)
            )
            for r in rows:
                mine = wanted.setdefault(r.contact_id, {})
                if r.kind not in mine:
                    value = self._text(r.key_id, r.value_ciphertext)
                    if value is not None:
                        mine[r.kind] = value
        return [
            replace(
                r,
                customer_number=wanted.get(r.contact_id, {}).get("customer_number"),
                email=wanted.get(r.contact_id, {}).get("email"),
            )
            for r in records
        ]

    # -- outcome -----------------------------------------------------------------------
    def synced(self, entries: Sequence[OutboxEntry], pushed: Sequence[SyncRecord],
               removed: Sequence[tuple[str, str]], *, at: datetime) -> None:  # fmt: skip
        """The batch reached the CRM: its entries go; ``crm_synced`` follows."""
        gone = [record_id for record_id, _ in removed]
        ids = [r.record_id for r in pushed]
        for start in range(0, len(gone) + len(ids), _CHUNK):
            chunk = [*gone, *ids][start : start + _CHUNK]
            self.session.execute(delete(CrmSyncedRow).where(CrmSyncedRow.record_id.in_(chunk)))
        if pushed:
            self.session.execute(
                insert(CrmSyncedRow),
                [{"record_id": r.record_id, "record_type": r.record_type, "synced_at": at}
                 for r in pushed],
            )  # fmt: skip
        entry_ids = [e.id for e in entries]
        for start in range(0, len(entry_ids), _CHUNK):
            self.session.execute(
                delete(CrmOutboxRow).where(CrmOutboxRow.id.in_(entry_ids[start : start + _CHUNK]))
            )

    def failed(self, entries: Sequence[OutboxEntry], *, error: str, at: datetime,
               next_at: datetime | None, dead: bool) -> None:  # fmt: skip
        entry_ids = [e.id for e in entries]
        for start in range(0, len(entry_ids), _CHUNK):
            self.session.execute(
                update(CrmOutboxRow)
                .where(CrmOutboxRow.id.in_(entry_ids[start : start + _CHUNK]))
                .values(
                    state=DEAD_LETTER if dead else FAILED,
                    attempts=CrmOutboxRow.attempts + 1,
                    next_attempt_at=next_at,
                    last_error=error[:1000],
                )
            )

    def requeue(self, *, at: datetime) -> int:
        """Dead-lettered entries get a fresh round (after the DPO fixed the cause)."""
        result = self.session.execute(
            update(CrmOutboxRow)
            .where(CrmOutboxRow.state == DEAD_LETTER)
            .values(state=PENDING, attempts=0, next_attempt_at=at)
        )
        return int(result.rowcount or 0)

    def retry_now(self, *, at: datetime) -> int:
        """Failed entries are due now (their back-off waived)."""
        result = self.session.execute(
            update(CrmOutboxRow).where(CrmOutboxRow.state == FAILED).values(next_attempt_at=at)
        )
        return int(result.rowcount or 0)

    def failing(self, *, limit: int = 20) -> list[OutboxEntry]:
        """Failed and dead-lettered entries, dead letters first, newest first: what the
        DPO must look at (each with its reason)."""
        rows = self.session.scalars(
            select(CrmOutboxRow)
            .where(CrmOutboxRow.state.in_((FAILED, DEAD_LETTER)))
            .order_by((CrmOutboxRow.state == DEAD_LETTER).desc(), CrmOutboxRow.id.desc())
            .limit(limit)
        )
        return [_entry(r) for r in rows]

    def counts(self) -> dict[str, Any]:
        """Pending (of them removals), failed and dead-lettered entries, records held by
        the CRM, the last error and the oldest waiting entry."""
        counts: dict[str, Any] = {PENDING: 0, FAILED: 0, DEAD_LETTER: 0}
        for state, op, n in self.session.execute(
            select(CrmOutboxRow.state, CrmOutboxRow.op, func.count()).group_by(
                CrmOutboxRow.state, CrmOutboxRow.op
            )
        ):
            counts[state] = counts.get(state, 0) + int(n)
            if op == REMOVE and state == PENDING:
                counts["removals"] = counts.get("removals", 0) + int(n)
        counts.setdefault("removals", 0)
        counts["synced"] = int(self.session.scalar(select(func.count()).select_from(CrmSyncedRow)))
        last = self.session.execute(
            select(CrmOutboxRow.last_error, CrmOutboxRow.attempts)
            .where(CrmOutboxRow.state.in_((FAILED, DEAD_LETTER)))
            .order_by(CrmOutboxRow.id.desc())
            .limit(1)
        ).first()
        counts["last_error"] = last[0] if last else None
        counts["oldest"] = self.session.scalar(
            select(func.min(CrmOutboxRow.created_at)).where(
                and_(CrmOutboxRow.state.in_((PENDING, FAILED, DEAD_LETTER)))
            )
        )
        return counts
