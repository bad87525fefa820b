"""Normalisation for matching, with an offset map back to the original text.

Social-media text is hostile: zero-width spaces or joiners inside e-mail addresses and
phone numbers, bidi control marks, lone surrogates from broken encoders and Cyrillic
or Greek look-alike letters in names ("Аnna" with a Cyrillic А). Recognizers match on
``Document.norm`` where

- format characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen, bidi marks,
  embeddings and isolates) are REMOVED, and
- lone surrogates become U+FFFD, exotic spaces become " ", dashes become "-",
  full-width ASCII and common Cyrillic/Greek confusables fold to Latin (1:1).

Removals shift offsets, so ``Document.to_original`` maps a normalised span back to the
original text with a bisect over the removal points (O(log n), no per-character array).
Texts without any such character take a fast path: ``norm is text``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

_REMOVED = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"  # zero-width, BOM, soft hyphen, LRM/RLM
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\u180e"  # bidi controls
)
_REMOVED_RE = re.compile(f"[{_REMOVED}]")

_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ӏ": "l", "ё": "ë",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "α": "a",
    "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "τ": "t", "υ": "u",
    # spaces and dashes
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u2002": " ",
    "\u2003": " ", "\u3000": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2212": "-", "\ufe6b": "@", "\u2024": ".",
}  # fmt: skip


def _build_table() -> dict[int, int]:
    table = {ord(k): ord(v) for k, v in _CONFUSABLES.items()}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = code - 0xFEE0
    for code in range(0xD800, 0xE000):  # lone surrogates
        table[code] = 0xFFFD
    return table


_TABLE = _build_table()
_NEEDS_WORK_RE = re.compile(
    "[" + _REMOVED + "".join(re.escape(k) for k in _CONFUSABLES) + "\uff01-\uff5e\ud800-\udfff]"
)


def _safe_lower(text: str) -> str:
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    # a few characters ("İ") lower to two code points; keep offsets aligned
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


class Document:
    """One text prepared for matching. Recognizers read ``norm``/``lower`` and report
    offsets into ``norm``; the analyzer maps them back with ``to_original``.

    ``memo`` caches per-document work shared between recognizers (tokens, tagger output).
    """

    __slots__ = ("text", "norm", "lang", "_lower", "_breaks", "_memo")

    def __init__(self, text: str, lang: str) -> None:
        self.text = text
        self.lang = lang
        self._lower: str | None = None
        self._memo: dict[str, Any] = {}
        self._breaks: list[int] = []
        if not _NEEDS_WORK_RE.search(text):
            self.norm = text
            return
        folded = text.translate(_TABLE)
        removed = [m.start() for m in _REMOVED_RE.finditer(folded)]
        if removed:
            self._breaks = [pos - k for k, pos in enumerate(removed)]
            folded = _REMOVED_RE.sub("", folded)
        self.norm = folded

    @property
    def lower(self) -> str:
        """``norm`` lower-cased, same length (for lexicon automata)."""
        if self._lower is None:
            self._lower = _safe_lower(self.norm)
        return self._lower

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Compute once per document (e.g. tokens, tagger output) and share."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open ``norm`` span to the original text."""
        breaks = self._breaks
        if not breaks:
            return start, end
        orig_start = start + bisect_right(breaks, start)
        if end <= start:
            return orig_start, orig_start
        orig_end = (end - 1) + bisect_right(breaks, end - 1) + 1
        return orig_start, orig_end
