"""One-time log-in links for the data-subject portal.

A person types their e-mail address. ``admit_link_request`` checks that it is one and
counts the request (``portal.login_throttle``: per address, per client, in total) —
before any lookup, so known and unknown addresses get the same answer, the same
throttle and the same time (no account enumeration, issue 18). The caller answers at
once and only then, after the answer (``WebRuntime.after_response``), calls
``create_login_link``: if exactly one living contact has that address on file, a link
with a 256-bit random token is issued for it. Only the token's SHA-256 is stored; the
link expires after 15 minutes and is redeemable once.

Possession of the mailbox on file is what authenticates the person (the same proof as
the e-mail code of ``sphere.rights.verification``); nothing is keyed by a guessable id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain.time import ensure_utc
from sphere.errors import InvalidInput, NotFound
from sphere.portal.login_throttle import PortalLoginLimits, admit_login_attempt
from sphere.rights.subject import find_contacts
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.portal_access import PortalLinkRepository

LINK_TTL = timedelta(minutes=15)
MAX_ADDRESS_CHARS = 254  # RFC 5321 path limit
ACTOR = "portal"
# One @, a non-empty local part without spaces or a leading @, a domain with a dot: what
# a mail server accepts as a recipient. "@anna" or "anna@" (a social handle) is refused.
_ADDRESS = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


class NotAnEmailAddress(InvalidInput):
    """The e-mail field holds something else (a social handle, a name)."""

    def __init__(self) -> None:
        super().__init__(
            "email: type an e-mail address such as name@example.com; to log in with a "
            "social-media account, use the form for that below"
        )


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


def email_address(value: str) -> str:
    """``value`` normalised (trimmed, lower case) if it is an e-mail address, else
    ``NotAnEmailAddress``."""
    address = value.strip().lower()
    if len(address) > MAX_ADDRESS_CHARS or not _ADDRESS.fullmatch(address):
        raise NotAnEmailAddress()
    return address


def admit_link_request(
    session: Session,
    address: str,
    *,
    client_key: str,
    at: datetime,
    throttle_secret: bytes,
    limits: PortalLoginLimits,
) -> str:
    """Validate and count a request for a log-in link; the normalised address to hand to
    ``create_login_link`` after answering. Raises ``NotAnEmailAddress`` or
    ``LoginThrottled``; looks nothing up, so the work is the same for every address."""
    value = email_address(address)
    admit_login_attempt(
        session,
        target_key=address_key(throttle_secret, value),
        client_key=client_key,
        at=at,
        limits=limits,
    )
    return value


def create_login_link(
    session: Session,
    keyring: Keyring,
    address: str,
    *,
    at: datetime,
    throttle_secret: bytes,
    actor: str = ACTOR,
) -> IssuedLink | None:
    """A link for the one living contact with ``address`` on file, else ``None``.

    Not throttled here: the request was admitted by ``admit_link_request`` before, and
    whatever this returns is never shown to the person who asked. ``actor`` is who
    issued it (the portal's form, or staff at the command line), for the audit entry.
    """
    at = ensure_utc(at)
    try:
        value = email_address(address)
    except NotAnEmailAddress:
        return None
    contacts = [c for c in find_contacts(session, keyring, value) if c.erased_at is None]
    if len(contacts) != 1:
        return None
    key = address_key(throttle_secret, value)
    links = PortalLinkRepository(session)
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
        actor=actor,
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
