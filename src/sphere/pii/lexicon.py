"""Loading the shipped lexicons (built by ``scripts/build_pii_lexicons.py``).

The only I/O in ``sphere.pii``: reading package resources. Each ``Lexicons`` instance
loads a file the first time it is asked for it and keeps it; an ``Analyzer`` owns one.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources
from typing import Any


def read_resource(name: str) -> str:
    """Text of a shipped resource (``.gz`` is decompressed)."""
    data = resources.files("sphere.pii").joinpath("resources").joinpath(name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


def read_word_set(name: str) -> frozenset[str]:
    return frozenset(line.strip() for line in read_resource(name).splitlines() if line.strip())


class Lexicons:
    """Lazily loaded word sets shared by the recognizers of one analyzer."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def words(self, name: str) -> frozenset[str]:
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = read_word_set(name)
        return cached  # type: ignore[no-any-return]

    def json(self, name: str) -> Any:
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = json.loads(read_resource(name))
        return cached

    @property
    def first_names(self) -> frozenset[str]:
        return self.words("first_names.txt.gz")

    @property
    def surnames(self) -> frozenset[str]:
        return self.words("surnames.txt.gz")

    @property
    def common_words(self) -> frozenset[str]:
        return self.words("common_words.txt.gz")

    @property
    def de_districts(self) -> frozenset[str]:
        return self.words("de_districts.txt")

    @property
    def de_cities(self) -> frozenset[str]:
        return self.words("de_cities.txt.gz")
