"""Feature templates shared by the runtime tagger and ``scripts/train_ner.py``.

The model is linear, and every feature belongs to one of two kinds:

* **token features** depend on one token string only (lower-cased word, prefixes and
  suffixes, word shape, gazetteer membership). The tagger sees a token's features at
  relative positions -2..+2, keyed ``"{pos}{feature}"``, so the contribution of a token
  string at each position can be computed once and cached.
* **pair features** join the current token's shape with its neighbours (``"mit" + Xx``,
  ``Xx Xx Xx``); they are cheap string keys looked up per position.

An optional :class:`CharModel` (stored in newer model files) adds, for a word that no
gazetteer lists, how much its letters look like a person name or a place name rather
than an everyday word ("Weselsky", "Ishawna" vs "Kinokassen").

Keeping both sides in one module is what guarantees that training and tagging agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Relative positions whose token features are used, with how rich each one is.
POSITIONS: tuple[int, ...] = (-2, -1, 0, 1, 2)
BOS = "<s>"
EOS = "</s>"

_DIGIT = re.compile(r"\d")
_LETTERS = re.compile(r"[^\W\d_]+")


class CharModel:
    """Name-likeness of a word from its character trigrams (naive Bayes, trained by
    ``scripts/train_ner.py`` on the name and place lists against everyday words).

    ``tables[label][trigram]`` is the log-ratio of the trigram's probability among
    ``label`` words (``nm`` person names, ``pl`` places) and among everyday words; a
    word's score is the mean over its trigrams (``^`` and ``$`` mark its ends), binned
    into a feature such as ``"nm=2"``. Features are cached per token string by the
    tagger, so a word is scored once.
    """

    __slots__ = ("tables", "step", "clip")

    def __init__(self, tables: Mapping[str, Mapping[str, float]], step: float, clip: int):
        self.tables = tables
        self.step = step
        self.clip = clip

    def features(self, key: str) -> list[str]:
        word = "".join(_LETTERS.findall(key))
        if len(word) < 3:
            return []
        padded = f"^{word}$"
        grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
        out = []
        for label, table in self.tables.items():
            score = sum(table.get(g, 0.0) for g in grams) / len(grams)
            b = max(-self.clip, min(self.clip, round(score / self.step)))
            out.append(f"{label}={b}")
        return out


def shape(tok: str) -> str:
    """A coarse word shape: ``Xx``, ``x``, ``X``, ``d``, ``@``, ``#``, ``url``, ``p``..."""
    if tok in (BOS, EOS):
        return tok
    first = tok[0]
    if first == "@" and len(tok) > 1:
        return "@"
    if first == "#" and len(tok) > 1:
        return "#"
    if "://" in tok or tok.startswith("www."):
        return "url"
    if "@" in tok:
        return "mail"
    if tok.isdigit():
        return "d"
    if _DIGIT.search(tok):
        return "xd"
    if not tok[0].isalnum() and len(tok) == 1:
        return "p"
    if tok.isupper():
        return "X" if len(tok) > 1 else "X1"
    if tok.islower():
        return "x-" if "-" in tok else "x"
    if "-" in tok and tok[0].isupper():
        return "Xx-"
    if tok[0].isupper():
        rest = tok[1:]
        if rest.islower() or not rest:
            return "Xx"
        return "XxX"
    return "xX"


def gazetteer_key(low: str) -> str:
    """The form looked up in the gazetteers: a hashtag counts as its word ("#bryant")."""
    return low[1:] if low.startswith("#") and len(low) > 1 else low


def position_features(
    tok: str,
    pos: int,
    gazetteers: Mapping[str, frozenset[str]],
    char_model: CharModel | None = None,
) -> list[str]:
    """Features of one token string seen from relative position ``pos`` only — what
    ``token_features(tok, gazetteers)[pos]`` returns, without building the others (the
    tagger needs a neighbour's far or near features far more often than a centre)."""
    if pos == 0 or tok in (BOS, EOS):
        return token_features(tok, gazetteers, char_model)[pos]
    low = tok.lower()
    if pos in (-2, 2):
        return [f"w={low}", f"s={shape(tok)}"]
    key = gazetteer_key(low)
    gaz = [f"g={name}" for name, words in gazetteers.items() if key in words]
    return [f"w={low}", f"s={shape(tok)}", *gaz, f"x3={low[-3:]}"]


def token_features(
    tok: str,
    gazetteers: Mapping[str, frozenset[str]],
    char_model: CharModel | None = None,
) -> dict[int, list[str]]:
    """Features of one token string for every relative position in :data:`POSITIONS`."""
    if tok in (BOS, EOS):
        base = [f"w={tok}"]
        return {pos: base for pos in POSITIONS}
    low = tok.lower()
    shp = shape(tok)
    key = gazetteer_key(low)
    gaz = [f"g={name}" for name, words in gazetteers.items() if key in words]
    core = [f"w={low}", f"s={shp}", *gaz]
    center = [
        *core,
        "b",
        f"p1={low[:1]}",
        f"p2={low[:2]}",
        f"p3={low[:3]}",
        f"p4={low[:4]}",
        f"x1={low[-1:]}",
        f"x2={low[-2:]}",
        f"x3={low[-3:]}",
        f"x4={low[-4:]}",
        f"l={min(len(tok), 12)}",
    ]
    if tok != low and shp in ("Xx", "Xx-", "XxX", "X"):
        center.append(f"W={tok}")
    if char_model is not None and not gaz and shp not in ("url", "mail", "@"):
        center.extend(char_model.features(key))
    near = [*core, f"x3={low[-3:]}"]
    far = [f"w={low}", f"s={shp}"]
    return {-2: far, -1: near, 0: center, 1: near, 2: far}


def pair_features(
    prev_low: str, prev_shape: str, cur_shape: str, next_low: str, next_shape: str
) -> tuple[str, str, str]:
    """Conjunctions of the current shape with its neighbours (see module docstring)."""
    return (
        f"pw|{prev_low}|{cur_shape}",
        f"nw|{cur_shape}|{next_low}",
        f"ss|{prev_shape}|{cur_shape}|{next_shape}",
    )


def sentence_features(
    toks: list[str],
    gazetteers: Mapping[str, frozenset[str]],
    char_model: CharModel | None = None,
) -> list[list[str]]:
    """All feature keys of every position of a token sequence (used by training).

    The tagger computes the same sums incrementally from cached per-token vectors;
    ``tests/unit/pii/ner`` checks that both paths give the same scores.
    """
    padded = [BOS, BOS, *toks, EOS, EOS]
    per_tok = [token_features(t, gazetteers, char_model) for t in padded]
    lows = [t if t in (BOS, EOS) else t.lower() for t in padded]
    shapes = [shape(t) for t in padded]
    out: list[list[str]] = []
    for i in range(2, len(padded) - 2):
        keys = [f"{pos}{f}" for pos in POSITIONS for f in per_tok[i + pos][pos]]
        keys.extend(
            pair_features(lows[i - 1], shapes[i - 1], shapes[i], lows[i + 1], shapes[i + 1])
        )
        out.append(keys)
    return out
