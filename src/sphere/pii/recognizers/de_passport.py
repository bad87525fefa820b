"""German passport (Reisepass) document number: 9 characters, the first one of
C F G H J K, then "0-9 C F G H J K L M N P R T V W X Y Z"; optional 10th character is
the ICAO 9303 check digit. Scores as for the ID card: check digit 0.85, bare serial
0.3 unless "Reisepass", "Passnummer", "passport" is nearby (0.85)."""

from __future__ import annotations

import re

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer
from sphere.pii.recognizers._icao import icao_check_digit
from sphere.pii.recognizers.de_id_card import SERIAL_ALPHABET


class DePassportRecognizer(PatternRecognizer):
    NAME = "de_passport"
    ENTITY = "DE_PASSPORT"
    BASE_SCORE = 0.3
    REQUIRES = re.compile(r"[A-Z0-9]{9}")
    PATTERN = re.compile(rf"(?<![A-Za-z0-9])[CFGHJK][{SERIAL_ALPHABET}]{{8}}\d?(?![A-Za-z0-9])")
    CONTEXT = ("reisepass", "pass", "passnummer", "reisepassnummer", "passport")
    CONTEXT_SCORE = 0.85

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        value = match.group()
        if sum(c.isdigit() for c in value[:9]) < 2:
            return None
        if len(value) == 10:
            return 0.85 if icao_check_digit(value[:9]) == int(value[9]) else None
        return self.BASE_SCORE
