"""Property tests: offsets index the original text; scrubbed text never contains a
detected value."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphere.pii.analyzer import Analyzer
from sphere.pii.anonymizer import anonymize
from sphere.pii.operators.mask import MaskOperator
from sphere.pii.operators.redact import RedactOperator

PII = st.sampled_from(
    [
        "anna@example.com",
        "0170 1234567",
        "+49 30 12345678",
        "DE89 3704 0044 0532 0130 00",
        "4111 1111 1111 1111",
        "192.168.1.20",
        "Anna Schmidt",
        "@anna_b",
        "Hauptstraße 12",
        "86095742719",
    ]
)
FILLER = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(" \u200b\u202e.,"),
    max_size=30,
)
TEXTS = st.lists(st.tuples(FILLER, PII), max_size=4).map(
    lambda parts: " ".join(f"{f} {p}" for f, p in parts)
)
_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(text=TEXTS | st.text(max_size=200))
def test_offsets_index_the_original(analyzer: Analyzer, text: str) -> None:
    spans = analyzer.analyze(text)
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        previous_end = span.end


@_SETTINGS
@given(text=TEXTS)
def test_scrubbed_text_never_contains_a_detected_value(analyzer: Analyzer, text: str) -> None:
    spans = analyzer.analyze(text, lang="de")
    for operator in (None, RedactOperator(), MaskOperator()):
        result = anonymize(text, spans, default=operator)
        for span in spans:
            value = text[span.start : span.end]
            if len(value.strip()) >= 4:
                assert value not in result.text
        for item in result.items:
            assert 0 <= item.new_start <= item.new_end <= len(result.text)
