"""Reversible encryption: AES-256-GCM (``cryptography``) with a random 96-bit nonce.

The replacement is ``<ENC:{type}:{base64url(nonce ‖ ciphertext ‖ tag)}>``; the entity
type is bound as associated data, so a token cannot be moved to another type. Whoever
holds the key can ``decrypt`` it (e.g. to answer an access request, GDPR Art. 15);
destroying the key makes every token unreadable (crypto-shredding).
"""

from __future__ import annotations

import base64
import os
import re

from sphere.errors import ConfigurationError, InvalidInput
from sphere.pii.operators import OperatorState
from sphere.pii.span import Span

_TOKEN = re.compile(r"<ENC:([A-Z][A-Z0-9_]*):([A-Za-z0-9_\-]+={0,2})>")


def _aead(key: bytes):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(key) not in (16, 24, 32):
        raise ConfigurationError("encryption key must be 16, 24 or 32 bytes")
    return AESGCM(key)


class EncryptOperator:
    NAME = "encrypt"

    def __init__(self, *, key: bytes | None = None) -> None:
        if key is None:
            raise ConfigurationError("encrypt needs a key")
        self._aead = _aead(key)

    def __repr__(self) -> str:
        return "EncryptOperator(key=<hidden>)"

    def apply(self, value: str, span: Span, state: OperatorState) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(
            nonce, value.encode("utf-8", "surrogatepass"), span.type.encode()
        )
        token = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"<ENC:{span.type}:{token}>"


def decrypt(token: str, *, key: bytes) -> str:
    """Recover the original value from one ``<ENC:TYPE:…>`` token."""
    from cryptography.exceptions import InvalidTag

    match = _TOKEN.fullmatch(token.strip())
    if match is None:
        raise InvalidInput("not an encryption token")
    entity, payload = match.groups()
    raw = base64.urlsafe_b64decode(payload)
    try:
        plain = _aead(key).decrypt(raw[:12], raw[12:], entity.encode())
    except InvalidTag:
        raise InvalidInput("token does not decrypt with this key") from None
    return plain.decode("utf-8", "surrogatepass")


def decrypt_text(text: str, *, key: bytes) -> str:
    """Replace every token in an anonymised text by its original value."""
    return _TOKEN.sub(lambda m: decrypt(m.group(), key=key), text)
