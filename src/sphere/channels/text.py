"""Channel text to plain text: HTML reduced safely, invisible characters handled, NFC.

Channel content is hostile input (DESIGN invariant 6). Every adapter passes post text
through :func:`clean_text`, and HTML bodies (Mastodon ``content``, forum posts marked
``html``) first through :func:`html_to_text`:

* tags never survive: the stdlib ``html.parser`` tokenises, only character data is kept;
* ``<script>``, ``<style>``, ``<template>`` and similar content is dropped entirely;
* ``<br>`` becomes a newline, block elements (``<p>``, ``<div>``, ``<li>`` …) a paragraph break;
* entities are decoded exactly once (``&amp;lt;`` becomes the text ``&lt;``, not ``<``);
* zero-width, bidi-override and control characters are removed, ``\\n`` is kept, ZWJ/ZWNJ
  are kept only between two non-ASCII characters (emoji sequences, Persian, Indic scripts);
* lone UTF-16 surrogates (what JavaScript leaves when it cuts an emoji in half; JSON
  decodes ``"\\ud83d"`` to one) and noncharacters become U+FFFD, so the text can always be
  encoded, encrypted and stored (:func:`replace_invalid_code_points`);
* the result is NFC-normalised, so "é" composed and decomposed compare equal.

Identifiers are never repaired: :func:`first_invalid_code_point` lets the adapter refuse an
id that contains one, because a repaired id would name a different record.
"""

from __future__ import annotations

import re
import unicodedata
from html import unescape
from html.parser import HTMLParser

MAX_TEXT_CHARS = 200_000
"""Longest post text an adapter accepts; longer text is refused with a BadRecord."""

_DROP_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg"})
_BLOCK = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
    }
)
_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "wbr", "area", "base", "col"})

# Characters that are invisible or reorder text and carry nothing a reader sees.
_ALWAYS_STRIP = frozenset(
    {
        "\u200b",  # zero width space
        "\u2060",  # word joiner
        "\ufeff",  # byte order mark / zero width no-break space
        "\u00ad",  # soft hyphen
        "\u180e",  # mongolian vowel separator
        "\u200e",
        "\u200f",  # LRM, RLM
        "\u061c",  # arabic letter mark
        *(chr(c) for c in range(0x202A, 0x202F)),  # bidi embeddings/overrides
        *(chr(c) for c in range(0x2066, 0x206A)),  # bidi isolates
    }
)
_JOINERS = frozenset({"\u200c", "\u200d"})  # ZWNJ, ZWJ: needed inside emoji and some scripts
_BLANK_RUNS = re.compile(r"\n{3,}")
# Anything the character loop of clean_text would change: C0/C1 controls but newline,
# tab, invisibles, joiners, tag characters. Texts without any skip the loop.
_NEEDS_CLEANING = re.compile(
    "["
    + "\x00-\x09\x0b-\x1f\x7f-\x9f"
    + "".join(sorted(_ALWAYS_STRIP | _JOINERS))
    + "\U000e0000-\U000e007f"
    + "]"
)
_TRAILING_SPACE = re.compile(r"[ \t]+\n")

# Code points no UTF-8 encoder accepts (lone surrogates) or Unicode reserves as
# noncharacters (U+FDD0-U+FDEF and the last two of every plane).
_INVALID = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
    + "]"
)
REPLACEMENT = "\ufffd"


def first_invalid_code_point(text: str) -> str | None:
    """A description of the first invalid code point in ``text`` (never the text itself)."""
    if text.isascii():
        return None  # the common case, checked in C: every invalid code point is non-ASCII
    match = _INVALID.search(text)
    if match is None:
        return None
    code = ord(match.group())
    kind = "lone UTF-16 surrogate" if 0xD800 <= code <= 0xDFFF else "Unicode noncharacter"
    return f"{kind} U+{code:04X} at character {match.start()}"


def replace_invalid_code_points(text: str) -> str:
    """``text`` with every lone surrogate and noncharacter replaced by U+FFFD."""
    return text if text.isascii() else _INVALID.sub(REPLACEMENT, text)


class _TextExtractor(HTMLParser):
    def __init__(self, links: list[str] | None) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links = links
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self._dropping += 1
        elif tag == "a" and self.links is not None and not self._dropping:
            attributes = dict(attrs)
            classes = (attributes.get("class") or "").split()
            href = attributes.get("href") or ""
            if href.startswith(("http://", "https://")) and not {"mention", "hashtag"} & set(
                classes
            ):
                self.links.append(href)
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def html_to_text(html: str, *, links: list[str] | None = None) -> str:
    """Reduce an HTML fragment to plain text (see module docstring); then :func:`clean_text`.

    When ``links`` is given, the ``href`` of every http(s) link that is not a mention or
    hashtag link is appended to it.
    """
    found: list[str] = []
    parts = _simple_parts(html, found)
    if parts is None:  # anything beyond plain tags: the stdlib tokeniser decides
        parser = _TextExtractor(links)
        parser.feed(html)
        parser.close()
        # An unclosed "<script" at the very end is held back by the parser; it is dropped.
        parts = parser.parts
    elif links is not None:
        links.extend(found)
    return clean_text("".join(parts))


