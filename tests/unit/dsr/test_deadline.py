"""GDPR Art. 12(3) and Art. 14(3) deadlines, counted per Reg. (EEC, Euratom) No 1182/71."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sphere.dsr.deadline import (
    DeadlineState,
    ExtensionNotAllowed,
    NoticeTrigger,
    RequestDeadline,
    add_months,
    notice_deadline,
)
from sphere.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 3, 2), 1, date(2026, 4, 2)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 Feb: last day of February
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 29), 1, date(2026, 2, 28)),
        (date(2028, 1, 29), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # year boundary
        (date(2026, 2, 28), 1, date(2026, 3, 28)),  # same date, not month end
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
    ],
    ids=[
        "plain",
        "jan31",
        "jan31-leap",
        "jan29",
        "jan29-leap",
        "mar31",
        "year-end",
        "feb28",
        "three-months",
        "two-months-leap",
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (_utc(2026, 3, 2, 10, 0), date(2026, 4, 2)),
        (_utc(2026, 1, 31, 10, 0), date(2026, 2, 28)),
        (_utc(2028, 1, 31, 10, 0), date(2028, 2, 29)),
        # 23:30 UTC on 31 Jan is 1 Feb in Berlin: the local day counts
        (_utc(2026, 1, 31, 23, 30), date(2026, 3, 1)),
        (_utc(2026, 5, 31, 12, 0), date(2026, 6, 30)),
    ],
    ids=["plain", "jan31", "jan31-leap", "berlin-midnight", "may31"],
)
def test_due_date(received: datetime, due: date) -> None:
    deadline = RequestDeadline(received_at=received)
    assert deadline.due_date == due
    # the period ends at the expiry of the last hour of the due day, Berlin time
    end = deadline.due_at
    assert end.tzinfo is UTC
    assert end.astimezone(BERLIN).date() == due + timedelta(days=1)
    assert end.astimezone(BERLIN).hour == 0


def test_overdue_and_days_left() -> None:
    deadline = RequestDeadline(received_at=_utc(2026, 3, 2, 10, 0))  # due 2026-04-02
    assert deadline.days_left(_utc(2026, 3, 2, 11, 0)) == 31
    assert deadline.days_left(_utc(2026, 3, 26, 9, 0)) == 7
    assert deadline.days_left(_utc(2026, 4, 2, 9, 0)) == 0
    assert deadline.days_left(_utc(2026, 4, 5, 9, 0)) == -3
    # 2026-04-02 is in CEST (UTC+2): the day ends 21:59:59 UTC
    assert not deadline.is_overdue(_utc(2026, 4, 2, 21, 59, 59))
    assert deadline.is_overdue(_utc(2026, 4, 2, 22, 0, 0))


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (_utc(2026, 3, 10, 12, 0), DeadlineState.OPEN),
        (_utc(2026, 3, 25, 12, 0), DeadlineState.OPEN),  # 8 days left
        (_utc(2026, 3, 26, 12, 0), DeadlineState.NEAR),  # 7 days left
        (_utc(2026, 4, 2, 12, 0), DeadlineState.NEAR),  # due today
        (_utc(2026, 4, 3, 12, 0), DeadlineState.OVERDUE),
    ],
    ids=["early", "8-days", "7-days", "due-today", "overdue"],
)
def test_state(now: datetime, state: DeadlineState) -> None:
    assert RequestDeadline(received_at=_utc(2026, 3, 2, 10, 0)).state(now) is state


def test_describe() -> None:
    deadline = RequestDeadline(received_at=_utc(2026, 3, 2, 10, 0))
    assert deadline.describe(_utc(2026, 3, 31, 8, 0)) == "due 2026-04-02 (2 days left)"
    assert deadline.describe(_utc(2026, 4, 1, 8, 0)) == "due 2026-04-02 (1 day left)"
    assert deadline.describe(_utc(2026, 4, 2, 8, 0)) == "due today 2026-04-02"
    assert deadline.describe(_utc(2026, 4, 9, 8, 0)) == "overdue since 2026-04-02"


@pytest.mark.parametrize(
    ("received", "extended_due"),
    [
        (_utc(2026, 3, 2, 10, 0), date(2026, 6, 2)),
        (_utc(2026, 1, 31, 10, 0), date(2026, 4, 28)),  # 31 Jan → 28 Feb → 28 Apr
        (_utc(2027, 12, 31, 10, 0), date(2028, 3, 31)),
        (_utc(2026, 11, 30, 10, 0), date(2027, 2, 28)),
    ],
    ids=["plain", "jan31", "dec31", "nov30"],
)
def test_extension(received: datetime, extended_due: date) -> None:
    deadline = RequestDeadline(received_at=received)
    extended = deadline.extend("many requests in parallel", at=received + timedelta(days=3))
    assert extended.due_date == extended_due
    assert extended.is_extended and not deadline.is_extended
    assert extended.extension is not None
    assert extended.extension.reason == "many requests in parallel"
    assert extended.original_due_date == deadline.due_date


def test_extension_only_once() -> None:
    deadline = RequestDeadline(received_at=_utc(2026, 3, 2, 10, 0))
    once = deadline.extend("complex request", at=_utc(2026, 3, 5, 10, 0))
    with pytest.raises(ExtensionNotAllowed, match="already extended"):
        once.extend("again", at=_utc(2026, 3, 6, 10, 0))


def test_extension_needs_reason() -> None:
    deadline = RequestDeadline(received_at=_utc(2026, 3, 2, 10, 0))
    with pytest.raises(ExtensionNotAllowed, match="reason"):
        deadline.extend("   ", at=_utc(2026, 3, 5, 10, 0))


def test_extension_must_be_within_first_month() -> None:
    deadline = RequestDeadline(received_at=_utc(2026, 3, 2, 10, 0))
    deadline.extend("complex", at=_utc(2026, 4, 2, 21, 0))  # still 2 April in Berlin
    with pytest.raises(ExtensionNotAllowed, match="within one month"):
        deadline.extend("complex", at=_utc(2026, 4, 2, 22, 0))
    with pytest.raises(ExtensionNotAllowed, match="precede"):
        deadline.extend("complex", at=_utc(2026, 3, 1, 10, 0))
    assert issubclass(ExtensionNotAllowed, InvalidInput)


@pytest.mark.parametrize(
    ("received", "strict", "working"),
    [
        (_utc(2026, 3, 4, 10, 0), date(2026, 4, 4), date(2026, 4, 6)),  # Saturday → Monday
        (_utc(2026, 3, 5, 10, 0), date(2026, 4, 5), date(2026, 4, 6)),  # Sunday → Monday
        (_utc(2026, 3, 2, 10, 0), date(2026, 4, 2), date(2026, 4, 2)),  # Thursday stays
    ],
    ids=["saturday", "sunday", "weekday"],
)
def test_working_day_rule(received: datetime, strict: date, working: date) -> None:
    assert RequestDeadline(received_at=received).due_date == strict
    assert RequestDeadline(received_at=received, working_day_rule=True).due_date == working


def test_working_day_rule_with_holidays() -> None:
    # Thursday 2 April 2026 and Good Friday 3 April as holidays → Monday 6 April
    deadline = RequestDeadline(
        received_at=_utc(2026, 3, 2, 10, 0),
        working_day_rule=True,
        holidays=frozenset({date(2026, 4, 2), date(2026, 4, 3)}),
    )
    assert deadline.due_date == date(2026, 4, 6)


def test_other_zone() -> None:
    deadline = RequestDeadline(received_at=_utc(2026, 1, 31, 23, 30), zone="UTC")
    assert deadline.due_date == date(2026, 2, 28)


def test_naive_refused() -> None:
    with pytest.raises(InvalidInput):
        RequestDeadline(received_at=datetime(2026, 1, 1))  # naive on purpose
    deadline = RequestDeadline(received_at=_utc(2026, 1, 1, 0, 0))
    with pytest.raises(InvalidInput):
        deadline.is_overdue(datetime(2026, 1, 1))  # naive on purpose


OBTAINED = _utc(2026, 1, 31, 10, 0)


def test_notice_deadline_one_month() -> None:
    result = notice_deadline(OBTAINED)
    assert result.trigger is NoticeTrigger.ONE_MONTH
    assert result.due_at == _utc(2026, 2, 28, 23, 0)  # end of 28 Feb in Berlin (CET)
    assert not result.is_overdue(_utc(2026, 2, 28, 22, 59))
    assert result.is_overdue(_utc(2026, 2, 28, 23, 0))


def test_notice_deadline_first_communication_earlier() -> None:
    contact = _utc(2026, 2, 5, 9, 0)
    result = notice_deadline(OBTAINED, first_communication_at=contact)
    assert (result.due_at, result.trigger) == (contact, NoticeTrigger.FIRST_COMMUNICATION)


def test_notice_deadline_disclosure_earliest() -> None:
    result = notice_deadline(
        OBTAINED,
        first_communication_at=_utc(2026, 2, 5, 9, 0),
        first_disclosure_at=_utc(2026, 2, 2, 9, 0),
    )
    assert result.trigger is NoticeTrigger.FIRST_DISCLOSURE


def test_notice_deadline_later_communication_does_not_extend() -> None:
    result = notice_deadline(OBTAINED, first_communication_at=_utc(2026, 6, 1, 9, 0))
    assert result.trigger is NoticeTrigger.ONE_MONTH
