"""URLs with a scheme or ``www.`` prefix. Profile links often carry a user name."""

from __future__ import annotations

import re

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer

_TRAILING = ".,;:!?)]}'\""


class UrlRecognizer(PatternRecognizer):
    """Scores 0.6: a URL is personal data only sometimes; operators decide what to do."""

    NAME = "url"
    ENTITY = "URL"
    BASE_SCORE = 0.6
    REQUIRES = re.compile(r"://|www\.", re.IGNORECASE)
    PATTERN = re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)

    def span_of(self, match: re.Match[str]) -> tuple[int, int]:
        start, end = match.span()
        value = match.group()
        stripped = value.rstrip(_TRAILING)
        # keep a closing parenthesis that belongs to the URL (wikipedia style)
        if value[len(stripped) : len(stripped) + 1] == ")" and "(" in stripped:
            stripped = value[: len(stripped) + 1]
        return start, start + len(stripped)

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        return self.BASE_SCORE if len(match.group().rstrip(_TRAILING)) > 7 else None
