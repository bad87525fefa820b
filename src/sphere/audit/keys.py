"""The audit chain's keys, held outside the database.

* The **MAC key** (32 random bytes, base64 in ``SPHERE_AUDIT_KEY`` or the key file) keys
  every entry: ``hash = HMAC-SHA256(key, prev_hash + "\\n" + canonical_json)``. Whoever
  can write the database but does not hold this key cannot recompute a link, so an edit
  or a re-linked chain is detected by ``verify``.
* The **signing key** (Ed25519, PEM) signs checkpoints of the chain head written outside
  the database (``sphere.audit.checkpoint``), so a truncated or wholesale deleted chain
  is detected against the last checkpoint.

Both files are created (mode 0600) on first use in dev and test only; in prod a missing
key is a configuration error. A key file that group or others can read is refused.
Each key has a short id (the first 16 hex digits of a SHA-256 over a label and the key)
that entries and checkpoints carry, so a verifier names the key it would need.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sphere.errors import ConfigurationError
from sphere.settings import Settings

SESSION_INFO = "sphere.audit.keys"
"""``Session.info`` entry holding this process's :class:`AuditKeys` (set by the runtime)."""


def key_id(label: bytes, material: bytes) -> str:
    return hashlib.sha256(label + b"\x00" + material).hexdigest()[:16]


@dataclass(frozen=True)
class AuditKeys:
    """The MAC key (with a prepared HMAC state) and, optionally, the signing key."""

    mac_key: bytes = field(repr=False)
    signing_key: Ed25519PrivateKey | None = field(default=None, repr=False)
    mac_key_id: str = ""
    _mac: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.mac_key) < 32:
            raise ConfigurationError("the audit key must be at least 32 bytes")
        object.__setattr__(self, "mac_key_id", key_id(b"sphere-audit-mac", self.mac_key))
        object.__setattr__(self, "_mac", hmac.new(self.mac_key, digestmod="sha256"))

    def mac(self, data: bytes) -> str:
        """HMAC-SHA256 of ``data`` (hex); the keyed state is copied, not re-derived."""
        state = self._mac.copy()
        state.update(data)
        return str(state.hexdigest())

    @property
    def public_key(self) -> Ed25519PublicKey | None:
        return None if self.signing_key is None else self.signing_key.public_key()


def public_key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key_id(b"sphere-audit-signing", raw)


def _check_mode(path: Path, what: str) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"{what} {path} is readable by others (mode {mode:o}); chmod 600 it"
        )


def _create_private_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def _load_mac_key(settings: Settings) -> bytes:
    if settings.audit_key is not None:
        text = settings.audit_key.get_secret_value()
    else:
        path = settings.resolved_audit_key_file
        if not path.exists():
            if settings.env not in ("dev", "test"):
                raise ConfigurationError(
                    f"audit key file {path} is missing; set SPHERE_AUDIT_KEY or create the "
                    "file (`sphere audit keys --generate`)"
                )
            _create_private_file(path, base64.b64encode(secrets.token_bytes(32)) + b"\n")
        _check_mode(path, "audit key file")
        text = path.read_text(encoding="ascii")
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError("the audit key is not valid base64") from None


def _load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    path = settings.resolved_audit_signing_key_file
    if not path.exists():
        if settings.env not in ("dev", "test"):
            raise ConfigurationError(
                f"audit signing key {path} is missing; create it (`sphere audit keys --generate`)"
            )
        key = Ed25519PrivateKey.generate()
        _create_private_file(
            path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    _check_mode(path, "audit signing key")
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigurationError(f"audit signing key {path} is not an Ed25519 key")
    return loaded


def load_audit_keys(settings: Settings) -> AuditKeys:
    """The keys from settings (see module docstring for where they come from)."""
    return AuditKeys(mac_key=_load_mac_key(settings), signing_key=_load_signing_key(settings))


def generate_key_files(settings: Settings) -> list[Path]:
    """Create whichever of the two key files is missing (mode 0600); the created paths."""
    created = []
    if settings.audit_key is None and not settings.resolved_audit_key_file.exists():
        _create_private_file(
            settings.resolved_audit_key_file, base64.b64encode(secrets.token_bytes(32)) + b"\n"
        )
        created.append(settings.resolved_audit_key_file)
    if not settings.resolved_audit_signing_key_file.exists():
        key = Ed25519PrivateKey.generate()
        _create_private_file(
            settings.resolved_audit_signing_key_file,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        created.append(settings.resolved_audit_signing_key_file)
    return created
