"""Lexicon-based sentiment for short German and English posts: score in -1..1 and a label.

Why a lexicon and not a model: the result must be explainable to the person it is about
(GDPR Art. 15(1)(h) for profiling, Art. 13(2)(f)) and reproducible without downloads.
The approach follows VADER (Hutto & Gilbert 2014), reduced to what short posts need:

- word polarities on a -3..+3 scale (German and English lists below; German inflection
  endings are stripped when a word is not found: "enttäuschende" → "enttäuschend");
- intensifiers ("sehr", "extrem", "really") scale the next polar word by 1.5,
  dampeners ("etwas", "slightly") by 0.5;
- negation ("nicht", "kein", "not", "never", "n't") within the next three tokens flips
  a polar word and dampens it (× -0.75), so "not bad" is mildly positive and
  "nicht gut" negative. German also negates after the verb ("gefällt mir nicht",
  "funktioniert nicht"): a negator with no polar word after it flips the polar word
  up to three tokens before it;
- contrast: after "aber"/"but"/"jedoch"/"however" words count 1.5×, before it 0.5×;
- emoji and emoticons carry polarity; "!" (up to three) amplifies the total;
- the sum is normalised as ``s / sqrt(s² + 15)`` into -1..1; |score| < 0.1 is neutral.

Irony and sarcasm are not detected; the accuracy on the hand-written test set is
printed by the tests (``pytest -s tests/unit/marketing/test_sentiment.py``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from sphere.pii.language import detect_language

NEUTRAL_BAND = 0.1
_ALPHA = 15.0
_NEGATION_SCOPE = 3

LEXICON_DE: dict[str, float] = {
    # positive
    "gut": 2.0, "super": 2.5, "toll": 2.5, "klasse": 2.5, "genial": 3.0, "großartig": 3.0,
    "hervorragend": 3.0, "exzellent": 3.0, "perfekt": 3.0, "schön": 2.0, "wunderbar": 3.0,
    "begeistert": 3.0, "zufrieden": 2.0, "empfehlenswert": 2.5, "empfehlen": 2.0,
    "scharf": 1.5, "knackig": 1.5, "brillant": 2.5, "liebe": 2.5, "lieben": 2.5,
    "gefällt": 2.0, "gefallen": 2.0, "freue": 2.0, "freude": 2.0, "danke": 1.5,
    "prima": 2.0, "spitze": 2.5, "top": 2.0, "traumhaft": 3.0, "beeindruckend": 2.5,
    "schnell": 1.0, "zuverlässig": 2.0, "funktioniert": 0.8, "einwandfrei": 2.0, "beeindruckt": 2.5,
    "hilfreich": 2.0, "freundlich": 2.0, "lohnt": 1.5, "wow": 2.0, "glücklich": 2.5,
    "stark": 1.5, "geil": 2.5, "endlich": 0.5, "lecker": 2.0, "fantastisch": 3.0,
    # negative
    "schlecht": -2.5, "schlimm": -2.5, "mies": -2.5, "furchtbar": -3.0, "schrecklich": -3.0,
    "enttäuscht": -2.5, "enttäuschend": -2.5, "enttäuschung": -2.5, "ärgerlich": -2.0,
    "ärgere": -2.0, "ärger": -2.0, "kaputt": -2.5, "defekt": -2.5, "unscharf": -2.0,
    "teuer": -1.0, "überteuert": -2.0, "langsam": -1.0, "laut": -1.0, "nervig": -2.0,
    "katastrophe": -3.0, "katastrophal": -3.0, "mangelhaft": -2.5, "unzufrieden": -2.5,
    "problem": -1.5, "probleme": -1.5, "fehler": -1.5, "schade": -1.5, "leider": -1.0,
    "wütend": -3.0, "frechheit": -3.0, "müll": -3.0, "schrott": -3.0,
    "zurückschicken": -1.5, "reklamation": -1.5, "kündigen": -2.0, "hasse": -3.0,
    "unbrauchbar": -3.0, "wackelt": -1.5, "klemmt": -1.5, "fehlerhaft": -2.5,
    "umständlich": -1.5, "schwach": -1.5, "verärgert": -2.5, "traurig": -2.0,
}  # fmt: skip

LEXICON_EN: dict[str, float] = {
    # positive
    "good": 2.0, "great": 2.5, "excellent": 3.0, "amazing": 3.0, "awesome": 3.0,
    "fantastic": 3.0, "perfect": 3.0, "love": 2.5, "loved": 2.5, "loving": 2.5,
    "like": 1.0, "nice": 2.0, "happy": 2.5, "pleased": 2.0, "sharp": 1.5, "crisp": 1.5,
    "brilliant": 3.0, "recommend": 2.0, "recommended": 2.0, "impressive": 2.5,
    "beautiful": 2.5, "wonderful": 3.0, "fast": 1.0, "reliable": 2.0,
    "works": 0.8, "work": 0.8, "working": 0.8, "worked": 0.8, "impressed": 2.5,
    "flawless": 3.0, "helpful": 2.0, "friendly": 2.0, "thanks": 1.5, "thank": 1.5,
    "best": 3.0, "superb": 3.0, "solid": 1.5, "worth": 1.5, "wow": 2.0, "fine": 1.0,
    "stunning": 3.0, "enjoy": 2.0, "enjoying": 2.0, "glad": 2.0, "cool": 1.5,
    # negative
    "bad": -2.5, "terrible": -3.0, "awful": -3.0, "horrible": -3.0, "poor": -2.0,
    "disappointed": -2.5, "disappointing": -2.5, "broken": -2.5, "defective": -2.5,
    "blurry": -2.0, "soft": -0.5, "expensive": -1.0, "overpriced": -2.0, "slow": -1.0,
    "noisy": -1.5, "annoying": -2.0, "hate": -3.0, "hated": -3.0, "worst": -3.0,
    "useless": -3.0, "garbage": -3.0, "junk": -3.0, "problem": -1.5, "problems": -1.5,
    "issue": -1.0, "issues": -1.0, "unfortunately": -1.0, "angry": -3.0, "sad": -2.0,
    "refund": -1.5, "cancel": -1.5, "fails": -2.0, "failed": -2.0, "wobbly": -1.5,
    "stuck": -1.5, "mediocre": -1.5, "unhappy": -2.5, "waste": -2.5, "meh": -1.0,
    "scam": -3.0, "crap": -3.0, "sucks": -3.0, "frustrating": -2.5, "frustrated": -2.5,
}  # fmt: skip

NEGATORS = frozenset(
    {
        "nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals",
        "nichts", "ohne", "not", "no", "never", "without", "nothing", "hardly", "neither",
        "nor", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant",
        "cannot", "couldnt", "wont", "wouldnt", "shouldnt", "hasnt", "havent", "aint",
    }
)  # fmt: skip
INTENSIFIERS = frozenset(
    {
        "sehr", "extrem", "total", "echt", "wirklich", "absolut", "richtig", "mega", "so",
        "unglaublich", "besonders", "äußerst", "voll", "really", "very", "extremely",
        "absolutely", "totally", "incredibly", "super", "truly", "highly", "completely",
        "too", "zu",
    }
)  # fmt: skip
DAMPENERS = frozenset(
    {"etwas", "bisschen", "leicht", "eher", "slightly", "somewhat", "kinda", "bit", "little"}
)
CONTRAST = frozenset({"aber", "jedoch", "allerdings", "but", "however", "though", "although"})

EMOJI: dict[str, float] = {
    "😀": 2.0, "😃": 2.0, "😄": 2.0, "😁": 2.0, "😊": 2.0, "🙂": 1.0, "😍": 3.0, "🥰": 3.0,
    "😎": 1.5, "👍": 2.0, "👌": 1.5, "❤": 2.5, "❤️": 2.5, "💯": 2.0, "🎉": 2.0, "🔥": 1.5,
    "🤩": 3.0, "😂": 1.0, "🙏": 1.0, "😞": -2.0, "😠": -3.0, "😡": -3.0, "🤬": -3.0,
    "👎": -2.0, "😢": -2.0, "😭": -2.5, "💔": -2.5, "🙁": -1.5, "☹": -2.0, "😒": -1.5,
    "😤": -2.0, "🤮": -3.0, "😩": -2.0, "🤦": -1.5,
    ":)": 1.5, ":-)": 1.5, ":D": 2.0, ";)": 1.0, ":(": -1.5, ":-(": -1.5,
}  # fmt: skip

_TOKEN = re.compile(
    r":-?\)|:-?\(|:D|;\)|[\w']+|[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?|!|[,.;:?]",
    re.UNICODE,
)
_DE_SUFFIXES = ("es", "en", "er", "em", "e", "n", "s")
_BOUNDARY = frozenset(",.;:?")


class SentimentLabel(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


@dataclass(frozen=True, slots=True)
class Sentiment:
    """``score`` in -1..1; ``terms`` are the lexicon words that decided it (no post text)."""

    score: float
    label: SentimentLabel
    terms: tuple[str, ...] = ()


def label_for(score: float) -> SentimentLabel:
    if score >= NEUTRAL_BAND:
        return SentimentLabel.POSITIVE
    if score <= -NEUTRAL_BAND:
        return SentimentLabel.NEGATIVE
    return SentimentLabel.NEUTRAL


def analyse_sentiment(text: str, *, language: str | None = None) -> Sentiment:
    """Sentiment of one short text in German (``"de"``) or English (``"en"``).

    ``language=None`` detects it; an undetermined language uses both lexicons.
    """
    if language is None:
        language = detect_language(text)[0] if text.strip() else "und"
    lexicons = _lexicons(language)
    tokens = [_fold_apostrophe(t) for t in _TOKEN.findall(text)]
    words = [t for t in tokens if t != "!"]
    exclamations = min(3, tokens.count("!"))

    values: list[float | None] = [_polarity(w, lexicons) for w in words]
    # intensifiers and dampeners modify the next polar word
    weights = [1.0] * len(words)
    for i, word in enumerate(words):
        lower = word.lower()
        if lower in INTENSIFIERS or lower in DAMPENERS:
            factor = 1.5 if lower in INTENSIFIERS else 0.5
            for j in range(i + 1, min(len(words), i + 3)):
                if words[j] in _BOUNDARY:
                    break
                if values[j]:
                    weights[j] *= factor
                    break
    # negation
    negated = [False] * len(words)
    for i, word in enumerate(words):
        if word.lower() not in NEGATORS:
            continue
        # the scope ends at a clause boundary (",", ".", …)
        target = _first_polar(values, words, range(i + 1, min(len(words), i + 1 + _NEGATION_SCOPE)))
        if target is None:
            target = _first_polar(values, words, range(i - 1, max(-1, i - 1 - _NEGATION_SCOPE), -1))
        if target is not None:
            negated[target] = not negated[target]
    # contrast: the clause after "but" decides more
    contrast = next((i for i, w in enumerate(words) if w.lower() in CONTRAST), None)

    total = 0.0
    terms: list[str] = []
    for i, value in enumerate(values):
        if not value:
            continue
        v = value * weights[i]
        if negated[i]:
            v *= -0.75
        if contrast is not None:
            v *= 0.5 if i < contrast else 1.5
        total += v
        terms.append(("not " if negated[i] else "") + words[i].lower())
    if total:
        total += math.copysign(0.3 * exclamations, total)
    score = total / math.sqrt(total * total + _ALPHA)
    score = max(-1.0, min(1.0, score))
    return Sentiment(round(score, 3), label_for(score), tuple(terms))


def _first_polar(values: list[float | None], words: list[str], indexes: range) -> int | None:
    for j in indexes:
        if words[j] in _BOUNDARY:
            return None
        if values[j]:
            return j
    return None


def _fold_apostrophe(token: str) -> str:
    return token.replace("'", "") if "'" in token else token


def _lexicons(language: str) -> tuple[dict[str, float], ...]:
    if language == "de":
        return (LEXICON_DE, EMOJI)
    if language == "en":
        return (LEXICON_EN, EMOJI)
    return (LEXICON_DE, LEXICON_EN, EMOJI)


def _polarity(token: str, lexicons: tuple[dict[str, float], ...]) -> float | None:
    if token in EMOJI:
        return EMOJI[token]
    if token.rstrip("\ufe0f") in EMOJI:
        return EMOJI[token.rstrip("\ufe0f")]
    lower = token.lower()
    for lexicon in lexicons:
        if lower in lexicon:
            return lexicon[lower] or None
    if lexicons[0] is LEXICON_DE or len(lexicons) == 3:
        for suffix in _DE_SUFFIXES:
            stem = lower.removesuffix(suffix)
            if stem != lower and len(stem) >= 3 and stem in LEXICON_DE:
                return LEXICON_DE[stem] or None
    return None
