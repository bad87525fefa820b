"""UTC time and an injectable clock; naive datetimes are refused everywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive datetime is an error, not a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp has no time zone")
    return value.astimezone(UTC)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


@dataclass
class FrozenClock:
    """A clock for tests: time moves only when told to."""

    current: datetime = field(default_factory=lambda: datetime(2026, 6, 1, 12, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta
