"""Phone numbers, validated with libphonenumber (``phonenumbers``).

Candidates are digit runs with the usual separators. A candidate is tried as

- international (``+49 …``, ``0049 …``): any valid number scores 0.85;
- German national (leading ``0``: ``030 1234567``, ``0170-1234567``): 0.75
  (in English texts also tried as a UK number);
- North American (``(555) 201-2345``, ``555-201-2345``): 0.7 in English texts;
- anything else only with a phone context word ("Tel.", "Handy", "call me"): 0.6.

German numbers written nationally always start with 0, so a run like
"Bestellnr. 4711-0815-22" is not a phone number; order/invoice/tracking words nearby
push any candidate down to 0.1. Dates and dotted quads are rejected outright.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from sphere.pii.context import compile_words, near
from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer
from sphere.pii.span import Span

_DATE_LIKE = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|\d+\.\d+\.\d+\.\d+")
_DIGIT = re.compile(r"\d")
_NANP = re.compile(r"\(?\d{3}\)?[ .\-]?\d{3}[ .\-]\d{4}")


class PhoneRecognizer(PatternRecognizer):
    NAME = "phone"
    ENTITY = "PHONE_NUMBER"
    BASE_SCORE = 0.75
    REQUIRES = re.compile(r"\d{3}")
    PATTERN = re.compile(r"(?<![\w+\-/.])(?:\+|00)?\(?\d[\d \-/().]{4,22}\d(?![\w\-])(?!\.\d)")
    CONTEXT = (
        "tel", "tel.", "telefon", "telefonnummer", "handy", "handynummer", "mobil",
        "mobilnummer", "festnetz", "fax", "ruf", "rufen", "anrufen", "erreichbar",
        "whatsapp", "signal", "phone", "call", "cell", "mobile", "text me", "number",
    )  # fmt: skip
    CONTEXT_SCORE = 0.95
    NEGATIVE_CONTEXT = (
        "bestellnr", "bestellnummer", "bestellung", "auftragsnr", "auftragsnummer",
        "rechnungsnr", "rechnungsnummer", "rechnung", "kundennr", "kundennummer",
        "artikelnr", "artikelnummer", "art.-nr", "sendungsnummer", "sendungsnr",
        "tracking", "ticket", "vorgangsnummer", "aktenzeichen", "order", "invoice",
        "serial", "seriennummer", "iban", "bic", "konto", "plz", "version",
        "customer number", "customer no", "cust no", "account number", "mitgliedsnummer",
    )  # fmt: skip
    _phone_context_re: ClassVar[re.Pattern[str]] = compile_words(CONTEXT)

    def __init__(self) -> None:
        import phonenumbers

        self._pn = phonenumbers

    def _valid(self, candidate: str, region: str | None) -> bool:
        pn = self._pn
        try:
            number = pn.parse(candidate, region)
        except pn.NumberParseException:
            return False
        return bool(pn.is_valid_number(number))

    def analyze(self, doc: Document) -> Iterator[Span]:
        text = doc.norm
        if self.REQUIRES is not None and self.REQUIRES.search(text) is None:
            return
        pos = 0
        covered = -1  # end of the last accepted number
        while (match := self.PATTERN.search(text, pos)) is not None:
            start, value = match.start(), match.group()
            pos = start + 1
            if match.end() <= covered:
                # a group of an accepted number ("30 12345678" in "+49 30 12345678") is
                # no candidate of its own: no second libphonenumber call
                continue
            if _DATE_LIKE.fullmatch(value):
                pos = match.end()  # "2023-12-19": no prefix of a date is a phone number
                continue
            # two numbers in a row ("0170 1234567 0170 7654321") form one candidate:
            # try the whole, then prefixes ending at a separator, longest first
            ends = [match.end()] + [
                start + i for i in range(len(value) - 1, 5, -1)
                if value[i] in " -/" and value[i - 1].isdigit()
            ][:4]  # fmt: skip
            for end in ends:
                score = self._score(text[start:end], doc, start, end)
                if score is not None:
                    yield self._scored(doc, start, end, score)
                    covered = max(covered, end)
                    break
            # no skip past an accepted number: a candidate starting inside it and ending
            # after it may be the real number (an accepted "0044 …" inside an IBAN loses
            # to the IBAN; the number after the IBAN must still be found)

    def _scored(self, doc: Document, start: int, end: int, score: float) -> Span:
        if self._negative_re is not None and near(doc, self._negative_re, start, end):
            return Span(start, end, self.ENTITY, self.NEGATIVE_SCORE, self.NAME, "negative context")
        if self._context_re is not None and near(doc, self._context_re, start, end, after=15):
            return Span(start, end, self.ENTITY, self.CONTEXT_SCORE, self.NAME, "valid; context")
        return Span(start, end, self.ENTITY, score, self.NAME, "valid number")

    def _score(self, value: str, doc: Document, start: int, end: int) -> float | None:
        value = value.strip()
        if value.count("(") != value.count(")") and not value.startswith("("):
            return None
        if _DATE_LIKE.fullmatch(value):
            return None
        digits = len(_DIGIT.findall(value))
        if digits < 6 or digits > 15:
            return None
        if value.startswith("+"):
            return 0.85 if self._valid(value, None) else None
        if value.startswith("00"):
            return 0.85 if self._valid("+" + value[2:], None) else None
        if value.startswith("0") or value.startswith("(0"):  # "(030) 123 45 67"
            if self._valid(value, "DE"):
                return 0.75
            if doc.lang != "de" and self._valid(value, "GB"):
                return 0.7
            return None
        if doc.lang != "de" and _NANP.fullmatch(value) and self._valid(value, "US"):
            return 0.7
        if near(doc, self._phone_context_re, start, end) and self._valid(value, "DE"):
            return 0.6
        return None
