"""Postal addresses (entity LOCATION): German street + house number, optionally followed
by "PLZ City"; "PLZ City" alone; English "221 Baker Street".

German streets end in -straße/-str./-weg/-allee/-platz/-gasse/-ring/-damm/-ufer or are
written as separate words ("Berliner Straße 12"). A PLZ is five digits followed by a
capitalised town; a town from the shipped list scores 0.85, another capitalised word
that is not a common noun 0.6 with context ("wohne", "Adresse", "PLZ") else 0.4, and a
common noun after five digits ("12345 Euro", "10000 Besucher") is not an address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sphere.pii.context import compile_words, near
from sphere.pii.document import Document
from sphere.pii.lexicon import Lexicons
from sphere.pii.span import Span

_UPPER = "A-ZÄÖÜ"
_LOWER = "a-zäöüß"
_SUFFIX = r"(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad)"
_SEPARATE = r"(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer|Chaussee)"
_STREET = (
    rf"(?:(?:[{_UPPER}][{_LOWER}]+[ \-]){{0,2}}[{_UPPER}][{_LOWER}\-]*{_SUFFIX}"
    rf"|(?:[{_UPPER}][{_LOWER}]+[ \-]){{1,2}}{_SEPARATE})"
    r" ?\d{1,4} ?[a-zA-Z]?(?![\w])"
)


def _plz_town(tag: str) -> str:
    return (
        rf"(?<![\d\w])\d{{5}} (?P<town{tag}>[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)"
        rf"(?: (?:am|an der|im|in|ob der|bei) [{_UPPER}][{_LOWER}]+)?(?![\w])"
    )


_EN_STREET = (
    r"(?<![\w])\d{1,5}[A-Za-z]? (?:[A-Z][a-z]+ ){1,3}"
    r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Boulevard|Blvd\.?|Way"
    r"|Court|Ct\.?|Place|Terrace|Close|Crescent)(?![\w])"
)
_PATTERN = re.compile(
    rf"(?P<street>{_STREET})(?:,? ?{_plz_town('1')})?|{_plz_town('2')}|(?P<en>{_EN_STREET})"
)


class AddressRecognizer:
    NAME = "address"
    ENTITIES = ("LOCATION",)
    LANGUAGES = frozenset({"de", "en", "und"})
    CONTEXT = (
        "wohne", "wohnen", "adresse", "anschrift", "plz", "postleitzahl", "liefern",
        "lieferadresse", "geliefert", "address", "live in", "lives in", "ziehe", "umgezogen",
    )  # fmt: skip
    _context_re = compile_words(CONTEXT)
    _digit_re = re.compile(r"\d")

    def __init__(self, lexicons: Lexicons) -> None:
        self._lexicons = lexicons

    def analyze(self, doc: Document) -> Iterator[Span]:
        text = doc.norm
        if self._digit_re.search(text) is None:
            return
        for match in _PATTERN.finditer(text):
            start, end = match.span()
            if match.group("street") or match.group("en"):
                yield Span(start, end, "LOCATION", 0.85, self.NAME, "street and number")
                continue
            town = match.group("town2").lower()
            if town in self._lexicons.de_cities:
                score = 0.85
            elif town in self._lexicons.common_words:
                continue
            else:
                score = 0.6 if near(doc, self._context_re, start, end, before=50) else 0.4
            yield Span(start, end, "LOCATION", score, self.NAME, "postal code and town")
