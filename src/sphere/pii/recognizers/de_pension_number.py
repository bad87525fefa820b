"""German pension insurance number (Rentenversicherungsnummer / Sozialversicherungsnummer).

12 characters "AA DDMMYY L SS P": area number, birth date, initial of the birth name,
serial (00–49 male, 50–99 female), check digit. Check: the letter becomes its two-digit
alphabet position, the 12 digits are weighted 2,1,2,5,7,1,2,1,2,1,2,1, the digit sums
of the products are added, modulo 10. Valid ones score 0.85, with context 1.0.
"""

from __future__ import annotations

import re

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer

_WEIGHTS = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)


def pension_check_digit(area_and_date: str, letter: str, serial: str) -> int:
    """Check digit for the first 11 characters (without spaces)."""
    digits = area_and_date + f"{ord(letter.upper()) - 64:02d}" + serial
    total = 0
    for digit, weight in zip(digits, _WEIGHTS, strict=True):
        product = int(digit) * weight
        total += product // 10 + product % 10
    return total % 10


def is_valid_pension_number(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"\d{8}[A-Z]\d{3}", compact):
        return False
    day, month = int(compact[2:4]), int(compact[4:6])
    if not (1 <= day <= 31 or 51 <= day <= 81) or not 1 <= month <= 12:
        return False
    return pension_check_digit(compact[:8], compact[8], compact[9:11]) == int(compact[11])


class DePensionNumberRecognizer(PatternRecognizer):
    NAME = "de_pension_number"
    ENTITY = "DE_PENSION_NUMBER"
    BASE_SCORE = 0.85
    REQUIRES = re.compile(r"\d ?[A-Za-z] ?\d")
    PATTERN = re.compile(r"(?<![\w])\d{2} ?\d{6} ?[A-Za-z] ?\d{2} ?\d(?!\w)")
    CONTEXT = (
        "rentenversicherungsnummer", "rvnr", "rv-nr", "versicherungsnummer",
        "sozialversicherungsnummer", "sv-nummer", "svnr", "sv-nr", "rentennummer",
        "social security",
    )  # fmt: skip
    CONTEXT_SCORE = 1.0

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        return self.BASE_SCORE if is_valid_pension_number(match.group()) else None
