"""German passport (Reisepass) document number: 9 characters, the first one of
C F G H J K, then "0-9 C F G H J K L M N P R T V W X Y Z"; optional 10th character is
the ICAO 9303 check digit. Scores as for the ID card: check digit 0.85, bare serial
0.3 unless "Reisepass", "Passnummer", "passport" is nearby (0.85)."""

from __future__ import annotations

import re

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer
from sphere.pii.recognizers.de_id_card import (
    NOT_A_DOCUMENT,
    SERIAL_ALPHABET,
    document_number_score,
)


class DePassportRecognizer(PatternRecognizer):
    NAME = "de_passport"
    ENTITY = "DE_PASSPORT"
    BASE_SCORE = 0.3
    REQUIRES = re.compile(r"[A-Za-z0-9]{9}")
    PATTERN = re.compile(
        rf"(?<![A-Za-z0-9])[CFGHJK][{SERIAL_ALPHABET}]{{8}}\d?(?![A-Za-z0-9])", re.IGNORECASE
    )
    CONTEXT = ("reisepass", "pass", "passnummer", "reisepassnummer", "passport")
    CONTEXT_SCORE = 0.85
    NEGATIVE_CONTEXT = NOT_A_DOCUMENT

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        return document_number_score(match.group(), self.BASE_SCORE)
