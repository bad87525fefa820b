"""Personal-data breaches (GDPR Art. 4(12), 33, 34): the vocabulary and the 72-hour clock.

Art. 33(1): the controller notifies the competent supervisory authority "without undue
delay and, where feasible, not later than 72 hours after having become aware of it,
unless the personal data breach is unlikely to result in a risk to the rights and
freedoms of natural persons"; a later notification carries the reasons for the delay.
Art. 34(1): where the breach "is likely to result in a high risk", the people concerned
are told without undue delay. Pure: the caller passes ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# Art. 33(1): "not later than 72 hours after having become aware of it".
NOTIFY_WITHIN = timedelta(hours=72)
# The clock shows "due soon" in its last 24 hours (a finding, the DPO home).
DUE_SOON = timedelta(hours=24)


class BreachKind(StrEnum):
    """The nature of the breach (Art. 4(12); EDPB Guidelines 9/2022, WP250 rev.01)."""

    CONFIDENTIALITY = "confidentiality"  # unauthorised disclosure of or access to data
    INTEGRITY = "integrity"  # unauthorised or accidental alteration
    AVAILABILITY = "availability"  # accidental or unauthorised loss of access, destruction


class RiskLevel(StrEnum):
    """The assessed risk to the rights and freedoms of natural persons."""

    UNASSESSED = "unassessed"
    UNLIKELY = "unlikely"  # Art. 33(1): no notification to the authority needed
    RISK = "risk"  # Art. 33(1): notify the authority
    HIGH = "high"  # Art. 34(1): tell the people concerned as well


class ClockState(StrEnum):
    RUNNING = "running"  # more than DUE_SOON left
    DUE_SOON = "due_soon"  # within the last DUE_SOON
    OVERDUE = "overdue"  # past 72 hours, authority not notified, no decision against
    NOTIFIED = "notified"  # the authority was notified (on time or late)
    NOT_REQUIRED = "not_required"  # decided: unlikely to result in a risk (Art. 33(1))


@dataclass(frozen=True, slots=True)
class NotificationClock:
    """Where the Art. 33(1) deadline stands for one breach at ``now``."""

    aware_at: datetime
    deadline: datetime
    state: ClockState
    left: timedelta  # negative once overdue
    late: bool  # notified (or still open) after the deadline: Art. 33(1) wants reasons

    @property
    def hours_left(self) -> int:
        """Whole hours left (rounded towards the deadline); negative when overdue."""
        seconds = self.left.total_seconds()
        return int(seconds // 3600) if seconds >= 0 else -int(-seconds // 3600)


def notification_clock(
    aware_at: datetime,
    *,
    now: datetime,
    notified_at: datetime | None = None,
    notify_authority: bool | None = None,
) -> NotificationClock:
    """The Art. 33(1) clock: 72 hours from awareness, stopped by the notification or by
    the documented decision that the breach is unlikely to result in a risk."""
    deadline = aware_at + NOTIFY_WITHIN
    if notified_at is not None:
        return NotificationClock(aware_at, deadline, ClockState.NOTIFIED,
                                 deadline - notified_at, notified_at > deadline)  # fmt: skip
    left = deadline - now
    if notify_authority is False:
        return NotificationClock(aware_at, deadline, ClockState.NOT_REQUIRED, left, False)
    if left <= timedelta(0):
        state = ClockState.OVERDUE
    elif left <= DUE_SOON:
        state = ClockState.DUE_SOON
    else:
        state = ClockState.RUNNING
    return NotificationClock(aware_at, deadline, state, left, state is ClockState.OVERDUE)
