"""Text composed by a service and shown later, in the language of whoever reads it.

A service that writes a sentence for a person (a finding's evidence, a reason) builds a
*message*: a message id and its values, as plain JSON, so it can be stored (the
findings snapshot) and translated when shown::

    msg("%(count)s overdue (%(types)s); oldest due %(day)s",
        count=3, types=joined([...]), day=day(d))

``render(tr, m)`` translates it; ``render(None, m)`` gives the stable English form
the JSON API, exports and tests read (dates ISO, glossary keys as they are, numbers
without grouping), which is what the code wrote before these texts were translatable.
Values are ``str`` (names, ids, table names: never translated), ``int``/``float``,
or one of the helpers below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sphere.i18n import Translator, glossary
from sphere.i18n.citation import cite

Message = dict[str, Any]


def msg(message: str, /, **values: Any) -> Message:
    """``message`` (an English message id, marked for extraction by the caller with
    ``N_``) with ``%(name)s`` placeholders and their values."""
    return {"msg": message, "values": values}


def plural(singular: str, plural_: str, n: int, /, **values: Any) -> Message:
    """``ngettext``: ``%(num)s`` is ``n``. Babel extracts a plural pair only from an
    ``ngettext`` call: write the same pair with ``ngettext`` in a template or Python
    (or use ``msg`` with a count), else the catalogue has no plural entry for it."""
    return {"msg": singular, "plural": plural_, "n": n, "values": values}


def day(value: date | datetime) -> Message:
    """A date: "03.12.2026" / "3 Dec 2026" (ISO in the stable form)."""
    text = value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    return {"date": text}


def moment(value: datetime) -> Message:
    """A date and time: "03.12.2026, 14:05" in the company's zone (ISO to the minute,
    UTC, in the stable form)."""
    return {"datetime": value.isoformat(timespec="minutes")}


def word(kind: str, key: object) -> Message:
    """A glossary term (``glossary.term``); the key itself in the stable form."""
    return {"term": kind, "key": str(getattr(key, "value", key))}


def cited(citation: str) -> Message:
    """A citation in the code's English form ("GDPR Art. 5(1)(b)"), cited the page's
    way ("Art. 5 Abs. 1 lit. b DSGVO"; ``sphere.i18n.citation``)."""
    return {"cite": citation}


def joined(items: Iterable[Any], sep: str = ", ") -> Message:
    return {"join": list(items), "sep": sep}


def render(tr: Translator | None, value: Any) -> str:
    """``value`` (a message or one of its values) as text in ``tr``'s language, or the
    stable English form when ``tr`` is None."""
    if isinstance(value, Mapping):
        if "msg" in value:
            values = {k: render(tr, v) for k, v in value.get("values", {}).items()}
            if "plural" in value:
                n = int(value["n"])
                if tr is None:
                    text = value["msg"] if n == 1 else value["plural"]
                    return str(text % {"num": n, **values})
                return tr.ngettext(value["msg"], value["plural"], n, **values)
            if tr is None:
                return str(value["msg"] % values)
            return tr.gettext(value["msg"], **values)
        if "date" in value:
            return str(value["date"]) if tr is None else tr.date(date.fromisoformat(value["date"]))
        if "datetime" in value:
            text = str(value["datetime"])
            return text if tr is None else tr.datetime(datetime.fromisoformat(text))
        if "term" in value:
            key = str(value["key"])
            return key if tr is None else glossary.term(tr, str(value["term"]), key)
        if "cite" in value:
            return str(value["cite"]) if tr is None else cite(tr, str(value["cite"]))
        if "join" in value:
            return str(value.get("sep", ", ")).join(render(tr, v) for v in value["join"])
    if isinstance(value, bool) or tr is None:
        return str(value)
    if isinstance(value, int | float):
        return tr.number(value)
    return str(value)
