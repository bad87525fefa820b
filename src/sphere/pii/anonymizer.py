"""Apply operators to detected spans and report where every replacement went.

``anonymize`` is pure: text + spans in, ``AnonymizedText`` out. Each item records the
span's offsets in the original text and in the new text, so a reviewer can highlight
both. Overlapping spans (if a caller passes unresolved ones) are resolved with the
analyzer's rule first. The default operator is ``replace`` (``<PERSON_1>``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sphere.errors import InvalidInput
from sphere.pii.analyzer import resolve_conflicts
from sphere.pii.operators import Operator, OperatorState
from sphere.pii.operators.replace import ReplaceOperator
from sphere.pii.span import Span


@dataclass(frozen=True, slots=True)
class AnonymizedItem:
    """One replacement. No values: only offsets, type and the operator's name."""

    start: int
    end: int
    new_start: int
    new_end: int
    type: str
    operator: str


@dataclass(frozen=True, slots=True)
class AnonymizedText:
    text: str
    items: tuple[AnonymizedItem, ...]

    def __repr__(self) -> str:  # the text may still hold undetected PII
        return f"AnonymizedText(<{len(self.text)} chars>, items={len(self.items)})"


_DEFAULT = ReplaceOperator()


def anonymize(
    text: str,
    spans: Sequence[Span],
    *,
    operators: Mapping[str, Operator] | None = None,
    default: Operator | None = None,
) -> AnonymizedText:
    """Replace each span with its entity type's operator (``operators[type]``) or
    ``default``."""
    if not spans:
        return AnonymizedText(text, ())
    fallback = default or _DEFAULT
    ordered = sorted(spans, key=lambda s: s.start)
    if any(a.end > b.start for a, b in zip(ordered, ordered[1:], strict=False)):
        ordered = resolve_conflicts(list(ordered))
    state = OperatorState()
    pieces: list[str] = []
    items: list[AnonymizedItem] = []
    cursor = 0
    new_length = 0
    for span in ordered:
        if not 0 <= span.start < span.end <= len(text):
            raise InvalidInput(f"span {span.start}:{span.end} outside the text")
        operator = operators.get(span.type, fallback) if operators else fallback
        before = text[cursor : span.start]
        pieces.append(before)
        new_length += len(before)
        replacement = operator.apply(text[span.start : span.end], span, state)
        pieces.append(replacement)
        items.append(
            AnonymizedItem(
                span.start,
                span.end,
                new_length,
                new_length + len(replacement),
                span.type,
                operator.NAME,
            )
        )
        new_length += len(replacement)
        cursor = span.end
    pieces.append(text[cursor:])
    return AnonymizedText("".join(pieces), tuple(items))
