"""Detect personal data and special categories in a post, and minimise what is kept.

Two steps, because the policy needs only the first: ``screen`` finds the special
categories (Art. 9 DSGVO) and the language, which the gate decides on; ``detect`` runs
the PII analyzer, whose spans only matter for a record that is stored (minimisation,
the re-identification check, the audit entry's entity counts). A post the gate
discards or keeps only as an anonymous count is never analysed: its text is not kept,
so there is nothing to scrub (the anonymous listening counts read products and
sentiment words, not the analyzer's spans).

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


def screen(text: str, *, language: str | None) -> Detection:
    """Special categories and language, without the analyzer's spans (what the gate needs)."""
    if not text:
        return Detection((), frozenset(), language)
    lang = language if language in ("de", "en") else None
    special = frozenset(f.category for f in detect_special_categories(text, lang=lang))
    return Detection((), special, lang or language)


def detect(
    analyzer: Analyzer, text: str, *, language: str | None, screened: Detection | None = None
) -> Detection:
    """The full detection; ``screened`` is this text's :func:`screen` result, if known."""
    if screened is None:
        screened = screen(text, language=language)
    if not text:
        return screened
    lang = language if language in ("de", "en") else None
    spans = tuple(analyzer.analyze(text, lang=lang))
    return Detection(spans, screened.special, screened.language)


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
