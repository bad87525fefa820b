"""Consent ledger records as values (GDPR Art. 7(1)): what storage returns and the
consent package reasons about. Pure: no I/O."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from sphere.domain.legal import Purpose
from sphere.domain.records import Channel
from sphere.domain.time import ensure_utc
from sphere.errors import InvalidInput


class ConsentAction(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


def notice_hash(text: str) -> str:
    """SHA-256 (hex) of the NFC-normalised notice text the person saw.

    NFC so that the same wording typed on different systems (``ü`` as one code point
    or as ``u`` + combining diaeresis) hashes alike; nothing else is normalised,
    because a changed word is a changed notice.
    """
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


def _utc(value: datetime, name: str) -> datetime:
    try:
        return ensure_utc(value)
    except ValueError:
        raise InvalidInput(f"consent record field {name!r} has no time zone") from None


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One ledger entry. ``contact_id`` is Sphere's pseudonymous contact id, never an
    e-mail or handle. ``evidence`` holds how consent was captured (form id, CMP id, the
    TC string, the signed request id); it is excluded from ``repr`` because it may hold
    identifiers."""

    id: str
    contact_id: str
    purpose: Purpose
    action: ConsentAction
    recorded_at: datetime
    explicit: bool = False
    notice_hash: str | None = None
    channel: Channel | str | None = None
    expires_at: datetime | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict, repr=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "purpose", Purpose(self.purpose))
        object.__setattr__(self, "action", ConsentAction(self.action))
        object.__setattr__(self, "recorded_at", _utc(self.recorded_at, "recorded_at"))
        if self.expires_at is not None:
            expires = _utc(self.expires_at, "expires_at")
            if expires <= self.recorded_at:
                raise InvalidInput(f"consent record {self.id}: expires_at before recorded_at")
            object.__setattr__(self, "expires_at", expires)
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))
