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
6. Asked for particular ``uses`` (data categories from sources), only records whose
   scope covers every one of them count, and withdrawals (Art. 4(11): consent is
   specific — a newsletter tick in the CRM is no consent to use a birthday from a
   Facebook comment).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sphere.domain import ConsentState, Purpose
from sphere.domain.consent import ConsentAction, ConsentRecord, DataUse, _utc, notice_hash
from sphere.errors import InvalidInput

__all__ = [
    "ConsentAction",
    "ConsentRecord",
    "ConsentStatus",
    "current_state",
    "current_states",
    "notice_hash",
]


@dataclass(frozen=True, slots=True)
class ConsentStatus:
    """The state for one purpose at one moment, with the record it rests on."""

    purpose: Purpose
    state: ConsentState
    since: datetime | None
    record_id: str | None
    reason_text: str

    guardian: bool = False  # the record was given by a holder of parental responsibility

    @property
    def is_valid(self) -> bool:
        """True when processing may rely on consent right now."""
        return self.state in (ConsentState.GIVEN, ConsentState.EXPLICIT)


def _day(value: datetime) -> str:
    return value.date().isoformat()


def current_state(
    records: Iterable[ConsentRecord],
    purpose: Purpose,
    *,
    now: datetime,
    uses: Iterable[DataUse] = (),
) -> ConsentStatus:
    """The consent state for ``purpose`` at ``now`` (rules in the module docstring).

    ``records`` are one contact's ledger entries in ledger order; entries for other
    purposes are ignored; entries for more than one contact are an error, because mixing
    two people's consent is never right.
    """
    now = _utc(now, "now")
    purpose = Purpose(purpose)
    name = purpose.value
    needed = tuple(uses)
    relevant = [r for r in records if r.purpose is purpose and r.recorded_at <= now]
    if len({r.contact_id for r in relevant}) > 1:
        raise InvalidInput(f"consent records for {name!r} belong to more than one contact")
    if needed:
        relevant = [r for r in relevant if all(r.covers(u) for u in needed)]
    if not relevant:
        covering = (
            " that covers " + "; ".join(f"{u.category.value} from {u.source or 'any source'}"
                                        for u in needed)
            if needed
            else ""
        )  # fmt: skip
        return ConsentStatus(
            purpose,
            ConsentState.NONE,
            None,
            None,
            f"no consent for purpose {name!r}{covering} on record",
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
        guardian=latest.guardian,
    )


def current_states(
    records: Iterable[ConsentRecord], *, now: datetime
) -> dict[Purpose, ConsentStatus]:
    """:func:`current_state` for every purpose that has at least one record."""
    materialised = list(records)
    purposes = dict.fromkeys(r.purpose for r in materialised)
    return {p: current_state(materialised, p, now=now) for p in purposes}
