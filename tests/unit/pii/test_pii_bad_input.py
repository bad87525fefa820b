"""Hostile input: empty, 1 MB, lone surrogates, zero-width characters, homoglyphs, RTL."""

from __future__ import annotations

from sphere.pii.analyzer import Analyzer
from sphere.pii.anonymizer import anonymize
from sphere.pii.document import Document


def test_empty_text(analyzer: Analyzer) -> None:
    assert analyzer.analyze("") == []
    assert analyzer.analyze("", lang="de") == []
    assert anonymize("", []).text == ""


def test_one_megabyte(analyzer: Analyzer) -> None:
    chunk = "Hallo Anna, schreib an anna@example.com oder ruf 0170 1234567 an. "
    text = chunk * (1_000_000 // len(chunk))
    spans = analyzer.analyze(text, lang="de")
    assert len(spans) == 3 * (1_000_000 // len(chunk))
    assert all(text[s.start : s.end] in ("Anna", "anna@example.com", "0170 1234567") for s in spans)


def test_lone_surrogates_do_not_crash(analyzer: Analyzer) -> None:
    text = "Mail \ud800 an anna@example.com \udfff"
    spans = analyzer.analyze(text, lang="de")
    assert [text[s.start : s.end] for s in spans] == ["anna@example.com"]
    assert "anna@example.com" not in anonymize(text, spans).text


def test_zero_width_inside_email_maps_to_original(analyzer: Analyzer) -> None:
    text = "an an\u200bna@exam\u200dple.com schreiben"
    (span,) = analyzer.analyze(text, lang="de")
    assert span.type == "EMAIL_ADDRESS"
    assert text[span.start : span.end] == "an\u200bna@exam\u200dple.com"


def test_zero_width_inside_phone(analyzer: Analyzer) -> None:
    text = "Tel 0170\u200b 123\u200c4567"
    (span,) = analyzer.analyze(text, lang="de")
    assert span.type == "PHONE_NUMBER"
    assert text[span.start : span.end] == "0170\u200b 123\u200c4567"


def test_cyrillic_homoglyphs_in_names(analyzer: Analyzer) -> None:
    text = "Gestern war \u0410nna Schmidt da"  # Cyrillic А
    (span,) = analyzer.analyze(text, lang="de")
    assert (span.type, text[span.start : span.end]) == ("PERSON", "\u0410nna Schmidt")


def test_rtl_marks_are_ignored_for_matching(analyzer: Analyzer) -> None:
    text = "\u202eanna@example.com\u202c und \u200f0170 1234567"
    spans = analyzer.analyze(text, lang="de")
    assert [text[s.start : s.end] for s in spans] == ["anna@example.com", "0170 1234567"]


def test_document_offset_map() -> None:
    doc = Document("a\u200bb\u200c\u200dc", "und")
    assert doc.norm == "abc"
    assert doc.to_original(0, 3) == (0, 6)
    assert doc.to_original(1, 2) == (2, 3)
    assert doc.to_original(2, 3) == (5, 6)


def test_clean_text_takes_fast_path() -> None:
    text = "nothing special here"
    assert Document(text, "en").norm is text
