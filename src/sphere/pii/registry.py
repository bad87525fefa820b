"""Recognizer registry: an instance built by a factory, never a module global."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sphere.errors import ConfigurationError
from sphere.pii.recognizer import Recognizer


class RecognizerRegistry:
    """Ordered set of recognizers, looked up by language and entity type."""

    def __init__(self) -> None:
        self._recognizers: dict[str, Recognizer] = {}

    def add(self, recognizer: Recognizer) -> None:
        """Register a recognizer; names are unique."""
        if not isinstance(recognizer, Recognizer):
            raise ConfigurationError(f"{type(recognizer).__name__} is not a Recognizer")
        if recognizer.NAME in self._recognizers:
            raise ConfigurationError(f"recognizer {recognizer.NAME!r} already registered")
        self._recognizers[recognizer.NAME] = recognizer

    def remove(self, name: str) -> None:
        self._recognizers.pop(name, None)

    def __iter__(self) -> Iterator[Recognizer]:
        return iter(self._recognizers.values())

    def __len__(self) -> int:
        return len(self._recognizers)

    @property
    def entities(self) -> frozenset[str]:
        return frozenset(e for r in self._recognizers.values() for e in r.ENTITIES)

    def select(self, lang: str, entities: Collection[str] | None) -> tuple[Recognizer, ...]:
        """Recognizers for ``lang`` that can produce at least one wanted entity."""
        wanted = None if entities is None else frozenset(entities)
        return tuple(
            r
            for r in self._recognizers.values()
            if lang in r.LANGUAGES and (wanted is None or not wanted.isdisjoint(r.ENTITIES))
        )
