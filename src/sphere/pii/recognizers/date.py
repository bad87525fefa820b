"""Dates (DATE_TIME) and dates of birth (DATE_OF_BIRTH).

Numeric German "12.03.1985"/"12.3.85", ISO "1985-03-12", "03/12/1985", and written
"12. März 1985", "12 March 1985", "March 12, 1985". Month and day are range-checked.
Without a year: "17.06." (day.month. with zero-padded month or after "am", "ab", "bis"
…), "3. Mai", "17 June", "June 17" (not "Jan 5" or "May 5": a name, a verb). A date
preceded by "geb.", "geboren am", "born on", "DOB", "Geburtsdatum" … (within 60
characters) or followed in its clause by "geboren"/"born" ("Ich wurde am 3.5.1990
geboren") is a DATE_OF_BIRTH (0.95); other dates are DATE_TIME (0.6).
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
# Before a bare day number "Jan" is a first name, "May"/"Mai" a verb or a name too.
_MONTHS_BEFORE_DAY = (
    "Januar|Jänner|Februar|März|Maerz|April|Juni|Juli|August|September|Oktober"
    "|November|Dezember|January|February|March|June|July|October|December"
    "|Feb|Mär|Apr|Jun|Jul|Aug|Sept|Sep|Okt|Oct|Nov|Dez|Dec"
)
_NUMERIC = (
    r"(?<![\d.\w])(?:"
    r"(?P<d1>\d{1,2})\. ?(?P<m1>\d{1,2})\. ?(?P<y1>\d{4}|\d{2})(?![\d])"
    r"|(?P<y2>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})(?![\d])"
    r"|(?P<d3>\d{1,2})/(?P<m3>\d{1,2})/(?P<y3>\d{4}|\d{2})(?![\d/])"
    # without a year: "17.06."
    r"|(?P<d6>\d{1,2})\.(?P<m6>\d{1,2})\.(?![\d\w.])"
)
_WRITTEN = (
    rf"|(?P<d4>\d{{1,2}})\.? (?i:{_MONTHS})\.? (?P<y4>\d{{4}})(?!\d)"
    rf"|(?i:{_MONTHS})\.? (?P<d5>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y5>\d{{4}})(?!\d)"
    # without a year: "3. Mai", "17 June", "June 17", "Dec 31st"
    rf"|(?P<d7>\d{{1,2}})(?:\.|st|nd|rd|th)? (?:of )?(?i:{_MONTHS})\b\.?(?! ?\d)"
    rf"|(?:{_MONTHS_BEFORE_DAY}|(?-i:{_MONTHS_BEFORE_DAY.lower()}))\.? (?P<d8>\d{{1,2}})"
    r"(?:st|nd|rd|th)?(?![\d:.,/\-]\d|\d|\w)"
)
# Posts without a month name (most) use the numeric forms only; groups d4/d5/d7/d8 exist
# in both patterns so that ``analyze`` can read them.
_PATTERN = re.compile(_NUMERIC + _WRITTEN + ")")
_PATTERN_NUMERIC = re.compile(
    _NUMERIC + r"|(?P<d4>(?!))(?P<y4>)(?P<d5>)(?P<y5>)(?P<d7>)(?P<d8>)" + ")"
)
# searched in the lower-cased post
_MONTH_GATE = re.compile(
    r"\b(?:jan|j\u00e4n|feb|m\u00e4r|maer|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)"
)

# "am 1.4.", "ab 1.4.", "bis 31.12." — a day.month. without year and zero padding needs one
_CLAUSE_END = re.compile(r"[,;!?|]|\.(?:\s|$)")
_DAY_MONTH_CONTEXT = re.compile(r"(?<!\w)(?:am|ab|bis|vom|zum|den|der|seit|per|bis zum)\s*$", re.I)


class DateRecognizer:
    NAME = "date"
    ENTITIES = ("DATE_TIME", "DATE_OF_BIRTH")
    LANGUAGES = frozenset({"de", "en", "und"})
    DOB_CONTEXT = (
        "geb.-datum", "geb.", "geb", "geboren", "geburtsdatum", "geburtstag", "jahrgang", "born",
        "dob", "d.o.b", "date of birth", "birthday", "birth date",
    )  # fmt: skip
    # whole words only: "dob" must not fire inside the surname "Dobes"
    _dob_re = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in DOB_CONTEXT) + r")(?!\w)", re.IGNORECASE
    )
    _born_re = compile_words(("geboren", "born", "zur welt gekommen"))
    _digit_re = re.compile(r"\d")

    def analyze(self, doc: Document) -> Iterator[Span]:
        text = doc.norm
        if self._digit_re.search(text) is None:
            return
        pattern = _PATTERN if _MONTH_GATE.search(doc.lower) else _PATTERN_NUMERIC
        for match in pattern.finditer(text):
            for day_group, month_group in (
                ("d1", "m1"), ("d2", "m2"), ("d3", "m3"), ("d6", "m6")
            ):  # fmt: skip
                day, month = match.group(day_group), match.group(month_group)
                if day is not None:
                    if day_group == "d3" and int(month) > 12 and int(day) <= 12:
                        day, month = month, day  # US order 04/24/2022
                    if not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
                        break
                    if (
                        day_group == "d6"
                        and len(month) < 2
                        and not _DAY_MONTH_CONTEXT.search(
                            text, max(0, match.start() - 10), match.start()
                        )
                    ):
                        break
            else:
                day = match.group("d7") or match.group("d8")
                if day is not None and not 1 <= int(day) <= 31:
                    continue
                start, end = match.span()
                if near(doc, self._dob_re, start, end, before=60) or self._born_after(doc, end):
                    yield Span(start, end, "DATE_OF_BIRTH", 0.95, self.NAME, "date; birth context")
                else:
                    yield Span(start, end, "DATE_TIME", 0.6, self.NAME, "date")

    def _born_after(self, doc: Document, end: int) -> bool:
        """ "… am 3.5.1990 geboren", "… 1990-05-03 born": the verb after the date."""
        clause = _CLAUSE_END.search(doc.norm, end, end + 25)
        stop = clause.start() if clause is not None else end + 25
        return self._born_re.search(doc.norm, end, stop) is not None
