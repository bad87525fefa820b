"""E-mail addresses (RFC 5322 practical subset), incl. "name [at] example [dot] com"."""

from __future__ import annotations

import re
from typing import ClassVar

from sphere.pii.document import Document
from sphere.pii.recognizer import PatternRecognizer

_OBFUSCATED_AT = r"\s?[\[(]\s?(?:at|ät)\s?[\])]\s?"
_OBFUSCATED_DOT = r"\s?[\[(]\s?(?:dot|punkt)\s?[\])]\s?"


class EmailRecognizer(PatternRecognizer):
    """Plain addresses score 0.9; obfuscated ones ("[at]", "(dot)") 0.75.

    A match directly preceded by ``@`` is a fediverse handle (``@user@instance``) and is
    left to the social-handle recognizer.
    """

    NAME = "email"
    ENTITY = "EMAIL_ADDRESS"
    BASE_SCORE = 0.9
    REQUIRES: ClassVar[re.Pattern[str] | None] = re.compile(r"@|\[\s?(?:at|ät)|\(\s?at", re.I)
    PATTERN = re.compile(
        r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}"
        rf"(?:@|{_OBFUSCATED_AT})"
        rf"[A-Za-z0-9](?:[A-Za-z0-9\-]{{0,62}})(?:(?:\.|{_OBFUSCATED_DOT})[A-Za-z0-9\-]{{1,63}})*"
        rf"(?:\.|{_OBFUSCATED_DOT})[A-Za-z]{{2,24}}(?![\w\-])",
        re.IGNORECASE,
    )

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        start = match.start()
        if start > 0 and doc.norm[start - 1] == "@":
            return None
        return self.BASE_SCORE if "@" in match.group() else 0.75
