"""Signed notifications out (issue 15, "webhooks out"): a recipient such as a marketing
tool is told of a rights event as a JSON POST, signed so that it can check the sender.

The header ``Sphere-Signature: t=<unix seconds>,v1=<hex>`` carries HMAC-SHA256 under the
shared secret over ``<t>.<raw body>`` (the scheme Stripe uses); the recipient recomputes
it, compares in constant time and refuses a timestamp older than a few minutes (replay).
``Sphere-Event-Id`` is the same on every retry of one notification (idempotency).
Anything but a 2xx answer is a failure of the recipient, retried with back-off by the
per-system task (``rights.systems``) like an erasure, then dead-lettered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

import httpx

from sphere.connectors.definition import WebhookDefinition
from sphere.errors import SystemUnavailable

SIGNATURE_HEADER = "Sphere-Signature"
EVENT_ID_HEADER = "Sphere-Event-Id"


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The header value: ``t=<timestamp>,v1=<HMAC-SHA256(secret, "<t>." + body) hex>``."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: bytes, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a recipient does (documented in docs/connectors.md; used by the tests)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    timestamp = int(parts["t"])
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts["v1"])


class WebhookRecipient:
    def __init__(self, definition: WebhookDefinition) -> None:
        self.definition = definition

    @property
    def system(self) -> str:
        return self.definition.system

    def _secret(self) -> bytes:
        d = self.definition
        if d.secret_env is not None:
            value = os.environ.get(d.secret_env)
            if not value:
                raise SystemUnavailable(d.system, f"environment variable {d.secret_env} is not set")
            return value.encode()
        path = Path(d.source).parent / (d.secret_file or "")
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SystemUnavailable(d.system, f"secret file unreadable ({exc.strerror})") from None
        if not value:
            raise SystemUnavailable(d.system, "secret file is empty")
        return value.encode()

    def notify(self, event: dict[str, Any], *, timestamp: int) -> int:
        """POST the event; returns the HTTP status (2xx), else raises SystemUnavailable."""
        body = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self._secret(), timestamp, body),
            EVENT_ID_HEADER: str(event["id"]),
            "User-Agent": "Sphere-Webhook/1",
        }
        try:
            response = httpx.post(
                self.definition.url,
                content=body,
                headers=headers,
                timeout=self.definition.timeout,
                follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            raise SystemUnavailable(self.system, f"{type(exc).__name__}: {exc}"[:200]) from None
        if not 200 <= response.status_code < 300:
            raise SystemUnavailable(
                self.system, f"the recipient answered HTTP {response.status_code}"
            )
        return response.status_code
