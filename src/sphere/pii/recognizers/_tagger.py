"""Optional statistical name tagger (``sphere.pii.ner``), shared by the PERSON and
LOCATION recognizers of one analyzer: loaded once on first use, run once per document."""

from __future__ import annotations

from typing import Any

from sphere.pii.document import Document
from sphere.pii.lexicon import Lexicons

Tag = tuple[int, int, str, float]


class SharedTagger:
    """Lazy holder. If ``sphere.pii.ner`` is missing or its model cannot be loaded, the
    analyzer keeps working on lexicons and context alone (``available`` is False).

    With ``lexicons``, their common words (capitalised German nouns, English words) are
    the tagger's ``skip_words``: not decoded unless a name gazetteer lists them."""

    def __init__(self, lexicons: Lexicons | None = None) -> None:
        self._tagger: Any = None
        self._loaded = False
        self._lexicons = lexicons

    @property
    def available(self) -> bool:
        self._load()
        return self._tagger is not None

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            from sphere.pii.ner import load_tagger
        except ImportError:
            return
        try:
            skip = self._lexicons.common_words if self._lexicons is not None else frozenset()
            self._tagger = load_tagger(skip_words=skip)
        except Exception:  # noqa: BLE001 - a broken optional model must not stop scrubbing
            self._tagger = None

    def tags(self, doc: Document) -> list[Tag]:
        self._load()
        tagger = self._tagger
        if tagger is None:
            return []
        lang = doc.lang if doc.lang in ("de", "en") else "de"
        return doc.memo("ner", lambda: [tuple(t) for t in tagger.tag(doc.norm, lang)])
