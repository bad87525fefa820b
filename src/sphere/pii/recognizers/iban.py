"""IBAN (ISO 13616): country code, two check digits (ISO 7064 MOD 97-10), BBAN.

Written compact or in groups of four, upper case or (in lower-case posts) lower case.
Only checksum-valid IBANs are reported (1.0); a candidate whose tail swallowed a
following group is shortened until it validates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer
from sphere.pii.span import Span


class IbanRecognizer(PatternRecognizer):
    NAME = "iban"
    ENTITY = "IBAN_CODE"
    BASE_SCORE = 1.0
    REQUIRES = re.compile(r"[A-Za-z]{2}\d{2}")
    # upper case as written on cards and statements; all lower case from lower-case posts
    PATTERN = re.compile(
        r"(?<![A-Za-z0-9])(?:[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}|[a-z]{2}\d{2}(?: ?[a-z0-9]){11,30})"
        r"(?![A-Za-z0-9])"
    )

    def __init__(self) -> None:
        from stdnum import iban

        self._iban = iban

    def analyze(self, doc: Document) -> Iterator[Span]:
        text = doc.norm
        if self.REQUIRES is not None and self.REQUIRES.search(text) is None:
            return
        for match in self.PATTERN.finditer(text):
            start = match.start()
            value = match.group()
            # try the whole candidate, then shorter prefixes ending on a character
            ends = [i + 1 for i, c in enumerate(value) if c != " "]
            for end in reversed(ends):
                if end < 15:
                    break
                if self._iban.is_valid(value[:end]):
                    yield Span(start, start + end, self.ENTITY, 1.0, self.NAME, "checksum")
                    break
