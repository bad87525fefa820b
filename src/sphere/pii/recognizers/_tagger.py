"""Optional statistical name tagger (``sphere.pii.ner``), shared by the PERSON and
LOCATION recognizers of one analyzer: loaded once on first use, run once per document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphere.pii.document import Document
from sphere.pii.lexicon import Lexicons

Tag = tuple[int, int, str, float]


def tagger_score(probability: float, *, weight: float = 0.4) -> float:
    """Analyzer score of a tagger-only span: at least 0.5 (the decoder already decided at
    the scrubbing operating point), ordered by the model's probability."""
    return 0.5 + weight * probability


class SharedTagger:
    """Lazy holder. If ``sphere.pii.ner`` is missing or its model cannot be loaded, the
    analyzer keeps working on lexicons and context alone (``available`` is False).

    With ``lexicons``, their common words (capitalised German nouns, English words) are
    the tagger's ``skip_words``: not decoded unless a name gazetteer lists them.

    ``recall_bias`` None = the scrubbing operating point stored in the model file
    (``meta["scrub_recall_bias"]``, chosen on the dev split by ``scripts/train_ner.py``
    / ``bench/pii_real_eval.py``: the most recall at PERSON precision ≥ 0.75 on dev)."""

    def __init__(
        self,
        lexicons: Lexicons | None = None,
        *,
        model_path: Path | None = None,
        recall_bias: float | None = None,
    ) -> None:
        self._tagger: Any = None
        self._loaded = False
        self._lexicons = lexicons
        self._model_path = model_path
        self._recall_bias = recall_bias

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
            tagger = load_tagger(self._model_path, skip_words=skip)
            bias = self._recall_bias
            tagger.set_recall_bias(
                tagger.meta.get("scrub_recall_bias", 0.0) if bias is None else bias
            )
            self._tagger = tagger
        except Exception:  # noqa: BLE001 - a broken optional model must not stop scrubbing
            self._tagger = None

    def tags(self, doc: Document) -> list[Tag]:
        """Tagger spans of ``doc``. A post of unknown language ("und": another language,
        mixed, too short to tell) is scrubbed the most conservative way: both models run
        and every span either finds is kept (overlaps resolved by the analyzer)."""
        self._load()
        tagger = self._tagger
        if tagger is None:
            return []
        if doc.lang in ("de", "en"):
            lang = doc.lang
            return doc.memo("ner", lambda: [tuple(t) for t in tagger.tag(doc.norm, lang)])
        return doc.memo(
            "ner",
            lambda: [tuple(t) for lang in ("de", "en") for t in tagger.tag(doc.norm, lang)],
        )
