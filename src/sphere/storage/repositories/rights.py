"""Data-subject requests (Art. 12, 15-22 GDPR) and their verification challenges: the
``dsr_requests`` and ``dsr_verifications`` tables of ``rights_tables``.

The Art. 14 duties are ``notice_duties``; what the erasure cascade and the retention run
delete, ``erasure`` and ``retention`` (repositories beside this one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from sphere.storage.rights_tables import DsrRequestRow, DsrVerificationRow


@dataclass(frozen=True, slots=True)
class DsrRequest:
    id: str
    contact_id: str | None
    type: str
    state: str
    channel: str
    received_at: datetime
    due_at: datetime
    extended_until: datetime | None
    extension_reason: str | None
    verified_at: datetime | None
    verification_method: str | None
    rejected_reason: str | None
    completed_at: datetime | None
    result: dict[str, Any]
    opened_by: str
    details_ciphertext: bytes | None = field(default=None, repr=False)
    corrections_ciphertext: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Verification:
    id: str
    request_id: str
    method: str
    identity_id: str | None
    salt: bytes
    secret_hash: str
    created_at: datetime
    expires_at: datetime
    attempts: int
    max_attempts: int
    consumed_at: datetime | None


def _request(row: DsrRequestRow) -> DsrRequest:
    return DsrRequest(
        id=row.id,
        contact_id=row.contact_id,
        type=row.type,
        state=row.state,
        channel=row.channel,
        received_at=row.received_at,
        due_at=row.due_at,
        extended_until=row.extended_until,
        extension_reason=row.extension_reason,
        verified_at=row.verified_at,
        verification_method=row.verification_method,
        rejected_reason=row.rejected_reason,
        completed_at=row.completed_at,
        result=dict(row.result or {}),
        opened_by=row.opened_by,
        details_ciphertext=row.details_ciphertext,
        corrections_ciphertext=row.corrections_ciphertext,
    )


def _verification(row: DsrVerificationRow) -> Verification:
    return Verification(
        id=row.id,
        request_id=row.request_id,
        method=row.method,
        identity_id=row.identity_id,
        salt=row.salt,
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        consumed_at=row.consumed_at,
    )


class RightsRepository:
    """Requests (the queue, the workflow fields) and verification challenges."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- requests -------------------------------------------------------------------
    def add_request(
        self,
        *,
        contact_id: str,
        type: str,
        state: str,
        channel: str,
        received_at: datetime,
        due_at: datetime,
        opened_by: str,
        details_ciphertext: bytes | None = None,
    ) -> DsrRequest:
        row = DsrRequestRow(
            contact_id=contact_id,
            type=type,
            state=state,
            channel=channel,
            received_at=received_at,
            due_at=due_at,
            opened_by=opened_by,
            result={},
            details_ciphertext=details_ciphertext,
        )
        self.session.add(row)
        self.session.flush()
        return _request(row)

    def _request_row(self, request_id: str) -> DsrRequestRow | None:
        return self.session.get(DsrRequestRow, request_id)

    def get_request(self, request_id: str) -> DsrRequest | None:
        row = self._request_row(request_id)
        return None if row is None else _request(row)

    def update_request(self, request_id: str, **changes: Any) -> DsrRequest:
        """Set workflow fields (state, verified_at, due_at, result …) on one request."""
        row = self._request_row(request_id)
        if row is None:
            raise LookupError(request_id)
        for name, value in changes.items():
            if not hasattr(DsrRequestRow, name) or name == "id":
                raise AttributeError(name)
            setattr(row, name, value)
        self.session.flush()
        return _request(row)

    def list_requests(
        self, *, contact_id: str | None = None, states: Sequence[str] | None = None
    ) -> list[DsrRequest]:
        query = select(DsrRequestRow).order_by(DsrRequestRow.received_at, DsrRequestRow.id)
        if contact_id is not None:
            query = query.where(DsrRequestRow.contact_id == contact_id)
        if states:
            query = query.where(DsrRequestRow.state.in_(list(states)))
        return [_request(r) for r in self.session.scalars(query)]

    def page_requests(
        self,
        *,
        states: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 100,
    ) -> list[DsrRequest]:
        """Requests ordered by their deadline (the extended one when extended), then id,
        after ``after`` (keyset pagination) — the queue's order at any size."""
        r = DsrRequestRow
        deadline = func.coalesce(r.extended_until, r.due_at)
        query = select(r).order_by(deadline, r.id).limit(limit)
        if states:
            query = query.where(r.state.in_(list(states)))
        if types:
            query = query.where(r.type.in_(list(types)))
        if after is not None:
            query = query.where(
                or_(deadline > after[0], and_(deadline == after[0], r.id > after[1]))
            )
        return [_request(row) for row in self.session.scalars(query)]

    def add_verification(
        self,
        *,
        request_id: str,
        method: str,
        identity_id: str | None,
        salt: bytes,
        secret_hash: str,
        created_at: datetime,
        expires_at: datetime,
        max_attempts: int,
    ) -> Verification:
        row = DsrVerificationRow(
            request_id=request_id,
            method=method,
            identity_id=identity_id,
            salt=salt,
            secret_hash=secret_hash,
            created_at=created_at,
            expires_at=expires_at,
            attempts=0,
            max_attempts=max_attempts,
        )
        self.session.add(row)
        self.session.flush()
        return _verification(row)

    def verifications(self, request_id: str, *, method: str | None = None) -> list[Verification]:
        query = (
            select(DsrVerificationRow)
            .where(DsrVerificationRow.request_id == request_id)
            .order_by(DsrVerificationRow.created_at.desc(), DsrVerificationRow.id)
        )
        if method is not None:
            query = query.where(DsrVerificationRow.method == method)
        return [_verification(r) for r in self.session.scalars(query)]

    def count_attempt(self, verification_id: str) -> None:
        self.session.execute(
            update(DsrVerificationRow)
            .where(DsrVerificationRow.id == verification_id)
            .values(attempts=DsrVerificationRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )

    def consume(self, verification_id: str, *, at: datetime) -> bool:
        """Mark a challenge used; False if it was already used (a replay, even a racing one)."""
        result = self.session.execute(
            update(DsrVerificationRow)
            .where(
                DsrVerificationRow.id == verification_id,
                DsrVerificationRow.consumed_at.is_(None),
            )
            .values(consumed_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    def delete_verifications_of_contact(self, contact_id: str) -> int:
        ids = select(DsrRequestRow.id).where(DsrRequestRow.contact_id == contact_id)
        result = self.session.execute(
            delete(DsrVerificationRow)
            .where(DsrVerificationRow.request_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)
