"""Mask: overwrite characters with ``char``, keeping separators (spaces, "@", ".", "-")
so the shape stays readable, and optionally the last ``keep_last`` characters."""

from __future__ import annotations

from sphere.errors import ConfigurationError
from sphere.pii.operators import OperatorState
from sphere.pii.span import Span

_KEEP = frozenset(" @.-\n")


class MaskOperator:
    NAME = "mask"

    def __init__(self, *, char: str = "*", keep_last: int = 0) -> None:
        if len(char) != 1 or char.isalnum():
            raise ConfigurationError("mask char must be one non-alphanumeric character")
        if keep_last < 0:
            raise ConfigurationError("keep_last must be >= 0")
        self.char, self.keep_last = char, keep_last

    def apply(self, value: str, span: Span, state: OperatorState) -> str:
        cut = (
            max(0, len(value) - self.keep_last) if self.keep_last < len(value) // 2 else len(value)
        )
        head = "".join(c if c in _KEEP else self.char for c in value[:cut])
        return head + value[cut:]
