"""The tokenizer keeps offsets into the original text and keeps social tokens whole."""

from __future__ import annotations

from sphere.pii.ner.features import sentence_features, shape
from sphere.pii.ner.tokenize import tokenize


def _words(text: str) -> list[str]:
    return [text[s:e] for s, e in tokenize(text)]


def test_offsets_slice_the_original_text() -> None:
    text = "  Grüße an Jürgen 😀 aus Köln-Ehrenfeld!\n"
    spans = tokenize(text)
    assert [text[s:e] for s, e in spans] == [
        "Grüße",
        "an",
        "Jürgen",
        "😀",
        "aus",
        "Köln-Ehrenfeld",
        "!",
    ]
    assert all(0 <= s < e <= len(text) for s, e in spans)


def test_handles_urls_and_mails_are_one_token() -> None:
    text = "@anna_k see https://example.com/a?b=1 or mail bob@example.org #fotografie"
    assert _words(text) == [
        "@anna_k",
        "see",
        "https://example.com/a?b=1",
        "or",
        "mail",
        "bob@example.org",
        "#fotografie",
    ]


def test_possessive_is_split_off_the_name() -> None:
    assert _words("John's lens") == ["John", "'", "s", "lens"]


def test_empty_and_whitespace() -> None:
    assert tokenize("") == []
    assert tokenize(" \n\t ") == []


def test_shapes() -> None:
    assert [shape(w) for w in ["Anna", "anna", "NASA", "2024", "@x", "#y", "Anna-Lena", "."]] == [
        "Xx",
        "x",
        "X",
        "d",
        "@",
        "#",
        "Xx-",
        "p",
    ]


def test_sentence_features_cover_every_token() -> None:
    rows = sentence_features(["Hallo", "Anna"], {"fn": frozenset({"anna"})})
    assert len(rows) == 2
    assert "0g=fn" in rows[1] and "0g=fn" not in rows[0]
    assert "1g=fn" in rows[0]  # the next token is a known first name


def test_tokens_of_gives_the_same_tokens_as_tokenize() -> None:
    from sphere.pii.ner.tokenize import tokens_of

    text = "RT @anna_k: Mail an anna.k@example.org, siehe https://example.com/x #foto Anna-Lena's"
    assert tokens_of(text) == [text[s:e] for s, e in tokenize(text)]
