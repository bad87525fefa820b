"""Anonymous counters, summed in memory for one batch and written once at its end."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sphere.storage.repositories.aggregates import AggregateRepository


class AggregateBuffer:
    def __init__(self) -> None:
        self._counts: Counter[tuple[date, str, str, str, str]] = Counter()

    def add(self, day: date, channel: str, addressing: str, outcome: str, topic: str) -> None:
        self._counts[(day, channel, addressing, outcome, topic)] += 1

    def flush(self, repository: AggregateRepository) -> None:
        for (day, channel, addressing, outcome, topic), n in sorted(self._counts.items()):
            repository.increment(
                day=day, channel=channel, addressing=addressing, outcome=outcome, topic=topic, by=n
            )
        self._counts.clear()
