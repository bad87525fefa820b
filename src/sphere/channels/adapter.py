"""The adapter contract and the field readers every adapter uses.

An adapter turns ONE payload object (a JSON object from a JSONL line, one element of a
JSON array, or one CSV row as a dict) into zero or more :class:`Observation` records.
It validates as it goes and raises :class:`BadRecord` naming the field and the reason;
messages never contain the offending value, because values are personal data.

Text is repaired (lone UTF-16 surrogates and noncharacters become U+FFFD in
:func:`~sphere.channels.text.clean_text`); identifiers and other short strings are not:
one with an invalid code point is refused, naming the field, since a repaired id would
name another record and an unencodable one can be neither hashed nor stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from sphere.domain import Channel, Observation
from sphere.errors import InvalidInput

from .reader import MAX_DEPTH, json_depth_exceeds
from .text import MAX_TEXT_CHARS, clean_text, first_invalid_code_point, html_to_text

MAX_EMBEDDED_JSON = 1_000_000


_CONTROL = re.compile(r"[\x00-\x1f]")


class BadRecord(InvalidInput):
    """A payload object is unusable. ``field`` is a dotted path such as ``account.id``."""

    def __init__(self, *, field: str, reason: str, adapter: str = "") -> None:
        self.field, self.reason, self.adapter = field, reason, adapter
        prefix = f"{adapter}: " if adapter else ""
        super().__init__(f"{prefix}field {field!r}: {reason}")


class Adapter(Protocol):
    """One payload format → Observations. Implementations keep no per-record state."""

    NAME: ClassVar[str]
    CHANNEL: ClassVar[Channel]

    def parse(self, record: Mapping[str, Any], *, ref: str) -> list[Observation]: ...


# --- field readers -----------------------------------------------------------------------


class Fields:
    """Typed access to a payload object that raises BadRecord with the field path.

    ``prefix`` makes nested readers report full paths (``includes.users[0].id``).
    """

    def __init__(self, data: Any, *, adapter: str, prefix: str = "") -> None:
        if not isinstance(data, Mapping):
            raise BadRecord(
                field=prefix or "<record>", reason="expected an object", adapter=adapter
            )
        self.data: Mapping[str, Any] = data
        self.adapter = adapter
        self.prefix = prefix

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def bad(self, key: str, reason: str) -> BadRecord:
        return BadRecord(field=self.path(key), reason=reason, adapter=self.adapter)

    def has(self, key: str) -> bool:
        return self.data.get(key) not in (None, "")

    def obj(self, key: str, *, required: bool = True) -> Fields | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.bad(key, "missing")
            return None
        return Fields(value, adapter=self.adapter, prefix=self.path(key))

    def objects(self, key: str) -> list[Fields]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, Sequence) or isinstance(value, str | bytes):
            raise self.bad(key, "expected a list")
        return [
            Fields(v, adapter=self.adapter, prefix=f"{self.path(key)}[{i}]")
            for i, v in enumerate(value)
        ]

    def strs(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, Sequence) or isinstance(value, str | bytes):
            raise self.bad(key, "expected a list")
        out = []
        for item in value:
            if not isinstance(item, str | int) or isinstance(item, bool):
                raise self.bad(key, "expected a list of strings")
            if isinstance(item, str) and (invalid := first_invalid_code_point(item)):
                raise self.bad(key, f"contains a {invalid}; refused")
            out.append(str(item))
        return out

    def opt(self, key: str, *, required: bool = False, max_len: int = 1_000) -> str | None:
        """A short string or id. Integers are accepted for ids and turned into strings."""
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise self.bad(key, "missing")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.bad(key, f"expected a string, got {type(value).__name__}")
        text = str(value).strip()
        if len(text) > max_len:
            raise self.bad(key, f"longer than {max_len} characters")
        if _CONTROL.search(text):
            raise self.bad(key, "contains control characters")
        if invalid := first_invalid_code_point(text):
            raise self.bad(key, f"contains a {invalid}; refused")
        return text

    def req(self, key: str, *, max_len: int = 1_000) -> str:
        value = self.opt(key, required=True, max_len=max_len)
        assert value is not None
        return value

    def text(
        self,
        key: str,
        *,
        html: bool = False,
        required: bool = False,
        links: list[str] | None = None,
    ) -> str:
        """Post body: length-checked, HTML reduced when ``html``, cleaned."""
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.bad(key, "missing")
            return ""
        if not isinstance(value, str):
            raise self.bad(key, f"expected a string, got {type(value).__name__}")
        if len(value) > MAX_TEXT_CHARS:
            raise self.bad(key, f"text longer than {MAX_TEXT_CHARS} characters; refused")
        return html_to_text(value, links=links) if html else clean_text(value)

    def flag(self, key: str, *, default: bool | None = None) -> bool | None:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        parsed = parse_bool(value)
        if parsed is None:
            raise self.bad(key, "expected a boolean (true/false, yes/no, ja/nein, 1/0)")
        return parsed

    def when(self, key: str, *, required: bool = False) -> datetime | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise self.bad(key, "missing")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            # Unix epoch seconds (Facebook webhooks): defined in UTC, so not ambiguous.
            try:
                return datetime.fromtimestamp(value, tz=UTC)
            except (OverflowError, OSError, ValueError):
                raise self.bad(key, "epoch seconds out of range") from None
        if not isinstance(value, str):
            raise self.bad(key, "expected an ISO 8601 timestamp string")
        return parse_timestamp(value, field=self.path(key), adapter=self.adapter)

    def req_when(self, key: str) -> datetime:
        value = self.when(key, required=True)
        assert value is not None
        return value


_TRUE = frozenset({"true", "1", "yes", "y", "ja", "j", "on", "granted", "given"})
_FALSE = frozenset({"false", "0", "no", "n", "nein", "off", "denied", "none", ""})


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return None


def parse_timestamp(value: str, *, field: str, adapter: str = "") -> datetime:
    """ISO 8601 with a zone → aware UTC datetime; no zone is an error, never a guess.

    Accepts ``Z``, ``+00:00`` and Facebook's ``+0000`` form; a timestamp without a zone
    raises BadRecord naming the field.
    """
    raw = value.strip()
    if len(raw) > 64:
        raise BadRecord(field=field, reason="timestamp too long", adapter=adapter)
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    # Facebook Graph: 2024-05-01T10:00:00+0000 → +00:00
    if len(raw) >= 5 and raw[-5] in "+-" and raw[-4:].isdigit() and "T" in raw:
        raw = raw[:-2] + ":" + raw[-2:]
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRecord(field=field, reason="not an ISO 8601 timestamp", adapter=adapter) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BadRecord(field=field, reason="timestamp has no time zone", adapter=adapter)
    return parsed.astimezone(UTC)


def decode_embedded_json(value: Any, *, field: str, adapter: str) -> Any:
    """Payloads that carry JSON inside a string (Mastodon streaming ``payload``)."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_EMBEDDED_JSON:
        raise BadRecord(field=field, reason="embedded JSON too long", adapter=adapter)
    if json_depth_exceeds(value):
        raise BadRecord(
            field=field, reason=f"embedded JSON nested deeper than {MAX_DEPTH}", adapter=adapter
        )
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise BadRecord(
            field=field, reason=f"embedded JSON malformed: {exc.msg}", adapter=adapter
        ) from None


def split_list(value: str | None, *, seps: str = ";,") -> list[str]:
    """CSV cells holding several values ("a;b" or "a, b")."""
    if not value:
        return []
    for sep in seps:
        if sep in value:
            return [part.strip() for part in value.split(sep) if part.strip()]
    return [value.strip()]
