"""The portal log-in throttle: every request for a log-in link or a handle challenge is
counted, whether or not the address or handle is on file, so the answer sequence
(200, 200, 200, 429) is the same for both and reveals nothing (issue 18, OWASP ASVS
V2.2.1 anti-automation, V2.5.x and V3.2.x no account enumeration).

Three limits within one window (15 minutes by default), each answered the same way
(``LoginThrottled``, HTTP 429 with Retry-After):

* per target — the e-mail address, or channel and handle (a keyed HMAC): nobody's
  mailbox is flooded with links;
* per client — the client's network address (a keyed HMAC): one client cannot walk a
  list of addresses;
* in total — a ceiling for the whole installation, so that many clients together
  cannot turn the portal into a mail cannon.

Nothing here looks anything up: the throttle runs before any lookup of the address.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sphere.accounts import LoginThrottled
from sphere.domain.time import ensure_utc
from sphere.storage.repositories.portal_access import PortalAttemptRepository


@dataclass(frozen=True, slots=True)
class PortalLoginLimits:
    per_target: int = 3
    per_client: int = 10
    total: int = 500
    window: timedelta = timedelta(minutes=15)


class PortalLoginThrottled(LoginThrottled):
    """Too many log-in requests for this address, from this client or in total (one
    message for all three: which limit was reached is nothing to learn)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until, "too many log-in requests; try again in a few minutes")


def client_key(secret: bytes, client: str) -> str:
    """Keyed HMAC of the client's network address (the throttle never stores it clear)."""
    return hmac.new(secret, b"client\x1f" + client.encode("utf-8"), hashlib.sha256).hexdigest()


def admit_login_attempt(
    session: Session,
    *,
    target_key: str,
    client_key: str,
    at: datetime,
    limits: PortalLoginLimits,
) -> None:
    """Count this request, or raise ``PortalLoginThrottled`` when a limit is reached (a
    refused request is not counted, so a throttled client is let in again once the
    window has passed)."""
    at = ensure_utc(at)
    attempts = PortalAttemptRepository(session)
    per_target, per_client, total = attempts.counts_since(
        target_key, client_key, since=at - limits.window
    )
    if per_target >= limits.per_target or per_client >= limits.per_client or total >= limits.total:
        raise PortalLoginThrottled(at + limits.window)
    attempts.add(target_key=target_key, client_key=client_key, at=at, expires_at=at + limits.window)
