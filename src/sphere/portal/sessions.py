"""Portal sessions: server-side, one per log-in, separate from staff sessions.

The cookie holds a 256-bit random token; the database holds only its SHA-256 and the
contact it belongs to. Every portal page takes the subject from here and from nowhere
else — no route accepts a contact id. A session ends at its absolute expiry, at
log-out, or when the contact is erased.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sphere.accounts import NotAuthenticated
from sphere.domain.time import ensure_utc
from sphere.portal.links import token_hash
from sphere.storage.portal_tables import PortalSessionRow
from sphere.storage.tables import ContactRow

DEFAULT_TTL = timedelta(minutes=30)


def open_portal_session(
    session: Session, contact_id: str, *, at: datetime, ttl: timedelta = DEFAULT_TTL
) -> str:
    """A new session for ``contact_id``; returns the clear token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        PortalSessionRow(
            token_sha256=token_hash(token),
            contact_id=contact_id,
            created_at=ensure_utc(at),
            expires_at=ensure_utc(at) + ttl,
        )
    )
    session.flush()
    return token


@dataclass(frozen=True, slots=True)
class LivePortalSession:
    """Who a live portal session belongs to and when it ends (absolute expiry)."""

    contact_id: str
    expires_at: datetime


def live_portal_session(session: Session, token: str, *, at: datetime) -> LivePortalSession:
    """The live session of ``token``, else ``NotAuthenticated`` (the portal API also
    tells the client when the session ends)."""
    row = session.scalar(
        select(PortalSessionRow).where(PortalSessionRow.token_sha256 == token_hash(token))
    )
    if row is None or row.revoked_at is not None or ensure_utc(row.expires_at) <= ensure_utc(at):
        raise NotAuthenticated("portal log-in required")
    contact = session.get(ContactRow, row.contact_id)
    if contact is None or contact.erased_at is not None:
        raise NotAuthenticated("portal log-in required")
    return LivePortalSession(row.contact_id, ensure_utc(row.expires_at))


def resolve_portal_session(session: Session, token: str, *, at: datetime) -> str:
    """The contact id of a live session, else ``NotAuthenticated``."""
    return live_portal_session(session, token, at=at).contact_id


def end_portal_session(session: Session, token: str, *, at: datetime) -> None:
    session.execute(
        update(PortalSessionRow)
        .where(PortalSessionRow.token_sha256 == token_hash(token))
        .where(PortalSessionRow.revoked_at.is_(None))
        .values(revoked_at=ensure_utc(at))
        .execution_options(synchronize_session=False)
    )
