"""LOCATION spans from the optional statistical tagger (towns, streets without number).
Scores are 0.5 + 0.3 × the tagger's probability: found at the scrubbing operating point,
but below a validated address (0.9), which wins a conflict."""

from __future__ import annotations

from collections.abc import Iterator

from sphere.pii.document import Document
from sphere.pii.recognizers._tagger import SharedTagger, tagger_score
from sphere.pii.span import Span


class TaggedLocationRecognizer:
    NAME = "ner_location"
    ENTITIES = ("LOCATION",)
    LANGUAGES = frozenset({"de", "en", "und"})
    WEIGHT = 0.3

    def __init__(self, tagger: SharedTagger | None = None) -> None:
        self._tagger = tagger or SharedTagger()

    def analyze(self, doc: Document) -> Iterator[Span]:
        for start, end, label, score in self._tagger.tags(doc):
            if label == "LOCATION":
                yield Span(
                    start,
                    end,
                    "LOCATION",
                    tagger_score(score, weight=self.WEIGHT),
                    self.NAME,
                    "ner",
                )
