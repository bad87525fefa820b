"""The last check between an adapter and storage: can every value be stored as it is?

Adapters validate their fields (``channels.adapter.Fields``), but a third-party adapter
may not, and the schema has limits no adapter knows. :func:`admit` raises
:class:`~sphere.errors.InvalidInput` naming the Observation field when

* a string holds a lone UTF-16 surrogate or a noncharacter (it could be neither
  encrypted, hashed nor stored; text fields are repaired by the adapter, so what is
  left here is an identifier, and a repaired identifier would name another record), or
* an identifier is longer than its column (``storage.limits``).

The record then goes to quarantine with that reason and the batch goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sphere.channels.text import first_invalid_code_point
from sphere.domain import Observation, ObservationKind
from sphere.errors import InvalidInput
from sphere.storage.limits import record_limits

_STRING_FIELDS = (
    "source_id",
    "text",
    "language",
    "in_reply_to_id",
    "in_reply_to_user_id",
    "quoted_id",
    "conversation_id",
    "container_id",
)
_TUPLE_FIELDS = ("mentions", "hashtags", "urls")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.$-]{1,64}")


class RecordRefused(InvalidInput):
    """An observation holds a value that cannot be stored; ``field`` names it."""

    def __init__(self, *, field: str, reason: str, channel: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{channel}: field {field!r}: {reason}")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, string) for every string inside a JSON-like value, keys included."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, Mapping):
            for key, child in item.items():
                # Keys may come from the payload (CSV headers): name only plain ones.
                name = key if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) else "?"
                if isinstance(key, str):
                    yield f"{where}.<key>", key
                stack.append((f"{where}.{name}", child))
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))


def _fields(obs: Observation) -> Iterator[tuple[str, str]]:
    for name in _STRING_FIELDS:
        value = getattr(obs, name)
        if value:
            yield name, value
    for name in _TUPLE_FIELDS:
        for i, value in enumerate(getattr(obs, name)):
            yield f"{name}[{i}]", value
    if obs.author is not None:
        for name in ("channel_user_id", "handle", "display_name"):
            value = getattr(obs.author, name)
            if value:
                yield f"author.{name}", value
    if obs.attributes:
        yield from _strings(obs.attributes, "attributes")


def admit(obs: Observation) -> Observation:
    """``obs`` unchanged when it can be stored; otherwise :class:`RecordRefused`."""
    channel = obs.channel.value
    for path, value in _fields(obs):
        if invalid := first_invalid_code_point(value):
            raise RecordRefused(
                field=path, reason=f"contains a {invalid}; refused", channel=channel
            )
    limits = record_limits()
    if len(obs.source_id) > limits.source_id:
        raise RecordRefused(
            field="source_id",
            reason=(
                f"{len(obs.source_id)} characters, longer than the {limits.source_id} "
                "the database keeps for a record id; refused"
            ),
            channel=channel,
        )
    if obs.kind is ObservationKind.EVENT:
        kind = str(obs.attributes.get("event_type") or "")
        if len(kind) > limits.event_kind:
            raise RecordRefused(
                field="attributes.event_type",
                reason=f"longer than {limits.event_kind} characters; refused",
                channel=channel,
            )
    return obs
