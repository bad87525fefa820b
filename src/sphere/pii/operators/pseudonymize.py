"""Keyed pseudonym: ``<PERSON:3f9a…>`` = HMAC-SHA256(secret, type ‖ value) truncated to
``length`` hex digits. Stable across documents and runs for the same secret (so the same
customer links up), unlinkable without it. Never a bare hash (DESIGN invariant 5): a
hash of an e-mail address can be reversed by hashing candidate addresses.

The value is case-folded and stripped of spaces first, so "Anna@Example.com" and
"anna@example.com" map to one pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac

from sphere.errors import ConfigurationError
from sphere.pii.operators import OperatorState
from sphere.pii.span import Span

MIN_KEY_BYTES = 16


def pseudonym(secret: bytes, entity: str, value: str, *, length: int = 16) -> str:
    """The hex pseudonym of ``value`` (usable outside anonymisation, e.g. for look-ups)."""
    canonical = "".join(value.casefold().split())
    message = entity.encode() + b"\x1f" + canonical.encode("utf-8", "surrogatepass")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:length]


class PseudonymizeOperator:
    NAME = "pseudonymize"

    def __init__(self, *, key: bytes | None = None, length: int = 16) -> None:
        if key is None or len(key) < MIN_KEY_BYTES:
            raise ConfigurationError(f"pseudonymize needs a secret key of >= {MIN_KEY_BYTES} bytes")
        if not 8 <= length <= 64:
            raise ConfigurationError("pseudonym length must be 8..64 hex digits")
        self._key, self.length = key, length

    def __repr__(self) -> str:
        return "PseudonymizeOperator(key=<hidden>)"

    def apply(self, value: str, span: Span, state: OperatorState) -> str:
        return f"<{span.type}:{pseudonym(self._key, span.type, value, length=self.length)}>"
