"""Language identification for short posts: German, English or "und" (undetermined).

Five-word posts defeat general-purpose detectors, so the model is small and targeted:
function words (stopwords) carry most of the signal, umlauts/ß add German evidence,
and a character-trigram profile (built from Faker's de/en word lists by
``scripts/build_pii_lexicons.py``) decides the rest. Only the first 1,000 characters
are read. Confidence is a logistic of the score difference.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from sphere.pii.lexicon import read_resource

STOP_DE = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ich",
        "du",
        "er",
        "sie",
        "es",
        "wir",
        "ihr",
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "mit",
        "auf",
        "für",
        "von",
        "zu",
        "den",
        "dem",
        "im",
        "ist",
        "sind",
        "war",
        "hat",
        "habe",
        "haben",
        "wird",
        "werden",
        "kann",
        "auch",
        "noch",
        "schon",
        "mal",
        "aber",
        "oder",
        "wenn",
        "dass",
        "weil",
        "bei",
        "nach",
        "aus",
        "wie",
        "was",
        "wer",
        "wo",
        "warum",
        "hier",
        "da",
        "doch",
        "nur",
        "sehr",
        "mein",
        "meine",
        "dein",
        "deine",
        "kein",
        "keine",
        "mich",
        "mir",
        "dich",
        "dir",
        "uns",
        "euch",
        "sich",
        "ja",
        "nein",
        "bitte",
        "danke",
        "heute",
        "gestern",
        "morgen",
        "jetzt",
        "immer",
        "nie",
        "gibt",
        "geht",
        "gut",
        "leider",
        "wieder",
        "seit",
        "bis",
        "über",
        "unter",
        "ohne",
        "gegen",
        "um",
        "zum",
        "zur",
        "vom",
        "beim",
        "am",
        "ins",
    ]
)
STOP_EN = frozenset(
    [
        "the",
        "and",
        "is",
        "not",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "a",
        "an",
        "with",
        "on",
        "for",
        "of",
        "to",
        "this",
        "that",
        "was",
        "were",
        "are",
        "be",
        "been",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "my",
        "your",
        "his",
        "her",
        "our",
        "their",
        "me",
        "him",
        "them",
        "what",
        "who",
        "where",
        "why",
        "how",
        "when",
        "which",
        "there",
        "here",
        "just",
        "very",
        "no",
        "yes",
        "please",
        "thanks",
        "today",
        "yesterday",
        "tomorrow",
        "now",
        "always",
        "never",
        "but",
        "or",
        "if",
        "because",
        "at",
        "from",
        "by",
        "about",
        "into",
        "out",
        "up",
        "down",
        "over",
        "than",
        "then",
        "so",
        "too",
        "also",
        "don't",
        "can't",
        "i'm",
        "it's",
        "get",
        "got",
        "still",
        "again",
        "any",
        "some",
        "all",
    ]
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_UMLAUT = re.compile(r"[äöüßÄÖÜ]")


class LanguageDetector:
    """Loads the trigram profile once; ``detect`` is pure and thread-safe."""

    MAX_CHARS = 1000

    def __init__(self) -> None:
        self._profile: dict[str, dict[str, float]] | None = None
        self._floor = -9.0

    def _load(self) -> dict[str, dict[str, float]]:
        if self._profile is None:
            import json

            profile = json.loads(read_resource("language_profile.json"))
            self._floor = min(min(v.values()) for v in profile.values()) - 1.0
            self._profile = profile
        return self._profile

    def detect(self, text: str) -> tuple[str, float]:
        sample = text[: self.MAX_CHARS].lower()
        words = _WORD.findall(sample)
        if not words:
            return "und", 0.0
        score = 1.5 * min(3, len(_UMLAUT.findall(sample)))  # > 0 means German
        for word in words:
            if word in STOP_DE:
                score += 1.5
            if word in STOP_EN:
                score -= 1.5
        if abs(score) >= 4.5:  # three net function words decide; skip the trigrams
            return ("de" if score > 0 else "en"), round(1.0 / (1.0 + math.exp(-abs(score))), 3)
        profile = self._load()
        de, en = profile["de"], profile["en"]
        floor = self._floor
        grams = 0
        trigram_diff = 0.0
        for word in words[:40]:
            padded = f" {word} "
            for i in range(len(padded) - 2):
                gram = padded[i : i + 3]
                trigram_diff += de.get(gram, floor) - en.get(gram, floor)
                grams += 1
        if grams:
            score += 2.0 * trigram_diff / grams * min(1.0, len(words) / 3)
        confidence = 1.0 / (1.0 + math.exp(-abs(score)))
        if abs(score) < 0.4:
            return "und", round(confidence, 3)
        return ("de" if score > 0 else "en"), round(confidence, 3)


@lru_cache(maxsize=1)
def _default_detector() -> LanguageDetector:
    return LanguageDetector()


def detect_language(text: str) -> tuple[str, float]:
    """("de" | "en" | "und", confidence in [0.5, 1))."""
    return _default_detector().detect(text)
