"""The one value every recognizer returns: a typed, scored span of the ORIGINAL text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A detected entity. ``start``/``end`` index the original (un-normalised) text.

    ``type`` uses Presidio's entity names (``PERSON``, ``EMAIL_ADDRESS``, ``IBAN_CODE`` …)
    plus Sphere's German ones (``DE_TAX_ID`` …). The span holds no text, so its repr
    never leaks the value it points at.
    """

    start: int
    end: int
    type: str
    score: float
    recognizer: str
    explanation: str

    def __len__(self) -> int:
        return self.end - self.start
