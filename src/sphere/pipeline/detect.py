"""Detect personal data and special categories in a post, and minimise what is kept.

Whatever the scrubber finds, the text of a post is treated as personal data (it is
encrypted and kept only under a decision). Minimisation keeps the company-relevant part:
order and customer numbers stay (service needs them), the company's own handles stay;
every other detected value — third parties' names, phone numbers, addresses, e-mail
addresses, other people's handles — becomes a typed placeholder (``<PERSON_1>``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sphere.domain import SpecialCategory
from sphere.pii.analyzer import Analyzer
from sphere.pii.anonymizer import anonymize
from sphere.pii.span import Span
from sphere.pii.special import detect_special_categories

KEEP_TYPES = frozenset({"ORDER_NUMBER", "CUSTOMER_NUMBER", "URL"})


@dataclass(frozen=True, slots=True)
class Detection:
    spans: tuple[Span, ...]
    special: frozenset[SpecialCategory]
    language: str | None

    @property
    def entity_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for span in self.spans:
            counts[span.type] = counts.get(span.type, 0) + 1
        return counts


def detect(analyzer: Analyzer, text: str, *, language: str | None) -> Detection:
    if not text:
        return Detection((), frozenset(), language)
    lang = language if language in ("de", "en") else None
    spans = tuple(analyzer.analyze(text, lang=lang))
    special = frozenset(f.category for f in detect_special_categories(text, lang=lang))
    return Detection(spans, special, lang or language)


def minimise(text: str, detection: Detection, *, company_handles: frozenset[str]) -> str:
    """The text with everything but company-relevant values replaced by placeholders."""
    spans = [
        s
        for s in detection.spans
        if s.type not in KEEP_TYPES
        and not (
            s.type == "SOCIAL_HANDLE"
            and text[s.start : s.end].lstrip("@").lower() in company_handles
        )
    ]
    return anonymize(text, spans).text if spans else text
