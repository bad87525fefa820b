"""LOCATION spans from the optional statistical tagger (towns, streets without number).
Scores are the tagger's own, times 0.8: a place name alone is weak personal data."""

from __future__ import annotations

from collections.abc import Iterator

from sphere.pii.document import Document
from sphere.pii.recognizers._tagger import SharedTagger
from sphere.pii.span import Span


class TaggedLocationRecognizer:
    NAME = "ner_location"
    ENTITIES = ("LOCATION",)
    LANGUAGES = frozenset({"de", "en", "und"})
    FACTOR = 0.8

    def __init__(self, tagger: SharedTagger | None = None) -> None:
        self._tagger = tagger or SharedTagger()

    def analyze(self, doc: Document) -> Iterator[Span]:
        for start, end, label, score in self._tagger.tags(doc):
            if label == "LOCATION":
                yield Span(start, end, "LOCATION", score * self.FACTOR, self.NAME, "ner")
