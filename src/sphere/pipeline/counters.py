"""Anonymous counters, summed in memory for one batch and written once at its end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

from sphere.storage.repositories.aggregates import AggregateRepository
from sphere.storage.repositories.listening import ListeningRepository


class AggregateBuffer:
    def __init__(self) -> None:
        self._counts: Counter[tuple[date, str, str, str, str]] = Counter()

    def add(self, day: date, channel: str, addressing: str, outcome: str, topic: str) -> None:
        self._counts[(day, channel, addressing, outcome, topic)] += 1

    def flush(self, repository: AggregateRepository) -> None:
        # Sorted, so concurrent writers take the row locks in the same order.
        repository.increment_many((*key, n) for key, n in sorted(self._counts.items()))
        self._counts.clear()


class ListeningBuffer:
    """Social-listening counts of one batch: products mentioned and sentiment of public
    posts about the company's market that are kept only as anonymous counts."""

    def __init__(
        self,
        products: tuple[str, ...],
        sentiment: Callable[[str, str | None], str] | None = None,
    ) -> None:
        self._counts: Counter[tuple[date, str, str, str]] = Counter()
        self._products = tuple((p, p.lower()) for p in products if p)
        self._sentiment = sentiment

    def add(self, day: date, channel: str, text: str, language: str | None) -> None:
        low = text.lower()
        for name, folded in self._products:
            if folded in low:
                self._counts[(day, channel, "product", name)] += 1
        if self._sentiment is not None:
            self._counts[(day, channel, "sentiment", self._sentiment(text, language))] += 1

    def flush(self, repository: ListeningRepository) -> None:
        repository.increment_many((*key, n) for key, n in sorted(self._counts.items()))
        self._counts.clear()
