"""German tax identification number (Steuer-IdNr., §139b AO).

11 digits, the first not 0, one digit repeated two or three times among the first ten,
the last an ISO 7064 MOD 11,10 check digit (validated by ``stdnum.de.idnr``). Written
compact or as "12 345 678 901". Without context 0.5; "Steuer-ID", "IdNr",
"Steueridentifikationsnummer", "tax id" nearby raise it to 0.95.
"""

from __future__ import annotations

import re

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer


class DeTaxIdRecognizer(PatternRecognizer):
    NAME = "de_tax_id"
    ENTITY = "DE_TAX_ID"
    BASE_SCORE = 0.5
    SPLIT_ON = " -"
    REQUIRES = re.compile(r"\d\d")
    PATTERN = re.compile(r"(?<![\d\-/.])[1-9]\d ?\d{3} ?\d{3} ?\d{3}(?![\d\-/]|\.\d)")
    CONTEXT = (
        "steuer-id", "steuerid", "steuer id", "steuer-idnr", "idnr", "id-nr",
        "steueridentifikationsnummer", "identifikationsnummer", "tin", "tax id", "tax-id",
        "steuernummer",
    )  # fmt: skip
    CONTEXT_SCORE = 0.95

    def __init__(self) -> None:
        from stdnum.de import idnr

        self._idnr = idnr

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        digits = match.group().replace(" ", "")
        return self.BASE_SCORE if self._idnr.is_valid(digits) else None
