"""Anonymous counters, summed in memory for one batch and written once at its end.

Each count may carry the record's keyed token (``Keyring.counted_token``): at the end of
the batch only records never counted before are added (``CountedPostRepository.claim``),
so the same post delivered again — another file name, a retried webhook — is not counted
twice (issue 18). Counts without a token (a record with no platform id) are added as
they come.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

from sphere.storage.repositories.aggregates import AggregateRepository
from sphere.storage.repositories.listening import ListeningRepository

AggregateKey = tuple[date, str, str, str, str]
ListeningKey = tuple[date, str, str, str]


class AggregateBuffer:
    def __init__(self) -> None:
        self._counts: Counter[AggregateKey] = Counter()
        self._by_token: dict[str, AggregateKey] = {}

    def add(
        self,
        day: date,
        channel: str,
        addressing: str,
        outcome: str,
        topic: str,
        *,
        token: str | None = None,
    ) -> None:
        key = (day, channel, addressing, outcome, topic)
        if token is None:
            self._counts[key] += 1
        else:
            self._by_token.setdefault(token, key)  # twice in one batch: once

    def tokens(self) -> set[str]:
        return set(self._by_token)

    def flush(self, repository: AggregateRepository, fresh: set[str] | None = None) -> None:
        """Write the counts; tokened ones only if in ``fresh`` (not counted before)."""
        counts = Counter(self._counts)
        for token, key in self._by_token.items():
            if fresh is None or token in fresh:
                counts[key] += 1
        # Sorted, so concurrent writers take the row locks in the same order.
        repository.increment_many((*key, n) for key, n in sorted(counts.items()))
        self._counts.clear()
        self._by_token.clear()


class ListeningBuffer:
    """Social-listening counts of one batch: products mentioned and sentiment of public
    posts about the company's market that are kept only as anonymous counts."""

    def __init__(
        self,
        products: tuple[str, ...],
        sentiment: Callable[[str, str | None], str] | None = None,
    ) -> None:
        self._counts: Counter[ListeningKey] = Counter()
        self._by_token: dict[str, list[ListeningKey]] = {}
        self._products = tuple((p, p.lower()) for p in products if p)
        self._sentiment = sentiment

    def add(
        self, day: date, channel: str, text: str, language: str | None, *, token: str | None = None
    ) -> None:
        if token is not None and token in self._by_token:
            return
        keys: list[ListeningKey] = []
        low = text.lower()
        for name, folded in self._products:
            if folded in low:
                keys.append((day, channel, "product", name))
        if self._sentiment is not None:
            keys.append((day, channel, "sentiment", self._sentiment(text, language)))
        if token is None:
            self._counts.update(keys)
        else:
            self._by_token[token] = keys

    def tokens(self) -> set[str]:
        return set(self._by_token)

    def flush(self, repository: ListeningRepository, fresh: set[str] | None = None) -> None:
        counts = Counter(self._counts)
        for token, keys in self._by_token.items():
            if fresh is None or token in fresh:
                counts.update(keys)
        repository.increment_many((*key, n) for key, n in sorted(counts.items()))
        self._counts.clear()
        self._by_token.clear()
