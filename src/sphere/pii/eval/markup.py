"""Inline label markup for hand-written posts: ``[[surface|TYPE]]``.

Hand-written posts are easier to write and review with the labels in place than with
character offsets; ``parse_markup`` turns them into plain text plus exact spans.
Double brackets do not occur in social posts, so no escaping is needed.
"""

from __future__ import annotations

import re

from sphere.errors import InvalidInput
from sphere.pii.eval.labels import ENTITY_TYPES, LabelledSpan

_LABEL_RE = re.compile(r"\[\[(?P<surface>[^\[\]|]+)\|(?P<type>[A-Z_]+)\]\]")


def parse_markup(marked: str) -> tuple[str, tuple[LabelledSpan, ...]]:
    """Strip the markup; return the text and one span per label, in order.

    Raises ``InvalidInput`` for an unknown type or a stray ``[[``/``]]`` (the message
    gives the offset, not the text).
    """
    parts: list[str] = []
    spans: list[LabelledSpan] = []
    position = 0
    cursor = 0
    for match in _LABEL_RE.finditer(marked):
        literal = marked[cursor : match.start()]
        parts.append(literal)
        position += len(literal)
        surface, entity_type = match.group("surface"), match.group("type")
        if entity_type not in ENTITY_TYPES:
            raise InvalidInput(f"unknown entity type {entity_type!r} at offset {match.start()}")
        spans.append(LabelledSpan(position, position + len(surface), entity_type))
        parts.append(surface)
        position += len(surface)
        cursor = match.end()
    parts.append(marked[cursor:])
    text = "".join(parts)
    if "[[" in text or "]]" in text:
        raise InvalidInput(f"unbalanced label markup near offset {text.find('[[')}")
    return text, tuple(spans)
