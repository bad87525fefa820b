"""German and English for every string a person reads (docs/i18n.md).

``translator(lang, tz=...)`` gives a ``Translator``: ``gettext``/``ngettext``/``pgettext``
with ``%(name)s`` placeholders, always formatted (a literal per cent sign is ``%%``),
exactly as ``{{ _("…", name=x) }}`` in the templates (Babel extracts from both); and
dates, times and numbers formatted for the language in the company's time zone (times
are stored in UTC). The web picks the
language per request (``sphere.web.i18n``); services that write text for a person
(e-mails, the export's summary, consent notices) take a ``Translator``.

Mark a string for extraction without translating it yet with ``N_("…")``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Final
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from sphere.i18n.catalogs import load

LANGUAGES: Final = ("de", "en")
DEFAULT_LANGUAGE: Final = "en"
DEFAULT_TIMEZONE: Final = "Europe/Berlin"
# Formats per language: German as in Germany, English as in the EU (day before month).
_FORMAT_LOCALE: Final = {"de": "de_DE", "en": "en_GB"}
_SUPERSCRIPT: Final = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Marks ``message`` for extraction; translated where it is shown."""
    return message


def supported(lang: str | None) -> str | None:
    """``lang`` reduced to a supported language (``de-AT`` → ``de``), or None."""
    if not lang:
        return None
    tag = lang.strip().lower().replace("_", "-").split("-")[0]
    return tag if tag in LANGUAGES else None


def negotiate(accept_language: str) -> str | None:
    """The supported language an ``Accept-Language`` header prefers most (q-values
    honoured, ties in header order), or None."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _sep, params = part.partition(";")
        lang = supported(tag)
        if lang is None:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if best is None or (q, -index) > (best[0], -best[1]):
            best = (q, index, lang)
    return best[2] if best else None


@dataclass(frozen=True)
class Translator:
    """One language's strings and formats, in one time zone."""

    lang: str
    tz: ZoneInfo

    @property
    def other(self) -> str:
        """The other language (the switch link)."""
        return "en" if self.lang == "de" else "de"

    @property
    def locale(self) -> Locale:
        return _locale(self.lang)

    # -- strings ---------------------------------------------------------------------
    def gettext(self, message: str, **values: object) -> str:
        return load(self.lang).gettext(message) % values

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = load(self.lang).ngettext(singular, plural, n)
        return text % {"num": n, **values}

    def pgettext(self, context: str, message: str, **values: object) -> str:
        return load(self.lang).pgettext(context, message) % values

    def npgettext(self, context: str, singular: str, plural: str, n: int, **values: object) -> str:
        text = load(self.lang).npgettext(context, singular, plural, n)
        return text % {"num": n, **values}

    _ = gettext

    # -- dates, times, numbers ---------------------------------------------------------
    def local(self, moment: datetime | str) -> datetime:
        """``moment`` (UTC, or naive meaning UTC; or its ISO text) in the company's zone."""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.tz)

    def date(self, value: date | datetime | str | None) -> str:
        """``03.11.2026`` / ``3 Nov 2026`` (a datetime is taken in the local zone)."""
        if value is None:
            return ""
        if isinstance(value, str) and len(value) == 10:  # a day ("2026-11-06"), no instant
            value = date.fromisoformat(value)
        day = value if type(value) is date else self.local(value).date()  # type: ignore[arg-type]
        return format_date(day, "medium", locale=self.locale)

    def deadline(self, expires: datetime | str | None) -> str:
        """The last day of a period that expires at ``expires`` — an exclusive instant,
        the start of the next local day, as ``RequestDeadline.due_at`` stores it (GDPR
        periods end with the last hour of their last day, Reg. 1182/71 Art. 3(2)(c)).
        Shown with ``date`` it would read one day late."""
        if expires is None:
            return ""
        return self.date(self.local(expires) - timedelta(microseconds=1))

    def month(self, value: date | str | None) -> str:
        """``November 2026`` from a date or ``2026-11``."""
        if value is None:
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(f"{value[:7]}-01")
        return format_date(value, "LLLL yyyy", locale=self.locale)

    def time(self, value: datetime | str | None) -> str:
        """``14:05`` in the company's time zone."""
        if value is None:
            return ""
        return format_time(self.local(value), "short", locale=self.locale)

    def datetime(self, value: datetime | str | None) -> str:
        """``03.11.2026, 14:05`` / ``3 Nov 2026, 14:05`` in the company's time zone."""
        if value is None:
            return ""
        pattern = str(self.locale.datetime_formats["medium"])
        return pattern.replace("{1}", self.date(value)).replace("{0}", self.time(value))

    def number(self, value: float | int | None, *, digits: int | None = None) -> str:
        """``1.234,5`` / ``1,234.5``; ``digits`` fixes the decimals shown."""
        if value is None:
            return ""
        if digits is None:
            return format_decimal(value, locale=self.locale)
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def scientific(self, value: float | None, *, significant: int = 2) -> str:
        """A very small or large number for people: ``9,1 · 10⁻⁷`` / ``9.1 × 10⁻⁷``
        (Python's ``9.1e-07`` reads as a typo); between 0.001 and a million it is an
        ordinary number (``0,05``)."""
        if value is None:
            return ""
        if value == 0:
            return self.number(0)
        exponent = math.floor(math.log10(abs(value)))
        if -3 <= exponent < 6:
            return self.number(value, digits=max(0, significant - 1 - exponent))
        mantissa = round(value / 10**exponent, significant - 1)
        if abs(mantissa) >= 10:  # 9.96e-7 rounds up to 10 · 10⁻⁷
            mantissa, exponent = mantissa / 10, exponent + 1
        times = " · " if self.lang == "de" else " × "
        power = str(exponent).translate(_SUPERSCRIPT)
        return f"{self.number(mantissa)}{times}10{power}"

    def roughly(self, value: float | None, *, significant: int = 2) -> str:
        """``value`` rounded to ``significant`` digits: 1098901.1 → ``1.100.000``."""
        if value is None:
            return ""
        if value == 0:
            return self.number(0)
        digits = significant - 1 - math.floor(math.log10(abs(value)))
        rounded = round(value, digits)
        return self.number(int(rounded) if digits <= 0 else rounded)

    def duration_days(self, value: timedelta | int) -> str:
        days = value.days if isinstance(value, timedelta) else value
        return self.ngettext("%(num)s day", "%(num)s days", days)

    def join(self, items: Iterable[str]) -> str:
        """``a, b und c`` / ``a, b and c``."""
        parts = list(items)
        if len(parts) < 2:
            return "".join(parts)
        return self.gettext("%(first)s and %(last)s", first=", ".join(parts[:-1]), last=parts[-1])


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(_FORMAT_LOCALE.get(lang, lang))


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def translator(lang: str | None = None, tz: str | ZoneInfo = DEFAULT_TIMEZONE) -> Translator:
    """The translator of ``lang`` (unsupported or None → the default language)."""
    zone = tz if isinstance(tz, ZoneInfo) else _zone(tz)
    return Translator(supported(lang) or DEFAULT_LANGUAGE, zone)
