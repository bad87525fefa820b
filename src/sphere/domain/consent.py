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

from sphere.domain.facts import DataCategory
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


_CATEGORY_VALUES = frozenset(c.value for c in DataCategory)


@dataclass(frozen=True, slots=True)
class DataUse:
    """One kind of datum a processing uses: its category and where it came from (a
    channel such as ``crm``, ``facebook``, ``web``; None = not tied to a source)."""

    category: DataCategory
    source: str | None = None


def scope_text(sources: tuple[str, ...] | None, categories: tuple[str, ...] | None) -> str:
    """``"contact_data from crm"`` — for reasons and the portal (no personal data)."""
    what = ", ".join(categories) if categories else "any data"
    where = ", ".join(sources) if sources else "any source"
    return f"{what} from {where}"


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One ledger entry. ``contact_id`` is Sphere's pseudonymous contact id, never an
    e-mail or handle. ``evidence`` holds how consent was captured (form id, CMP id, the
    TC string, the signed request id); it is excluded from ``repr`` because it may hold
    identifiers.

    Consent is specific (Art. 4(11), Art. 6(1)(a)): ``sources`` (channels) and
    ``categories`` (data categories) say what the person agreed to have used for the
    purpose; ``None`` means the notice did not narrow it (any source / any category the
    purpose declares). A CRM newsletter tick covers the e-mail address from the CRM —
    not a birthday from a Facebook comment."""

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
    sources: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    guardian: bool = False  # given or authorised by a holder of parental responsibility

    def covers(self, use: DataUse) -> bool:
        """Whether this record's scope includes ``use`` (a withdrawal covers everything)."""
        if self.action is ConsentAction.WITHDRAWN:
            return True
        if self.sources is not None and use.source is not None and use.source not in self.sources:
            return False
        return self.categories is None or use.category.value in self.categories

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
        for name in ("sources", "categories"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(sorted({str(v) for v in value})))
        if self.categories is not None:
            unknown = [v for v in self.categories if v not in _CATEGORY_VALUES]
            if unknown:
                raise InvalidInput(
                    f"consent record {self.id}: unknown data category {unknown[0]!r}"
                )
