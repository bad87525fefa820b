"""The analyzer: normalise once, run the selected recognizers, resolve conflicts.

``analyze`` returns spans sorted by start, non-overlapping, with offsets into the
ORIGINAL text. Conflict rule: of overlapping spans the higher score wins, then the
longer one, then the earlier one. Spans under ``score_threshold`` are dropped before
resolution, so a weak candidate never hides a strong neighbour.

Cost model: one ``Document`` per call (normalisation is a no-op for clean text); each
recognizer first checks a cheap precondition (an ``@``, three digits …) before its
regex runs; validators (libphonenumber, checksums) run only on candidates; lexicons and
the optional tagger load once per ``Analyzer``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from sphere.errors import InvalidInput
from sphere.pii.document import Document
from sphere.pii.language import LanguageDetector
from sphere.pii.lexicon import Lexicons
from sphere.pii.registry import RecognizerRegistry
from sphere.pii.span import Span

SUPPORTED_LANGUAGES = frozenset({"de", "en"})


def resolve_conflicts(spans: list[Span]) -> list[Span]:
    """Keep a maximal set of non-overlapping spans, preferring score, then length."""
    if len(spans) <= 1:
        return list(spans)
    ranked = sorted(spans, key=lambda s: (-s.score, -(s.end - s.start), s.start))
    starts: list[int] = []
    kept: list[Span] = []
    for span in ranked:
        i = bisect_left(starts, span.start)
        if i > 0 and kept[i - 1].end > span.start:
            continue
        if i < len(kept) and kept[i].start < span.end:
            continue
        starts.insert(i, span.start)
        kept.insert(i, span)
    return kept


class Analyzer:
    """Detects PII in German and English text. Build with :func:`build_analyzer`."""

    def __init__(
        self,
        registry: RecognizerRegistry,
        *,
        score_threshold: float = 0.5,
        language_detector: Callable[[str], tuple[str, float]] | None = None,
    ) -> None:
        self.registry = registry
        self.score_threshold = score_threshold
        self._detect = language_detector or LanguageDetector().detect
        self._selection: dict[tuple[str, frozenset[str] | None], tuple[object, ...]] = {}

    def analyze(
        self,
        text: str,
        *,
        lang: str | None = None,
        entities: Collection[str] | None = None,
    ) -> list[Span]:
        """Spans in ``text`` (``lang`` None = auto-detect; "und" runs language-neutral
        and both languages' rules)."""
        if not isinstance(text, str):
            raise InvalidInput("text must be a str")
        if not text:
            return []
        if lang is None or lang == "auto":
            lang = self._detect(text)[0]
        else:
            lang = lang.split("-")[0].lower()
            if lang not in SUPPORTED_LANGUAGES and lang != "und":
                lang = "und"
        wanted = None if entities is None else frozenset(entities)
        key = (lang, wanted)
        recognizers = self._selection.get(key)
        if recognizers is None:
            recognizers = self._selection[key] = self.registry.select(lang, wanted)
        doc = Document(text, lang)
        threshold = self.score_threshold
        found: list[Span] = []
        for recognizer in recognizers:
            for span in recognizer.analyze(doc):  # type: ignore[attr-defined]
                if span.score >= threshold and (wanted is None or span.type in wanted):
                    found.append(span)
        resolved = resolve_conflicts(found)
        if doc.norm is text:
            return resolved
        out = []
        for span in resolved:
            start, end = doc.to_original(span.start, span.end)
            out.append(Span(start, end, span.type, span.score, span.recognizer, span.explanation))
        return out

    def warm_up(self) -> None:
        """Load now what recognizers load on first use (the name tagger's model, phone
        metadata), e.g. before a long run freezes its long-lived heap (``gc.freeze``)."""
        for lang in sorted(SUPPORTED_LANGUAGES):
            self.analyze("Anna Beispiel, Musterstraße 1, 10115 Berlin, +49 30 1234567", lang=lang)


def build_analyzer(
    *,
    company_formats: Mapping[str, str] | None = None,
    use_ner: bool = True,
    score_threshold: float = 0.5,
    ner_model: Path | None = None,
    recall_bias: float | None = None,
) -> Analyzer:
    """An analyzer with every shipped recognizer, the company's own number formats
    (entity → regex, see ``recognizers.company_number``) and, if ``use_ner`` and the
    model is installed, the statistical name tagger (``ner_model`` another model file,
    ``recall_bias`` another operating point than the model's calibrated one)."""
    from sphere.pii.recognizers import register_defaults

    lexicons = Lexicons()
    registry = RecognizerRegistry()
    register_defaults(
        registry,
        lexicons=lexicons,
        company_formats=company_formats,
        use_ner=use_ner,
        ner_model=ner_model,
        recall_bias=recall_bias,
    )
    return Analyzer(registry, score_threshold=score_threshold)
