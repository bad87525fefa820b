"""A configurable catalogue of product lines and topics, matched in German and English
texts and URLs with case and typo tolerance.

Matching works on normalised tokens: lower case, NFKC, umlauts folded (ä → ae, ß → ss,
so "Porträt" meets "portrait" within one edit), numbers split from units ("70-200mm"
→ ``70 200 mm``). A term is a token sequence and matches when every token matches:

- exactly, or
- for tokens of 6+ letters within one edit (Damerau: "wildlfie", "teleobjecktiv"),
  for 10+ letters within two edits;
- a single-token term of 5+ letters also matches as the start of a longer token, for
  German compounds ("makro" in "Makroaufnahmen", "hochzeit" in "Hochzeitsfotos").

Numbers always match exactly. The catalogue is data: build one with
:class:`CatalogueEntry` values, or ``optiklinse_catalogue()`` for the demo company.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sphere.errors import InvalidInput

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_SPLIT = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")
_WORD = re.compile(r"[a-z0-9]+")


class EntryKind(StrEnum):
    PRODUCT_LINE = "product_line"
    TOPIC = "topic"


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A product line or topic: ``key`` for programs, ``label`` for explanations."""

    key: str
    label: str
    kind: EntryKind
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalogue:
    entries: tuple[CatalogueEntry, ...]

    def __post_init__(self) -> None:
        keys = [e.key for e in self.entries]
        if len(set(keys)) != len(keys):
            raise InvalidInput("catalogue keys must be unique")
        for index, entry in enumerate(self.entries):
            if not entry.terms or any(not tokenize(t) for t in entry.terms):
                raise InvalidInput(f"catalogue entries[{index}] ({entry.key}) has an empty term")

    def entry(self, key: str) -> CatalogueEntry:
        for e in self.entries:
            if e.key == key:
                return e
        raise KeyError(key)

    def match(self, text: str) -> tuple[str, ...]:
        """Keys of the entries that ``text`` mentions, in catalogue order."""
        tokens = tokenize(text)
        return tuple(
            e.key
            for e in self.entries
            if any(_contains(tokens, tokenize(term)) for term in e.terms)
        )


def tokenize(text: str) -> list[str]:
    """Normalised tokens (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    return [part for word in _WORD.findall(folded) for part in _SPLIT.split(word) if part]


def _contains(tokens: list[str], term: list[str]) -> bool:
    n = len(term)
    for start in range(len(tokens) - n + 1):
        if all(_token_matches(tokens[start + k], term[k], single=n == 1) for k in range(n)):
            return True
    return False


def _token_matches(token: str, term: str, *, single: bool) -> bool:
    if token == term:
        return True
    if term.isdigit() or token.isdigit():
        return False
    if single and len(term) >= 5 and token.startswith(term):
        return True
    budget = 2 if len(term) >= 10 else 1 if len(term) >= 6 else 0
    return budget > 0 and abs(len(token) - len(term)) <= budget and _distance(token, term) <= budget


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _entries(rows: Iterable[tuple[str, str, EntryKind, tuple[str, ...]]]) -> Catalogue:
    return Catalogue(tuple(CatalogueEntry(*row) for row in rows))


def optiklinse_catalogue() -> Catalogue:
    """The demo company "Optiklinse" (a fictional lens maker): six lines, three topics."""
    line, topic = EntryKind.PRODUCT_LINE, EntryKind.TOPIC
    return _entries(
        [
            ("telephoto", "telephoto lenses", line,
             ("tele 70-200", "70-200", "teleobjektiv", "telezoom", "telephoto", "tele lens",
              "tele")),
            ("wide_angle", "wide-angle lenses", line,
             ("weitwinkel", "weitwinkel 14mm", "14mm", "wide-angle", "wide angle",
              "wideangle", "ultrawide")),
            ("macro", "macro lenses", line,
             ("makro 100", "makro", "macro", "makroobjektiv", "macro lens")),
            ("portrait", "portrait lenses", line,
             ("portrait 85", "portrait", "portraet", "85mm", "portraitobjektiv")),
            ("zoom", "standard zoom lenses", line,
             ("zoom 24-70", "24-70", "standardzoom", "standard zoom")),
            ("fisheye", "fisheye lenses", line,
             ("fisheye", "fish-eye", "fischauge", "fischaugen")),
            ("wildlife", "wildlife photography", topic,
             ("wildlife", "wildtier", "wildtiere", "tierfotografie", "vogelfotografie",
              "birding", "bird photography", "voegel", "safari")),
            ("wedding", "wedding photography", topic,
             ("hochzeit", "wedding", "brautpaar", "bride", "hochzeitsfotografie")),
            ("astro", "astrophotography", topic,
             ("astro", "astrofotografie", "astrophotography", "milchstrasse", "milky way",
              "sternenhimmel", "night sky", "nachthimmel")),
        ]
    )  # fmt: skip
