"""The Art. 33(1) clock: 72 hours from awareness, due soon in the last 24, stopped by
the notification or by the decision that no risk is likely (frozen times, no sleeps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sphere.domain.breach import ClockState, notification_clock

AWARE = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "state", "hours_left"),
    [
        (timedelta(hours=1), ClockState.RUNNING, 71),
        (timedelta(hours=47, minutes=59), ClockState.RUNNING, 24),
        (timedelta(hours=48), ClockState.DUE_SOON, 24),  # the last 24 hours begin
        (timedelta(hours=71, minutes=30), ClockState.DUE_SOON, 0),
        (timedelta(hours=72), ClockState.OVERDUE, 0),  # "not later than 72 hours"
        (timedelta(hours=80), ClockState.OVERDUE, -8),
    ],
    ids=["fresh", "just-before-due-soon", "due-soon", "last-half-hour", "deadline", "late"],
)
def test_clock_runs(after: timedelta, state: ClockState, hours_left: int) -> None:
    clock = notification_clock(AWARE, now=AWARE + after)
    assert clock.deadline == AWARE + timedelta(hours=72)
    assert (clock.state, clock.hours_left) == (state, hours_left)
    assert clock.late is (state is ClockState.OVERDUE)


def test_clock_stops() -> None:
    on_time = notification_clock(AWARE, now=AWARE + timedelta(days=9),
                                 notified_at=AWARE + timedelta(hours=70))  # fmt: skip
    assert (on_time.state, on_time.late) == (ClockState.NOTIFIED, False)
    late = notification_clock(AWARE, now=AWARE + timedelta(days=9),
                              notified_at=AWARE + timedelta(hours=75))  # fmt: skip
    assert (late.state, late.late) == (ClockState.NOTIFIED, True)
    unlikely = notification_clock(AWARE, now=AWARE + timedelta(days=9), notify_authority=False)
    assert unlikely.state is ClockState.NOT_REQUIRED and not unlikely.late
