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
#: Words before a serial-like value that make it a shop's number, not an ID document.
NOT_A_DOCUMENT = (
    "kd-nr", "kdnr", "kundennummer", "kundennr", "customer number", "customer no",
    "cust no", "bestellnummer", "bestellnr", "order", "auftragsnummer", "rechnungsnummer",
    "invoice", "ticket", "tracking", "sendungsnummer", "artikelnummer", "seriennummer",
)  # fmt: skip


class DeIdCardRecognizer(PatternRecognizer):
    NAME = "de_id_card"
    ENTITY = "DE_ID_CARD"
    FIRST_LETTERS: ClassVar[str] = "LMNPRTVWXY"
    BASE_SCORE = 0.3
    REQUIRES = re.compile(r"[A-Za-z0-9]{9}")
    PATTERN = re.compile(
        rf"(?<![A-Za-z0-9])[LMNPRTVWXY][{SERIAL_ALPHABET}]{{8}}\d?(?![A-Za-z0-9])", re.IGNORECASE
    )
    CONTEXT = (
        "personalausweis", "ausweis", "ausweisnummer", "perso", "id card", "id-card",
        "identity card", "dokumentennummer", "seriennummer des ausweises",
    )  # fmt: skip
    CONTEXT_SCORE = 0.85
    NEGATIVE_CONTEXT = NOT_A_DOCUMENT

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        return document_number_score(match.group(), self.BASE_SCORE)


def document_number_score(value: str, base: float) -> float | None:
    """Score of a 9-character serial (+ optional ICAO check digit) of an ID card/passport.

    A 10th character must be a correct check digit (0.85). Mixed case ("Lmnprt…") is a
    word, not a serial; all-lower-case serials come from lower-case posts and, like
    serials without digits ("PFTRJFLNF" — possible, the alphabet has letters only
    without vowels), score ``base`` and therefore need a context word.
    """
    if not (value.isupper() or value.islower()):
        return None
    upper = value.upper()
    if len(upper) == 10:
        return 0.85 if icao_check_digit(upper[:9]) == int(upper[9]) else None
    return base
