"""Pure derivation of the current consent state from an append-only ledger.

The ledger (``sphere.storage``) only ever appends :class:`ConsentRecord` values; a
withdrawal or a renewal is a new record, never an update (GDPR Art. 7(1): the controller
must be able to *demonstrate* consent, so history is evidence). This module answers
"what holds now?" from such a list, with a reason a person can read (invariant 8).

Rules, for one purpose:

1. Records recorded after ``now`` are ignored (clock skew, back-dated queries).
2. The latest record wins; ties on ``recorded_at`` are broken by ledger order (the
   later element of the list).
3. ``withdrawn`` → WITHDRAWN (Art. 7(3): as easy to withdraw as to give; effective
   from the moment it is recorded, not retroactively).
4. ``given`` with ``expires_at <= now`` → NONE: consent with a stated lifetime lapses;
   the EDPB (Guidelines 05/2020, para. 110) recommends refreshing consent at appropriate
   intervals, and the policy sets that interval.
5. ``given`` otherwise → EXPLICIT when ``explicit`` (Art. 9(2)(a)), else GIVEN.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from sphere.domain import Channel, ConsentState, Purpose, ensure_utc
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


@dataclass(frozen=True, slots=True)
class ConsentStatus:
    """The state for one purpose at one moment, with the record it rests on."""

    purpose: Purpose
    state: ConsentState
    since: datetime | None
    record_id: str | None
    reason_text: str

    @property
    def is_valid(self) -> bool:
        """True when processing may rely on consent right now."""
        return self.state in (ConsentState.GIVEN, ConsentState.EXPLICIT)


def _day(value: datetime) -> str:
    return value.date().isoformat()


def current_state(
    records: Iterable[ConsentRecord], purpose: Purpose, *, now: datetime
) -> ConsentStatus:
    """The consent state for ``purpose`` at ``now`` (rules in the module docstring).

    ``records`` are one contact's ledger entries in ledger order; entries for other
    purposes are ignored; entries for more than one contact are an error, because mixing
    two people's consent is never right.
    """
    now = _utc(now, "now")
    purpose = Purpose(purpose)
    name = purpose.value
    relevant = [r for r in records if r.purpose is purpose and r.recorded_at <= now]
    if len({r.contact_id for r in relevant}) > 1:
        raise InvalidInput(f"consent records for {name!r} belong to more than one contact")
    if not relevant:
        return ConsentStatus(
            purpose, ConsentState.NONE, None, None, f"no consent for purpose {name!r} on record"
        )
    # max() keeps the first maximal element; reversed() makes ledger order break ties.
    latest = max(reversed(relevant), key=lambda r: r.recorded_at)
    if latest.action is ConsentAction.WITHDRAWN:
        return ConsentStatus(
            purpose,
            ConsentState.WITHDRAWN,
            latest.recorded_at,
            latest.id,
            f"no consent for purpose {name!r} since {_day(latest.recorded_at)} (withdrawn)",
        )
    if latest.expires_at is not None and latest.expires_at <= now:
        return ConsentStatus(
            purpose,
            ConsentState.NONE,
            latest.expires_at,
            latest.id,
            f"consent for {name!r} expired on {_day(latest.expires_at)}",
        )
    state = ConsentState.EXPLICIT if latest.explicit else ConsentState.GIVEN
    kind = "explicit consent" if latest.explicit else "consent"
    until = f" until {_day(latest.expires_at)}" if latest.expires_at else ""
    return ConsentStatus(
        purpose,
        state,
        latest.recorded_at,
        latest.id,
        f"{kind} for {name!r} given on {_day(latest.recorded_at)}{until}",
    )


def current_states(
    records: Iterable[ConsentRecord], *, now: datetime
) -> dict[Purpose, ConsentStatus]:
    """:func:`current_state` for every purpose that has at least one record."""
    materialised = list(records)
    purposes = dict.fromkeys(r.purpose for r in materialised)
    return {p: current_state(materialised, p, now=now) for p in purposes}
