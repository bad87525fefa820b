"""Dates (DATE_TIME) and dates of birth (DATE_OF_BIRTH).

Numeric German "12.03.1985"/"12.3.85", ISO "1985-03-12", "03/12/1985", and written
"12. März 1985", "12 March 1985", "March 12, 1985". Month and day are range-checked.
A date preceded by "geb.", "geboren am", "born on", "DOB", "Geburtsdatum" … (within 30
characters) is a DATE_OF_BIRTH (0.95); other dates are DATE_TIME (0.6).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sphere.pii.context import compile_words, near
from sphere.pii.document import Document
from sphere.pii.span import Span

_MONTHS = (
    "Januar|Jänner|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober"
    "|November|Dezember|January|February|March|May|June|July|October|December"
    "|Jan|Feb|Mär|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Okt|Oct|Nov|Dez|Dec"
)
_PATTERN = re.compile(
    r"(?<![\d.\w])(?:"
    r"(?P<d1>\d{1,2})\. ?(?P<m1>\d{1,2})\. ?(?P<y1>\d{4}|\d{2})(?![\d])"
    r"|(?P<y2>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})(?![\d])"
    r"|(?P<d3>\d{1,2})/(?P<m3>\d{1,2})/(?P<y3>\d{4}|\d{2})(?![\d/])"
    rf"|(?P<d4>\d{{1,2}})\.? (?:{_MONTHS})\.? (?P<y4>\d{{4}})(?!\d)"
    rf"|(?:{_MONTHS})\.? (?P<d5>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y5>\d{{4}})(?!\d)"
    r")"
)


class DateRecognizer:
    NAME = "date"
    ENTITIES = ("DATE_TIME", "DATE_OF_BIRTH")
    LANGUAGES = frozenset({"de", "en", "und"})
    DOB_CONTEXT = (
        "geb.", "geb", "geboren", "geburtsdatum", "geburtstag", "jahrgang", "born",
        "dob", "d.o.b", "date of birth", "birthday", "birth date",
    )  # fmt: skip
    _dob_re = compile_words(DOB_CONTEXT)
    _digit_re = re.compile(r"\d")

    def analyze(self, doc: Document) -> Iterator[Span]:
        text = doc.norm
        if self._digit_re.search(text) is None:
            return
        for match in _PATTERN.finditer(text):
            for day_group, month_group in (("d1", "m1"), ("d2", "m2"), ("d3", "m3")):
                day, month = match.group(day_group), match.group(month_group)
                if day is not None:
                    if day_group == "d3" and int(day) > 12 and int(month) <= 31:
                        day, month = month, day  # US order 03/12/1985
                    if not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
                        break
            else:
                start, end = match.span()
                if near(doc, self._dob_re, start, end, before=30):
                    yield Span(start, end, "DATE_OF_BIRTH", 0.95, self.NAME, "date; birth context")
                else:
                    yield Span(start, end, "DATE_TIME", 0.6, self.NAME, "date")
