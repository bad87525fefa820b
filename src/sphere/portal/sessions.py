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

from sqlalchemy.orm import Session

from sphere.accounts import NotAuthenticated
from sphere.domain.time import ensure_utc
from sphere.portal.links import token_hash
from sphere.storage.repositories.credentials import is_farewell
from sphere.storage.repositories.portal_access import PortalSessionRepository

DEFAULT_TTL = timedelta(minutes=30)
# How the person proved who they are; recorded as the verification method of the
# requests they open (GDPR Art. 12(6)).
BY_EMAIL_LINK = "portal_login_link"
BY_HANDLE_CHALLENGE = "portal_handle_challenge"


def open_portal_session(
    session: Session,
    contact_id: str,
    *,
    at: datetime,
    ttl: timedelta = DEFAULT_TTL,
    method: str = BY_EMAIL_LINK,
) -> str:
    """A new session for ``contact_id``; returns the clear token for the cookie."""
    if method not in (BY_EMAIL_LINK, BY_HANDLE_CHALLENGE):
        raise ValueError(f"unknown portal log-in method {method!r}")
    token = secrets.token_urlsafe(32)
    PortalSessionRepository(session).add(
        token_sha256=token_hash(token),
        contact_id=contact_id,
        created_at=ensure_utc(at),
        expires_at=ensure_utc(at) + ttl,
        method=method,
    )
    return token


@dataclass(frozen=True, slots=True)
class LivePortalSession:
    """Who a live portal session belongs to, when it ends (absolute expiry) and how the
    person logged in."""

    contact_id: str
    expires_at: datetime
    method: str = BY_EMAIL_LINK


class SubjectErased(NotAuthenticated):
    """The session's person was erased since (the portal says so once more)."""

    def __init__(self) -> None:
        super().__init__("your data has been erased; this session ended with it")


def live_portal_session(session: Session, token: str, *, at: datetime) -> LivePortalSession:
    """The live session of ``token``, else ``NotAuthenticated`` (the portal API also
    tells the client when the session ends)."""
    sessions = PortalSessionRepository(session)
    stored = sessions.by_token(token_hash(token))
    if stored is None and token and is_farewell(session, token_hash(token), at=ensure_utc(at)):
        raise SubjectErased()
    if (
        stored is None
        or stored.revoked_at is not None
        or ensure_utc(stored.expires_at) <= ensure_utc(at)
    ):
        raise NotAuthenticated("portal log-in required")
    if not sessions.contact_is_living(stored.contact_id):
        raise NotAuthenticated("portal log-in required")
    return LivePortalSession(stored.contact_id, ensure_utc(stored.expires_at), stored.method)


def resolve_portal_session(session: Session, token: str, *, at: datetime) -> str:
    """The contact id of a live session, else ``NotAuthenticated``."""
    return live_portal_session(session, token, at=at).contact_id


def end_portal_session(session: Session, token: str, *, at: datetime) -> None:
    PortalSessionRepository(session).revoke(token_hash(token), at=ensure_utc(at))
