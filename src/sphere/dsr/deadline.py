"""Deadlines for data-subject requests (GDPR Art. 12(3)) and Art. 14 notices (Art. 14(3)).

Art. 12(3): the controller answers "without undue delay and in any event within one
month of receipt of the request"; "that period may be extended by two further months
where necessary", and the person must be told of the extension, with reasons, within
the first month.

How a month is counted: GDPR periods follow Regulation (EEC, Euratom) No 1182/71
(EDPB Guidelines 01/2022 on the right of access, section 6.3):

* Art. 3(1): the day on which the request is received is not counted;
* Art. 3(2)(c): a period expressed in months ends with the expiry of the last hour of
  the day in the last month that has the *same date* as the day the period runs from;
  if that date does not exist in the last month (31 January + 1 month), the period ends
  with the expiry of the last hour of that month's last day (28/29 February);
* Art. 3(4): a period ending on a Saturday, Sunday or public holiday ends at the end of
  the next working day. This is *off by default* here (``working_day_rule=False``):
  the DPO sees the strict calendar date, which is never later than the legal one.

"Day" means a calendar day in the controller's time zone (default Europe/Berlin); all
inputs and outputs are timezone-aware UTC datetimes. The extension of two further
months runs from the end of the first month (31 Jan → 28 Feb → 28 Apr), which is never
later than counting three months from receipt.

Everything here is pure: the clock is passed in as ``now``.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sphere.domain import ensure_utc
from sphere.errors import InvalidInput

DEFAULT_ZONE = "Europe/Berlin"
NEAR_DEADLINE_DAYS = 7


class ExtensionNotAllowed(InvalidInput):
    """An Art. 12(3) extension was refused: already extended, no reason, or too late."""


def add_months(start: date, months: int) -> date:
    """Same day ``months`` later; the month's last day when that day does not exist
    (Reg. 1182/71 Art. 3(2)(c))."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _next_working_day(day: date, holidays: Collection[date]) -> date:
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def _utc(value: datetime, name: str) -> datetime:
    try:
        return ensure_utc(value)
    except ValueError:
        raise InvalidInput(f"{name} has no time zone") from None


