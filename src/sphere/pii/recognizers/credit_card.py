"""Payment card numbers (ISO/IEC 7812): 13–19 digits, issuer prefix, Luhn check digit.

Cards print their number compact or in the issuers' groupings (4-4-4-4[-3], Amex/Diners
4-6-5 and 4-6-4, 4-4-4-1 for old 13-digit Visa); a Luhn-valid run grouped differently
("302-4471183-2210947", a shop's order number — one in ten passes Luhn by chance) is not
a card. "Order", "Bestellnummer", "Ticket" … before the number lower it to 0.1.
"""

from __future__ import annotations

import re

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer

_SEPARATOR = re.compile(r"[ \-]")
#: Group lengths of card numbers as printed (compact numbers are always accepted).
_GROUPINGS = frozenset(
    {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1), (4, 4, 4, 4, 2),
     (4, 4, 4, 4, 1), (4, 4, 5), (4, 4, 4, 3), (4, 4, 4, 2)}
)  # fmt: skip
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
    NEGATIVE_CONTEXT = (
        "order", "bestellnummer", "bestellnr", "bestellung", "auftragsnummer", "ticket",
        "tracking", "sendungsnummer", "rechnungsnummer", "invoice", "kundennummer",
    )  # fmt: skip

    def __init__(self) -> None:
        from stdnum import luhn

        self._luhn = luhn

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        value = match.group()
        groups = _SEPARATOR.split(value)
        digits = "".join(groups)
        if not 13 <= len(digits) <= 19 or not _ISSUER.match(digits):
            return None
        if len(groups) > 1 and tuple(len(g) for g in groups) not in _GROUPINGS:
            return None
        return self.BASE_SCORE if self._luhn.is_valid(digits) else None
