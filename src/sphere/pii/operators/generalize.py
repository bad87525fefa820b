"""Generalise instead of removing: keep what analytics needs, drop what identifies.

- DATE_TIME / DATE_OF_BIRTH → the year ("12.03.1985" → "1985");
- LOCATION with a German PLZ → the two-digit postal region ("10115 Berlin" → "10xxx");
- AGE ("34 Jahre") → a ten-year band ("30-39");
- anything else → ``<TYPE>`` (nothing sensible to generalise to).
"""

from __future__ import annotations

import re

from sphere.pii.operators import OperatorState
from sphere.pii.span import Span

_YEAR4 = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_YEAR2 = re.compile(r"(?<!\d)(\d\d)$")
_PLZ = re.compile(r"(?<!\d)(\d\d)\d{3}(?!\d)")
_NUMBER = re.compile(r"\d{1,3}")


class GeneralizeOperator:
    NAME = "generalize"

    def __init__(self, *, pivot_year: int = 30) -> None:
        self.pivot_year = pivot_year  # two-digit years below it are 20xx, else 19xx

    def apply(self, value: str, span: Span, state: OperatorState) -> str:
        if span.type in ("DATE_TIME", "DATE_OF_BIRTH"):
            match = _YEAR4.search(value)
            if match:
                return match.group(1)
            short = _YEAR2.search(value.strip())
            if short:
                year = int(short.group(1))
                return str(2000 + year if year < self.pivot_year else 1900 + year)
        elif span.type == "LOCATION":
            match = _PLZ.search(value)
            if match:
                return f"{match.group(1)}xxx"
        elif span.type == "AGE":
            match = _NUMBER.search(value)
            if match:
                low = int(match.group()) // 10 * 10
                return f"{low}-{low + 9}"
        return f"<{span.type}>"
