"""Webhook signatures, checked on the raw bytes before anything is parsed.

Each check takes the body exactly as received and the secrets of the source (several
while a secret is being rotated: any one may match) and compares in constant time
(``hmac.compare_digest``). None of them looks at the body's content.

* Meta Graph webhooks (Facebook pages, Instagram): ``X-Hub-Signature-256: sha256=<hex>``
  with ``HMAC-SHA256(app_secret, raw body)``; the subscription handshake is a GET with
  ``hub.mode=subscribe``, ``hub.verify_token`` and ``hub.challenge`` (answered with the
  challenge when the token matches).
* X Account Activity API: the CRC check answers ``crc_token`` with ``{"response_token":
  "sha256=" + base64(HMAC-SHA256(consumer_secret, crc_token))}``; signed POSTs carry
  ``x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer_secret, body)>``.
* Sphere's generic signed webhook (forum, shop, web and mobile trackers):
  ``Sphere-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`` with
  ``HMAC-SHA256(secret, "<t>." + raw body)``. A timestamp outside the replay window is
  refused; so is a signature already seen inside it (see :class:`ReplayGuard`).
  Several ``v1`` values let a sender sign with old and new secret during rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

META_HEADER = "x-hub-signature-256"
X_HEADER = "x-twitter-webhooks-signature"
SIGNED_HEADER = "sphere-signature"


class Verdict(StrEnum):
    """Why a request was accepted or refused; the values are audit tokens."""

    OK = "ok"
    MISSING = "signature_missing"
    MALFORMED = "signature_malformed"
    MISMATCH = "signature_mismatch"
    STALE = "timestamp_outside_window"
    REPLAY = "replayed"

    @property
    def accepted(self) -> bool:
        return self is Verdict.OK


def _mac(secret: str, data: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).digest()


def _any_matches(expected: Sequence[bytes], given: bytes) -> bool:
    # Compare against every secret so timing does not tell which one (or none) matched.
    matched = False
    for candidate in expected:
        matched |= hmac.compare_digest(candidate, given)
    return matched


# --- Meta ------------------------------------------------------------------------------


def meta_signature(secret: str, body: bytes) -> str:
    """The header value Meta sends for ``body`` (also used by tests and the bench)."""
    return "sha256=" + _mac(secret, body).hex()


def verify_meta(header: str | None, body: bytes, secrets: Sequence[str]) -> Verdict:
    if not header:
        return Verdict.MISSING
    scheme, _, value = header.strip().partition("=")
    if scheme.lower() != "sha256" or len(value) != 64:
        return Verdict.MALFORMED
    try:
        given = bytes.fromhex(value)
    except ValueError:
        return Verdict.MALFORMED
    ok = _any_matches([_mac(s, body) for s in secrets], given)
    return Verdict.OK if ok else Verdict.MISMATCH


def meta_challenge(
    mode: str | None, token: str | None, challenge: str | None, verify_tokens: Sequence[str]
) -> str | None:
    """The text to answer a subscription check with, or None to refuse it (403)."""
    if mode != "subscribe" or not token or not challenge or len(challenge) > 200:
        return None
    ok = _any_matches(
        [hashlib.sha256(t.encode()).digest() for t in verify_tokens],
        hashlib.sha256(token.encode()).digest(),
    )
    return challenge if ok else None


# --- X ---------------------------------------------------------------------------------


def x_crc_response(crc_token: str, consumer_secret: str) -> dict[str, str]:
    """The body that answers X's challenge-response check (GET ``?crc_token=…``)."""
    digest = _mac(consumer_secret, crc_token.encode("utf-8"))
    return {"response_token": "sha256=" + base64.b64encode(digest).decode("ascii")}


def x_signature(secret: str, body: bytes) -> str:
    return "sha256=" + base64.b64encode(_mac(secret, body)).decode("ascii")


def verify_x(header: str | None, body: bytes, secrets: Sequence[str]) -> Verdict:
    if not header:
        return Verdict.MISSING
    scheme, _, value = header.strip().partition("=")
    if scheme.lower() != "sha256" or not value:
        return Verdict.MALFORMED
    try:
        given = base64.b64decode(value, validate=True)
    except ValueError:
        return Verdict.MALFORMED
    if len(given) != 32:
        return Verdict.MALFORMED
    ok = _any_matches([_mac(s, body) for s in secrets], given)
    return Verdict.OK if ok else Verdict.MISMATCH


# --- generic signed webhook --------------------------------------------------------------


def signed_header(secret: str, body: bytes, *, timestamp: int) -> str:
    """The ``Sphere-Signature`` value a sender computes (documented in docs/intake.md)."""
    mac = _mac(secret, f"{timestamp}.".encode() + body).hex()
    return f"t={timestamp},v1={mac}"


@dataclass(frozen=True, slots=True)
class SignedCheck:
    verdict: Verdict
    timestamp: int | None = None
    signature: str | None = None  # the matching v1 value, for the replay guard


def verify_signed(
    header: str | None, body: bytes, secrets: Sequence[str], *, now: float, window: int
) -> SignedCheck:
    if not header:
        return SignedCheck(Verdict.MISSING)
    timestamp: int | None = None
    given: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and len(value) == 64:
            given.append(value.lower())
    if timestamp is None or not given or len(given) > 4:
        return SignedCheck(Verdict.MALFORMED)
    if abs(now - timestamp) > window:
        return SignedCheck(Verdict.STALE, timestamp)
    signed = f"{timestamp}.".encode() + body
    expected = [_mac(s, signed).hex().encode() for s in secrets]
    for value in given:
        if _any_matches(expected, value.encode()):
            return SignedCheck(Verdict.OK, timestamp, value)
    return SignedCheck(Verdict.MISMATCH, timestamp)


class ReplayGuard:
    """Signatures seen within the replay window, per process, bounded in size.

    A captured request replayed inside the window has a valid signature and timestamp;
    this refuses its second arrival at the same process. Across several intake processes
    a replay may reach another one: then JetStream's duplicate window (same
    ``Nats-Msg-Id``) and the workers' stream receipts still give it no second effect.
    """

    def __init__(self, window: int, *, max_entries: int = 100_000) -> None:
        self.window, self.max_entries = window, max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_sight(self, signature: str, *, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self._lock:
            while self._seen and (
                len(self._seen) >= self.max_entries
                or next(iter(self._seen.values())) < now - 2 * self.window
            ):
                self._seen.popitem(last=False)
            if signature in self._seen:
                return False
            self._seen[signature] = now
            return True