def end_of_day(day: date, zone: str) -> datetime:
    """The instant a calendar day ends in ``zone`` (start of the next day), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(zone)).astimezone(UTC)


def local_date(moment: datetime, zone: str) -> date:
    return _utc(moment, "timestamp").astimezone(ZoneInfo(zone)).date()


class DeadlineState(StrEnum):
    OPEN = "open"
    NEAR = "near"  # at most NEAR_DEADLINE_DAYS calendar days left
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Extension:
    """A recorded Art. 12(3) extension: two further months, with the reason told."""

    reason: str
    recorded_at: datetime
    months: int = 2


@dataclass(frozen=True, slots=True)
class RequestDeadline:
    """The answer deadline of one data-subject request."""

    received_at: datetime
    zone: str = DEFAULT_ZONE
    extension: Extension | None = None
    working_day_rule: bool = False
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "received_at", _utc(self.received_at, "received_at"))
        ZoneInfo(self.zone)  # fail early on an unknown zone

    @property
    def received_on(self) -> date:
        return local_date(self.received_at, self.zone)

    def _adjust(self, day: date) -> date:
        return _next_working_day(day, self.holidays) if self.working_day_rule else day

    @property
    def original_due_date(self) -> date:
        """Last day of the one-month period (inclusive)."""
        return self._adjust(add_months(self.received_on, 1))

    @property
    def due_date(self) -> date:
        """Last day to answer (inclusive), after any extension."""
        first = add_months(self.received_on, 1)
        if self.extension is None:
            return self._adjust(first)
        return self._adjust(add_months(first, self.extension.months))

    @property
    def due_at(self) -> datetime:
        """The instant the period expires (end of ``due_date`` in the zone), UTC."""
        return end_of_day(self.due_date, self.zone)

    @property
    def is_extended(self) -> bool:
        return self.extension is not None

    def extend(self, reason: str, *, at: datetime) -> RequestDeadline:
        """Extend once by two further months (Art. 12(3) sentence 2-3).

        Refused when already extended, when no reason is given (it must be told to the
        person), or when recorded after the first month expired (the person must be
        informed within one month of receipt).
        """
        at = _utc(at, "extension time")
        if self.extension is not None:
            raise ExtensionNotAllowed("the deadline was already extended once (Art. 12(3))")
        if not reason.strip():
            raise ExtensionNotAllowed("an extension needs a reason to tell the data subject")
        if at >= end_of_day(self.original_due_date, self.zone):
            raise ExtensionNotAllowed(
                "an extension must be notified within one month of receipt (Art. 12(3))"
            )
        if at < self.received_at:
            raise ExtensionNotAllowed("an extension cannot precede the request")
        return replace(self, extension=Extension(reason=reason.strip(), recorded_at=at))

    def is_overdue(self, now: datetime) -> bool:
        return _utc(now, "now") >= self.due_at

    def days_left(self, now: datetime) -> int:
        """Calendar days from ``now``'s local date to the due date; 0 on the due day,
        negative once overdue."""
        return (self.due_date - local_date(now, self.zone)).days

    def state(self, now: datetime, *, near_days: int = NEAR_DEADLINE_DAYS) -> DeadlineState:
        if self.is_overdue(now):
            return DeadlineState.OVERDUE
        if self.days_left(now) <= near_days:
            return DeadlineState.NEAR
        return DeadlineState.OPEN

    def describe(self, now: datetime) -> str:
        """A readable line for the cockpit, e.g. "due 2026-03-02 (5 days left)"."""
        left = self.days_left(now)
        due = self.due_date.isoformat()
        extended = ", extended" if self.is_extended else ""
        if self.is_overdue(now):
            return f"overdue since {due}{extended}"
        if left == 0:
            return f"due today {due}{extended}"
        return f"due {due} ({left} day{'s' if left != 1 else ''} left{extended})"


class NoticeTrigger(StrEnum):
    """Which limb of Art. 14(3) sets the latest moment for the notice."""

    ONE_MONTH = "art14_3_a"  # within a reasonable period, at the latest one month
    FIRST_COMMUNICATION = "art14_3_b"  # data used to communicate with the person
    FIRST_DISCLOSURE = "art14_3_c"  # disclosure to another recipient envisaged


@dataclass(frozen=True, slots=True)
class NoticeDeadline:
    due_at: datetime
    trigger: NoticeTrigger

    def is_overdue(self, now: datetime) -> bool:
        return _utc(now, "now") >= self.due_at


def notice_deadline(
    obtained_at: datetime,
    *,
    first_communication_at: datetime | None = None,
    first_disclosure_at: datetime | None = None,
    zone: str = DEFAULT_ZONE,
) -> NoticeDeadline:
    """The latest moment to give the Art. 14 notice for data not obtained from the person.

    Art. 14(3)(a): within a reasonable period, at the latest within one month of
    obtaining the data (counted like Art. 12(3)); (b) if the data are used to
    communicate with the person, at the latest at the first communication; (c) if a
    disclosure to another recipient is envisaged, at the latest when first disclosed.
    The earliest applicable moment wins.
    """
    obtained = _utc(obtained_at, "obtained_at")
    candidates = [
        (end_of_day(add_months(local_date(obtained, zone), 1), zone), NoticeTrigger.ONE_MONTH)
    ]
    if first_communication_at is not None:
        candidates.append(
            (
                _utc(first_communication_at, "first_communication_at"),
                NoticeTrigger.FIRST_COMMUNICATION,
            )
        )
    if first_disclosure_at is not None:
        candidates.append(
            (_utc(first_disclosure_at, "first_disclosure_at"), NoticeTrigger.FIRST_DISCLOSURE)
        )
    due_at, trigger = min(candidates, key=lambda pair: pair[0])
    return NoticeDeadline(due_at=due_at, trigger=trigger)
