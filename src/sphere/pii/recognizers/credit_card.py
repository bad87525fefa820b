"""Payment card numbers (ISO/IEC 7812): 13–19 digits, issuer prefix, Luhn check digit."""

from __future__ import annotations

import re

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer

_ISSUER = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[068]|6(?:011|5|4[4-9]|22)|35")


class CreditCardRecognizer(PatternRecognizer):
    """Luhn-valid with a known issuer prefix scores 0.9, with context ("Kreditkarte",
    "Visa", "card") 1.0; a Luhn failure is not reported."""

    NAME = "credit_card"
    ENTITY = "CREDIT_CARD"
    BASE_SCORE = 0.9
    SPLIT_ON = " -"
    REQUIRES = re.compile(r"\d{4}")
    PATTERN = re.compile(r"(?<![\d\-])(?:\d[ \-]?){12,18}\d(?![\d\-])")
    CONTEXT = ("kreditkarte", "karte", "visa", "mastercard", "amex", "card", "kartennummer")
    CONTEXT_SCORE = 1.0

    def __init__(self) -> None:
        from stdnum import luhn

        self._luhn = luhn

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        digits = re.sub(r"[ \-]", "", match.group())
        if not 13 <= len(digits) <= 19 or not _ISSUER.match(digits):
            return None
        return self.BASE_SCORE if self._luhn.is_valid(digits) else None
