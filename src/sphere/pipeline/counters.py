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
        # Sorted, so concurrent writers take the row locks in the same order.
        repository.increment_many((*key, n) for key, n in sorted(self._counts.items()))
        self._counts.clear()
