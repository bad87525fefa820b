"""Redact: remove the value entirely (Presidio's "redact")."""

from __future__ import annotations

from sphere.pii.operators import OperatorState
from sphere.pii.span import Span


class RedactOperator:
    NAME = "redact"

    def apply(self, value: str, span: Span, state: OperatorState) -> str:
        return ""