# The fast path. Platforms send simple markup (Mastodon: <p>, <br>, <a href class>,
# <span class>); for it, a regex walk gives exactly what _TextExtractor gives, several
# times faster. It accepts only plain start and end tags with quoted attributes (ASCII
# whitespace, no "<" or ">" inside values) and text; any other "<" — comments, doctype,
# processing instructions, unquoted or odd attributes, a stray "<", and <script>/<style>
# whose content html.parser reads raw — sends the whole fragment to html.parser. A
# differential test holds the two paths equal.
_SP = "[ \t\n\r\f]"
_NAME = "[A-Za-z_:][-A-Za-z0-9_:.]*"
_VALUE = "(?:\"[^\"<>]*\"|'[^'<>]*')"
_SIMPLE_TAG = re.compile(
    f"<(/?)([A-Za-z][A-Za-z0-9]*)((?:{_SP}+{_NAME}{_SP}*={_SP}*{_VALUE})*){_SP}*(/?)>"
)
_SIMPLE_ATTR = re.compile(f"({_NAME}){_SP}*={_SP}*(?:\"([^\"<>]*)\"|'([^'<>]*)')")
_RAW_CONTENT = frozenset({"script", "style"})  # html.parser's CDATA_CONTENT_ELEMENTS


def _simple_parts(html: str, links: list[str]) -> list[str] | None:
    """_TextExtractor's parts (and links) for simple markup, or None to fall back."""
    parts: list[str] = []
    dropping = 0
    pos, end = 0, len(html)
    while pos < end:
        at = html.find("<", pos)
        if at < 0:
            at = end
        if at > pos and not dropping:
            data = html[pos:at]
            parts.append(unescape(data) if "&" in data else data)
        if at == end:
            break
        tag = _SIMPLE_TAG.match(html, at)
        if tag is None:
            return None
        closing, name, attributes, self_closing = tag.groups()
        name = name.lower()
        if name in _RAW_CONTENT or (closing and (attributes or self_closing)):
            return None
        pos = tag.end()
        if closing:
            if name in _DROP_CONTENT:
                dropping = max(0, dropping - 1)
            elif name in _BLOCK:
                parts.append("\n\n")
        elif self_closing:
            if name == "br":
                parts.append("\n")
            elif name in _BLOCK:
                parts.append("\n\n")
        elif name in _DROP_CONTENT:
            dropping += 1
        elif name == "a" and not dropping:
            values = {
                m.group(1).lower(): unescape(m.group(2) if m.group(2) is not None else m.group(3))
                for m in _SIMPLE_ATTR.finditer(attributes)
            }
            classes = (values.get("class") or "").split()
            href = values.get("href") or ""
            if href.startswith(("http://", "https://")) and not {"mention", "hashtag"} & set(
                classes
            ):
                links.append(href)
        elif name == "br":
            parts.append("\n")
        elif name in _BLOCK:
            parts.append("\n\n")
    return parts


def _is_ascii(ch: str) -> bool:
    return ord(ch) < 0x80


def clean_text(text: str) -> str:
    """Plain-text hygiene for every channel: controls, invisibles, invalid code points,
    newlines, NFC."""
    text = replace_invalid_code_points(text.replace("\r\n", "\n").replace("\r", "\n"))
    if _NEEDS_CLEANING.search(text) is None:  # the common case: nothing to strip
        cleaned = unicodedata.normalize("NFC", text)
        cleaned = _TRAILING_SPACE.sub("\n", cleaned)
        return _BLANK_RUNS.sub("\n\n", cleaned).strip()
    out: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch in _ALWAYS_STRIP:
            continue
        if ch in _JOINERS:
            before = out[-1] if out else ""
            after = text[i + 1] if i + 1 < n else ""
            if before and after and not _is_ascii(before) and not _is_ascii(after):
                out.append(ch)
            continue
        code = ord(ch)
        if 0xE0000 <= code <= 0xE007F:
            # Unicode tag characters: only meaningful inside a flag emoji after U+1F3F4.
            if out and (out[-1] == "\U0001f3f4" or 0xE0000 <= ord(out[-1]) <= 0xE007F):
                out.append(ch)
            continue
        if ch == "\n":
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) == "Cc":
            continue
        else:
            out.append(ch)
    cleaned = unicodedata.normalize("NFC", "".join(out))
    cleaned = _TRAILING_SPACE.sub("\n", cleaned)
    cleaned = _BLANK_RUNS.sub("\n\n", cleaned)
    return cleaned.strip()
