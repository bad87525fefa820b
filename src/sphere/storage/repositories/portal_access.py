"""One-time log-in links and portal sessions of the data-subject portal
(``portal_login_links``, ``portal_sessions``) and the log-in throttle's attempts
(``portal_login_attempts``).

Only the SHA-256 of each token and a keyed HMAC of the e-mail address are stored (see
``storage.portal_tables``); callers pass hashes in, never a token. Claiming a link is a
conditional UPDATE checked by its row count, so a link is used once even when two
redemptions race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sphere.storage.portal_tables import (
    PortalLoginAttemptRow,
    PortalLoginLinkRow,
    PortalSessionRow,
)
from sphere.storage.tables import ContactRow


@dataclass(frozen=True, slots=True)
class StoredLoginLink:
    id: str
    contact_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredPortalSession:
    id: str
    contact_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    method: str


def _link(row: PortalLoginLinkRow) -> StoredLoginLink:
    return StoredLoginLink(
        id=row.id,
        contact_id=row.contact_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


def _session(row: PortalSessionRow) -> StoredPortalSession:
    return StoredPortalSession(
        id=row.id,
        contact_id=row.contact_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        method=row.method,
    )


class PortalLinkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        token_sha256: str,
        contact_id: str,
        address_key: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> StoredLoginLink:
        row = PortalLoginLinkRow(
            token_sha256=token_sha256,
            contact_id=contact_id,
            address_key=address_key,
            created_at=created_at,
            expires_at=expires_at,
        )
        self.session.add(row)
        self.session.flush()
        return _link(row)

    def by_token(self, token_sha256: str) -> StoredLoginLink | None:
        row = self.session.scalar(
            select(PortalLoginLinkRow).where(PortalLoginLinkRow.token_sha256 == token_sha256)
        )
        return None if row is None else _link(row)

    def claim(self, link_id: str, *, at: datetime) -> bool:
        """Mark the link used now; False if it already was (the loser of a race)."""
        result = self.session.execute(
            update(PortalLoginLinkRow)
            .where(PortalLoginLinkRow.id == link_id)
            .where(PortalLoginLinkRow.used_at.is_(None))
            .values(used_at=at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


class PortalSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        token_sha256: str,
        contact_id: str,
        created_at: datetime,
        expires_at: datetime,
        method: str,
    ) -> StoredPortalSession:
        row = PortalSessionRow(
            token_sha256=token_sha256,
            contact_id=contact_id,
            created_at=created_at,
            expires_at=expires_at,
            method=method,
        )
        self.session.add(row)
        self.session.flush()
        return _session(row)

    def by_token(self, token_sha256: str) -> StoredPortalSession | None:
        """The session with this token hash, live or not (the caller judges expiry)."""
        row = self.session.scalar(
            select(PortalSessionRow).where(PortalSessionRow.token_sha256 == token_sha256)
        )
        return None if row is None else _session(row)

    def contact_is_living(self, contact_id: str) -> bool:
        """The contact exists and is not erased (an erasure ends every portal session)."""
        contact = self.session.get(ContactRow, contact_id)
        return contact is not None and contact.erased_at is None

    def revoke(self, token_sha256: str, *, at: datetime) -> bool:
        """Revoke the session now; False if unknown or already revoked."""
        result = self.session.execute(
            update(PortalSessionRow)
            .where(PortalSessionRow.token_sha256 == token_sha256)
            .where(PortalSessionRow.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)


class PortalAttemptRepository:
    """Log-in requests for the throttle: counted per target (address or handle), per
    client and in total over a window; keys are keyed HMACs, never clear values."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _count(self, since: datetime, *conditions: Any) -> int:
        query = (
            select(func.count())
            .select_from(PortalLoginAttemptRow)
            .where(PortalLoginAttemptRow.created_at > since, *conditions)
        )
        return int(self.session.scalar(query) or 0)

    def counts_since(
        self, target_key: str, client_key: str, *, since: datetime
    ) -> tuple[int, int, int]:
        """(for this target, from this client, in total) after ``since``."""
        return (
            self._count(since, PortalLoginAttemptRow.target_key == target_key),
            self._count(since, PortalLoginAttemptRow.client_key == client_key),
            self._count(since),
        )

    def add(self, *, target_key: str, client_key: str, at: datetime, expires_at: datetime) -> None:
        self.session.add(
            PortalLoginAttemptRow(
                target_key=target_key, client_key=client_key, created_at=at, expires_at=expires_at
            )
        )
        self.session.flush()
