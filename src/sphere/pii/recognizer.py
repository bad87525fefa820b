"""The recognizer extension point.

A recognizer is any object with class-level ``NAME``, ``ENTITIES`` and ``LANGUAGES``
and an ``analyze(doc)`` method yielding spans in ``doc.norm`` offsets (the analyzer
maps them to the original text). Built-ins register exactly like a third party's:
``registry.add(MyRecognizer())``.

``PatternRecognizer`` is a convenience base for the common shape "one regex finds
candidates, a validator confirms, context words adjust the score".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar, Protocol, runtime_checkable

from sphere.pii.context import compile_words, near
from sphere.pii.document import Document
from sphere.pii.span import Span

ANY_LANGUAGE: frozenset[str] = frozenset({"de", "en", "und"})
_CLAUSE_END = re.compile(r"[,;!?|]|\.(?:\s|$)")


@runtime_checkable
class Recognizer(Protocol):
    """Finds entities of ``ENTITIES`` in texts of ``LANGUAGES``."""

    NAME: ClassVar[str]
    ENTITIES: ClassVar[tuple[str, ...]]
    LANGUAGES: ClassVar[frozenset[str]]

    def analyze(self, doc: Document) -> Iterator[Span]: ...


class PatternRecognizer:
    """Regex candidates → ``validate`` → score with context.

    Subclasses set ``PATTERN`` (compiled), ``ENTITY``, ``BASE_SCORE`` and optionally
    ``CONTEXT`` (raises to ``CONTEXT_SCORE``), ``NEGATIVE_CONTEXT`` (drops to
    ``NEGATIVE_SCORE``) and ``REQUIRES`` (a cheap substring/character-class test the
    text must pass before the regex runs at all).
    """

    NAME: ClassVar[str]
    ENTITY: ClassVar[str]
    ENTITIES: ClassVar[tuple[str, ...]]
    LANGUAGES: ClassVar[frozenset[str]] = ANY_LANGUAGE
    PATTERN: ClassVar[re.Pattern[str]]
    REQUIRES: ClassVar[re.Pattern[str] | None] = None
    BASE_SCORE: ClassVar[float] = 0.5
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    CONTEXT_SCORE: ClassVar[float] = 0.9
    NEGATIVE_CONTEXT: ClassVar[tuple[str, ...]] = ()
    NEGATIVE_SCORE: ClassVar[float] = 0.1
    WINDOW: ClassVar[int] = 40
    #: Characters right of the candidate searched for negative context (0 = none), up to
    #: the end of its clause ("IP 192.0.2.1, Firmware 1.2.3.4": the IP's clause ends at ",").
    NEGATIVE_AFTER: ClassVar[int] = 0
    SPLIT_ON: ClassVar[str] = ""

    _context_re: ClassVar[re.Pattern[str] | None] = None
    _negative_re: ClassVar[re.Pattern[str] | None] = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "ENTITY" in cls.__dict__ and "ENTITIES" not in cls.__dict__:
            cls.ENTITIES = (cls.ENTITY,)
        if cls.CONTEXT:
            cls._context_re = compile_words(cls.CONTEXT)
        if cls.NEGATIVE_CONTEXT:
            cls._negative_re = compile_words(cls.NEGATIVE_CONTEXT)

    def _retry_prefixes(
        self, match: re.Match[str], doc: Document
    ) -> tuple[re.Match[str], float | None]:
        """Two values in a row form one candidate ("4111 … 1111 0 4111 …"): try
        prefixes that end before a separator, longest first (at most four)."""
        start, value = match.start(), match.group()
        cuts = [i for i in range(len(value) - 1, 0, -1) if value[i] in self.SPLIT_ON][:4]
        for cut in cuts:
            shorter = self.PATTERN.fullmatch(doc.norm, start, start + cut)
            if shorter is not None:
                score = self.validate(shorter, doc)
                if score is not None:
                    return shorter, score
        return match, None

    def _negative_after(self, doc: Document, end: int) -> bool:
        if not self.NEGATIVE_AFTER or self._negative_re is None:
            return False
        stop = end + self.NEGATIVE_AFTER
        boundary = _CLAUSE_END.search(doc.norm, end, stop)
        if boundary is not None:
            stop = boundary.start()
        return self._negative_re.search(doc.norm, end, stop) is not None

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        """Return a base score for a candidate, or None to reject it."""
        return self.BASE_SCORE

    def span_of(self, match: re.Match[str]) -> tuple[int, int]:
        return match.span()

    def analyze(self, doc: Document) -> Iterator[Span]:
        text = doc.norm
        if self.REQUIRES is not None and self.REQUIRES.search(text) is None:
            return
        pattern = self.PATTERN
        pos = 0
        while True:
            match = pattern.search(text, pos)
            if match is None:
                return
            score = self.validate(match, doc)
            if score is None and self.SPLIT_ON:
                match, score = self._retry_prefixes(match, doc)
            if score is None or match is None:
                # a rejected candidate may hide a valid one inside ("0 0170 1234567")
                pos = (match.start() if match is not None else pos) + 1
                continue
            pos = max(match.end(), match.start() + 1)
            start, end = self.span_of(match)
            explanation = "pattern"
            if self._negative_re is not None and (
                near(doc, self._negative_re, start, end, before=self.WINDOW)
                or self._negative_after(doc, end)
            ):
                score = min(score, self.NEGATIVE_SCORE)
                explanation = "pattern; negative context"
            elif self._context_re is not None and near(
                doc, self._context_re, start, end, before=self.WINDOW, after=15
            ):
                score = max(score, self.CONTEXT_SCORE)
                explanation = "pattern; context"
            yield Span(start, end, self.ENTITY, score, self.NAME, explanation)
