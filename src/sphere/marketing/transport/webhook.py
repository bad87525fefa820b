"""A signed webhook: POST a JSON document to another system of the company.

Signature (HMAC-SHA256, as Stripe and GitHub do it): the sender computes
``hex(HMAC_SHA256(secret, f"{timestamp}.".encode() + body))`` and sends it as
``X-Sphere-Signature: sha256=<hex>`` with ``X-Sphere-Timestamp: <unix seconds>``. The
receiver recomputes it over the raw body (:func:`verify_signature`) and refuses stale
timestamps, so a captured request cannot be replayed later.

The document holds the contact id, campaign, purpose, legal basis and offer — never an
address. Only ``http``/``https`` URLs are accepted; redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sphere.errors import InvalidInput
from sphere.marketing.transport import DeliveryError, OutboundMessage

SIGNATURE_HEADER = "X-Sphere-Signature"
TIMESTAMP_HEADER = "X-Sphere-Timestamp"
DEFAULT_TOLERANCE = 300  # seconds


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: bytes,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """True when ``signature`` is valid for ``body`` and ``timestamp`` is fresh."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs(now - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookTransport:
    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("webhook: url must be an http or https URL")
        if len(secret) < 16:
            raise InvalidInput("webhook: the signing secret must have at least 16 bytes")
        self.url, self._secret, self.timeout, self._clock = url, secret, timeout, clock
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:
        return f"WebhookTransport(url={self.url!r})"

    def document(self, message: OutboundMessage) -> bytes:
        data = {
            "send_id": message.send_id,
            "campaign": message.campaign,
            "contact_id": message.contact_id,
            "channel": message.channel.value,
            "purpose": message.purpose,
            "legal_basis": message.legal_basis,
            "subject": message.subject,
            "body": message.body,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def deliver(self, message: OutboundMessage) -> str:
        body = self.document(message)
        stamp = int(self._clock())
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: str(stamp),
                SIGNATURE_HEADER: sign(self._secret, stamp, body),
                "User-Agent": "sphere-webhook",
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError("webhook.http-error", f"webhook answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(
                "webhook.failed", f"webhook delivery failed: {type(exc).__name__}"
            ) from None
        if not 200 <= status < 300:
            raise DeliveryError("webhook.http-error", f"webhook answered HTTP {status}")
        return message.send_id
