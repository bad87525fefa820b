"""Replace with a typed placeholder ``<PERSON_1>``: the same value gets the same number
within one document (so "Anna … Anna" stays one person), numbers restart per document.
A fixed ``new_value`` replaces every value instead."""

from __future__ import annotations

from sphere.pii.operators import OperatorState
from sphere.pii.span import Span


class ReplaceOperator:
    NAME = "replace"

    def __init__(self, *, new_value: str | None = None) -> None:
        self.new_value = new_value

    def apply(self, value: str, span: Span, state: OperatorState) -> str:
        if self.new_value is not None:
            return self.new_value
        return f"<{span.type}_{state.number(span.type, value.casefold())}>"
