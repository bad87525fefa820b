"""The connected systems' health for the cockpit, asked at most once a minute.

Asking means connecting to every system and inspecting its schema (``ConnectorSet.health``):
a page load must not do that each time, nor hang on a system that is down. The last
answer is kept with the time it was taken; the page shows that time, and the DPO can ask
again at once ("Check now").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sphere.domain.systems import SystemHealth

MAX_AGE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class HealthAnswer:
    systems: tuple[SystemHealth, ...]
    checked_at: datetime


@dataclass
class HealthCache:
    max_age: float = MAX_AGE_SECONDS
    _answer: HealthAnswer | None = None
    _taken: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(
        self,
        ask: Callable[[], list[SystemHealth]],
        now: Callable[[], datetime],
        *,
        fresh: bool = False,
    ) -> HealthAnswer:
        """The last answer if younger than ``max_age`` (and not ``fresh``), else ask."""
        with self._lock:  # one asker at a time; the others wait and take its answer
            if (
                not fresh
                and self._answer is not None
                and time.monotonic() - self._taken < self.max_age
            ):
                return self._answer
            self._answer = HealthAnswer(tuple(ask()), now())
            self._taken = time.monotonic()
            return self._answer

    def forget(self) -> None:
        with self._lock:
            self._answer = None
