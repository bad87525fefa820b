"""German identity card (Personalausweis) document number.

Since 2010 (nPA): 9 characters from "0-9 C F G H J K L M N P R T V W X Y Z", the first
one of L M N P R T V W X Y; in the machine-readable zone a 10th character, the ICAO
9303 check digit, follows. With a valid check digit 0.85 (context 1.0); the bare 9
characters look like any product code, so they need context ("Personalausweis",
"Ausweisnummer", "ID card") to score 0.85, else 0.3.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer
from sphere.pii.recognizers._icao import icao_check_digit

SERIAL_ALPHABET = "0-9CFGHJKLMNPRTVWXYZ"


class DeIdCardRecognizer(PatternRecognizer):
    NAME = "de_id_card"
    ENTITY = "DE_ID_CARD"
    FIRST_LETTERS: ClassVar[str] = "LMNPRTVWXY"
    BASE_SCORE = 0.3
    REQUIRES = re.compile(r"[A-Z0-9]{9}")
    PATTERN = re.compile(rf"(?<![A-Za-z0-9])[LMNPRTVWXY][{SERIAL_ALPHABET}]{{8}}\d?(?![A-Za-z0-9])")
    CONTEXT = (
        "personalausweis", "ausweis", "ausweisnummer", "perso", "id card", "id-card",
        "identity card", "dokumentennummer", "seriennummer des ausweises",
    )  # fmt: skip
    CONTEXT_SCORE = 0.85

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        value = match.group()
        if sum(c.isdigit() for c in value[:9]) < 2:
            return None  # words in capitals ("LMNPRTVWX") are not serials
        if len(value) == 10:
            return 0.85 if icao_check_digit(value[:9]) == int(value[9]) else None
        return self.BASE_SCORE
