"""One-time log-in links for the data-subject portal.

A person types their e-mail address; if exactly one living contact has that address
on file, a link with a 256-bit random token is issued for it. Only the token's SHA-256
is stored; the link expires after 15 minutes and is redeemable once. Requests per
address are rate-limited (keyed HMAC of the address, never the clear value), so the
form cannot be used to flood someone's mailbox. Whether the address is on file is never
revealed: the caller shows the same answer either way (no account enumeration).

Possession of the mailbox on file is what authenticates the person (the same proof as
the e-mail code of ``sphere.rights.verification``); nothing is keyed by a guessable id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sphere.accounts import LoginThrottled
from sphere.audit import record as audit
from sphere.domain.time import ensure_utc
from sphere.errors import NotFound
from sphere.rights.subject import find_contacts
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.portal_access import PortalLinkRepository

LINK_TTL = timedelta(minutes=15)
RATE_WINDOW = timedelta(minutes=15)
MAX_LINKS_PER_WINDOW = 3
ACTOR = "portal"


class LinkInvalid(NotFound):
    """Unknown, used or expired link (one message for all three: nothing to learn)."""

    def __init__(self) -> None:
        super().__init__("this log-in link is not valid any more; ask for a new one")


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A link to deliver. ``token`` is shown once and never stored in clear."""

    token: str
    contact_id: str
    address: str  # where to send it: the address on file (the one that was typed)
    expires_at: datetime

    def __repr__(self) -> str:  # never print the token or the address
        return f"IssuedLink(contact_id={self.contact_id!r}, expires_at={self.expires_at!r})"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def address_key(secret: bytes, address: str) -> str:
    return hmac.new(secret, address.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()


def create_login_link(
    session: Session,
    keyring: Keyring,
    address: str,
    *,
    at: datetime,
    throttle_secret: bytes,
    max_per_window: int = MAX_LINKS_PER_WINDOW,
) -> IssuedLink | None:
    """A link for the one living contact with ``address`` on file, else ``None``.

    Raises ``LoginThrottled`` after ``max_per_window`` links for the address within
    15 minutes (counted only for addresses on file, so the answer reveals nothing).
    """
    at = ensure_utc(at)
    value = address.strip().lower()
    if "@" not in value:
        return None
    contacts = [c for c in find_contacts(session, keyring, value) if c.erased_at is None]
    if len(contacts) != 1:
        return None
    key = address_key(throttle_secret, value)
    links = PortalLinkRepository(session)
    if links.count_since(key, since=at - RATE_WINDOW) >= max_per_window:
        raise LoginThrottled(at + RATE_WINDOW)
    token = secrets.token_urlsafe(32)
    link = links.add(
        token_sha256=token_hash(token),
        contact_id=contacts[0].id,
        address_key=key,
        created_at=at,
        expires_at=at + LINK_TTL,
    )
    audit(
        session,
        actor=ACTOR,
        action="portal.link_issued",
        subject_id=contacts[0].id,
        object_ids=(link.id,),
        details={"ttl_minutes": int(LINK_TTL.total_seconds() // 60)},
        at=at,
    )
    return IssuedLink(token, contacts[0].id, value, link.expires_at)


def redeem_login_link(session: Session, token: str, *, at: datetime) -> str:
    """The contact id of a valid, unused, unexpired link, which is used up by this call
    (a conditional UPDATE, so two concurrent redemptions cannot both succeed)."""
    at = ensure_utc(at)
    links = PortalLinkRepository(session)
    link = links.by_token(token_hash(token))
    if link is None or link.used_at is not None or ensure_utc(link.expires_at) <= at:
        raise LinkInvalid()
    if not links.claim(link.id, at=at):
        raise LinkInvalid()
    audit(
        session,
        actor=ACTOR,
        action="portal.link_redeemed",
        subject_id=link.contact_id,
        object_ids=(link.id,),
        details={},
        at=at,
    )
    return link.contact_id
