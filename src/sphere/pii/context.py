"""Context words: a few words near a candidate raise or lower its score.

Presidio looks at whole tokens in a window; we search a compiled alternation in a
character window left and right of the candidate, which is cheaper and good enough
for short posts. Context regexes are compiled once per recognizer class.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sphere.pii.document import Document


def compile_words(words: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of ``words`` at a word start."""
    alternation = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})", re.IGNORECASE)


def near(
    doc: Document,
    pattern: re.Pattern[str],
    start: int,
    end: int,
    *,
    before: int = 40,
    after: int = 0,
) -> bool:
    """True if ``pattern`` occurs within ``before`` chars left or ``after`` chars right."""
    if pattern.search(doc.norm, max(0, start - before), start) is not None:
        return True
    return after > 0 and pattern.search(doc.norm, end, end + after) is not None
