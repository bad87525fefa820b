"""Offset-keeping tokenizer for social-media text.

The tagger labels tokens, and callers need character offsets into the *original*
string, so tokenisation never rewrites the text: every token is a ``(start, end)``
slice of its input. URLs, e-mail addresses, @handles and #hashtags are single tokens
(other recognizers own them; here they are context). Words may contain inner hyphens
("Anna-Lena", "Baden-Württemberg"); apostrophes split ("John's" -> John ' s) so that a
possessive never drags into a name span.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
    (?:https?://|www\.)\S+                          # URL
  | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                    # e-mail
  | [@#]\w+                                         # handle / hashtag
  | \w+(?:-\w+)*                                    # word, inner hyphens kept
  | \S                                              # any other single character
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the tokens of ``text`` (whitespace dropped)."""
    return [m.span() for m in _TOKEN.finditer(text)]


def tokens_of(text: str) -> list[str]:
    """The token strings of ``text`` — same tokens as :func:`tokenize`, without offsets."""
    return _TOKEN.findall(text)
