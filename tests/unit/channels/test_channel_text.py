"""HTML reduction and text hygiene: hostile content comes out as plain text."""

from __future__ import annotations

import pytest

from sphere.channels import clean_text, html_to_text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ("<script>alert(1)</script>ok", "ok"),  # script content dropped entirely
        ("<style>p{color:red}</style>ok", "ok"),
        ("&lt;script&gt;x&lt;/script&gt;", "<script>x</script>"),  # escaped text stays text
        ("&amp;lt;", "&lt;"),  # decoded exactly once
        ("<img src=x onerror=alert(1)>bild", "bild"),
        ("<a href='https://a.example'>link</a>", "link"),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("<scr<script>ipt>alert(1)</script>", "ipt>alert(1)"),  # no tag survives as markup
    ],
    ids=[
        "paragraphs",
        "br",
        "script",
        "style",
        "escaped-script",
        "double-escaped",
        "img",
        "link",
        "unclosed",
        "split-tag",
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_no_tag_ever_survives_real_markup() -> None:
    out = html_to_text("<div><iframe src=x></iframe><svg><script>a</script></svg>t</div>")
    assert "<" not in out and out == "t"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\u200bb", "ab"),  # zero-width space
        ("a\u202eb", "ab"),  # right-to-left override
        ("a\x00b\x07c", "abc"),  # control characters
        ("line1\r\nline2", "line1\nline2"),
        ("Cafe\u0301", "Café"),  # NFC
        ("👩\u200d💻", "👩\u200d💻"),  # ZWJ kept inside emoji
        ("a\u200db", "ab"),  # ZWJ between ASCII removed
        ("tab\there", "tab here"),
    ],
    ids=["zwsp", "rlo", "controls", "crlf", "nfc", "zwj-emoji", "zwj-ascii", "tab"],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected
