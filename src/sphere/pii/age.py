"""Age statements and birth dates in German and English text: evidence that a person is
a child (GDPR Art. 8, Recital 38: children merit specific protection).

Recognised (case-insensitive), each giving an age or a birth year/date:

* ``ich bin 14``, ``ich bin 14 Jahre alt``, ``bin erst 13`` — ``I'm 15``, ``I am 15 years
  old`` (not a bare ``im``: German "im 14. Stock"); not when a unit follows (``ich bin
  15 Minuten zu spät``, ``I'm 15 minutes late``, ``14 Tage``, ``5 km``) or the number is
  part of a time or a product;
* ``Lena (13)`` — a name before an age in brackets where a name stands (start, new line,
  after a dash or greeting), ages 5–17 only ("Seite (13)", "Tele 70-200 (13)" are none);
* ``Jahrgang 2011``, ``Jg. 2011``, ``born in 2011``, ``geboren 2011`` — a birth year;
* a date of birth: ``geboren am 3.5.2011``, ``geb. 03.05.2011``, ``Geburtsdatum:
  2011-05-03``, ``born on 3 May 2011``, ``date of birth 2011-05-03``, ``DOB 03/05/2011``.

From a birth year only the lower bound of the age is known (``today.year - year - 1``);
it is used, so a child is never taken for an adult. Pure: ``today`` is passed in; no
value leaves this module except the age and the kind of statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_UNITS = (
    r"minuten?|min\.?|mins?|minutes?|stunden?|std\.?|hours?|hrs?|sekunden?|seconds?|secs?|"
    r"tage?n?|days?|wochen?|weeks?|monate?n?|months?|km|kilometer|kilometres?|miles?|meter|m\b|"
    r"euro|eur|€|\$|dollars?|prozent|percent|%|uhr|o'?clock|am\b|pm\b|mal\b|times|cm|mm|kg|"
    r"gramm|grams?|fotos?|photos?|bilder|pictures?|objektive?|lenses|x\b|mp\b|megapixel|"
    r"mins?|sek|sec|th\b|st\b|nd\b|rd\b"
)
_AGE = r"(?P<age>[1-9][0-9]?)"
_NOT_UNIT = rf"(?![.,:/-]?\d)(?!\s*(?:{_UNITS}))"
_STATEMENT = re.compile(
    rf"\b(?:ich\s+bin|bin\s+(?:erst|schon|gerade)|i\s*['’]\s*m|i\s+am)\s+"
    rf"(?:(?:erst|schon|gerade|only|just)\s+)?{_AGE}{_NOT_UNIT}"
    r"(?:\s*(?:jahre?\s+alt|years?\s+old|y/?o|jahre?|j\.))?(?=\W|$)",
    re.IGNORECASE,
)
# A name and an age in brackets, where a name stands: at the start, on a new line or
# after a dash, a greeting or "von/from/ich heiße/my name is" (German nouns are
# capitalised too: "Seite (13)" is no age).
_BRACKET = re.compile(
    r"(?:^|\n|[—–-]\s*|\b(?:von|from|lg|vg|gruß|grüße|greetings|cheers|love|heiße|"
    r"name\s+is|name\s+ist|ich\s+bin|i\s*['’]\s*m)\s+)"
    r"(?P<name>[A-ZÄÖÜ][a-zäöüß]+)\s*\((?P<age>[5-9]|1[0-7])\)",
    re.IGNORECASE,
)
_YEAR = re.compile(
    r"\b(?:jahrgang|jg\.|born\s+in|geboren|geb\.)\s*(?P<year>(?:19|20)\d\d)\b(?![.\d])",
    re.IGNORECASE,
)
_MONTHS = {
    "jan": 1, "januar": 1, "january": 1, "feb": 2, "februar": 2, "february": 2, "mär": 3,
    "märz": 3, "mar": 3, "march": 3, "apr": 4, "april": 4, "mai": 5, "may": 5, "jun": 6,
    "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "okt": 10, "oct": 10, "oktober": 10, "october": 10,
    "nov": 11, "november": 11, "dez": 12, "dec": 12, "dezember": 12, "december": 12,
}  # fmt: skip
_DOB_LEAD = (
    r"(?:geboren\s+am|geb\.|geburtsdatum:?|geburtstag:?|born\s+on|born|date\s+of\s+birth:?|"
    r"dob:?|d\.o\.b\.?:?)\s*"
)
_DATE_DMY = re.compile(
    _DOB_LEAD + r"(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>(?:19|20)\d\d)\b", re.IGNORECASE
)
_DATE_ISO = re.compile(_DOB_LEAD + r"(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b", re.IGNORECASE)
_DATE_WORDS = re.compile(
    _DOB_LEAD + r"(?P<d>\d{1,2})\.?\s+(?P<mon>[a-zä]{3,9})\.?\s+(?P<y>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class AgeStatement:
    """An age found in text: the (lowest possible) age and how it was stated."""

    age: int
    kind: str  # statement | bracket | birth_year | birth_date
    start: int
    end: int


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def find_ages(text: str, *, today: date) -> list[AgeStatement]:
    """Every age statement in ``text`` (see the module docstring), in text order."""
    found: list[AgeStatement] = []
    for match in _STATEMENT.finditer(text):
        found.append(AgeStatement(int(match["age"]), "statement", match.start(), match.end()))
    for match in _BRACKET.finditer(text):
        found.append(AgeStatement(int(match["age"]), "bracket", match.start(), match.end()))
    for match in _YEAR.finditer(text):
        year = int(match["year"])
        if year <= today.year:
            age = max(today.year - year - 1, 0)
            found.append(AgeStatement(age, "birth_year", match.start(), match.end()))
    for pattern in (_DATE_DMY, _DATE_ISO, _DATE_WORDS):
        for match in pattern.finditer(text):
            month = (
                _MONTHS.get(match["mon"].lower()) if "mon" in match.groupdict() else int(match["m"])
            )
            try:
                born = date(int(match["y"]), month or 0, int(match["d"]))
            except ValueError:
                continue  # not a date (31.02., month 13, unknown month name)
            if born <= today:
                found.append(
                    AgeStatement(_age_on(born, today), "birth_date", match.start(), match.end())
                )
    return sorted(found, key=lambda a: a.start)


def birth_date_age(value: str, *, today: date) -> int | None:
    """The age from a date of birth given as ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (a CRM
    column); None when it is not such a date."""
    text = value.strip()
    for pattern, order in (
        (r"^(\d{4})-(\d{1,2})-(\d{1,2})$", (0, 1, 2)),
        (r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", (2, 1, 0)),
    ):
        match = re.match(pattern, text)
        if match:
            parts = [int(g) for g in match.groups()]
            try:
                born = date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return None
            return _age_on(born, today) if born <= today else None
    return None


def is_minor_statement(text: str, *, today: date, threshold: int) -> AgeStatement | None:
    """The first statement in ``text`` that makes its author younger than ``threshold``."""
    return next((a for a in find_ages(text, today=today) if a.age < threshold), None)


def may_state_age(text: str) -> bool:
    """Cheap pre-check (a digit and a trigger word) so ordinary posts pay almost nothing."""
    return bool(_PRECHECK.search(text))


_PRECHECK = re.compile(
    r"(?:\bich\s+bin|\bbin\s+(?:erst|schon|gerade)|\bi\s*['’]\s*m\b|\bi\s+am\b|\(\d|jahrgang|"
    r"\bjg\.|\bborn\b|\bgeb(?:oren|\.|urtsdatum|urtstag)|date\s+of\s+birth|\bdob\b|d\.o\.b)",
    re.IGNORECASE,
)
