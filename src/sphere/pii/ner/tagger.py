"""Linear-chain tagger: cached per-token scores, first-order Viterbi over BIO labels.

Why this shape: posts are short and the scrubber must handle thousands per second on
one core in pure Python. A token string's contribution at each relative position
(-2..+2) is computed once and cached in the tagger (bounded), so tagging a post costs a
few list additions per token plus a small Viterbi step over the tokens that are not
confidently O (beam pruning; see ``Tagger._viterbi``).

Scores: for each token of a found span we take the softmax probability of its label
given the previous label (temperature fitted on dev data at training time); the span
score is the smallest of them. So 0.9 means "every token of the span was at least 90%
likely under the model's local distribution" — usable as a threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from sphere.pii.ner.features import (
    BOS,
    EOS,
    POSITIONS,
    gazetteer_key,
    position_features,
    shape,
)
from sphere.pii.ner.model_file import LanguageModel, ModelFile, read_model
from sphere.pii.ner.tokenize import tokenize, tokens_of

#: Entity type names used in the model file mapped to the names callers see.
_TYPES = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"}
_CACHE_LIMIT = 200_000

Entity = tuple[int, int, str, float]
#: Cached per token string: lower form, shape and whether the token can be inside an
#: entity at all (see ``Tagger._emissions``).
_Info = tuple[str, str, int]
#: Candidate levels: a STRONG token is decoded; a WEAK one (a common word such as
#: "East", "Bad", "green") only next to a STRONG one ("East Davidton", "david green").
_NONE, _WEAK, _STRONG = 0, 1, 2
#: Shapes of tokens that may carry an entity label: capitalised or upper-case words.
#: Lower-case tokens qualify only through the gazetteers (names in lower-case posts).
_CANDIDATE_SHAPES = frozenset({"Xx", "Xx-", "XxX", "X", "X1"})


class _Lang:
    """Runtime view of one language model plus its token caches.

    Two levels, both bounded: ``info`` (lower form, shape, candidate flag) for every
    token string seen, and ``vecs[p]`` — the token's summed feature weights as seen from
    relative position ``POSITIONS[p]`` — filled lazily, only for positions a candidate
    token actually needs. A name seen once costs its centre vector and little else.
    """

    def __init__(
        self, model: LanguageModel, n_labels: int, candidate_gazetteers: object = None
    ) -> None:
        self.model = model
        self.n = n_labels
        self.info: dict[str, _Info] = {}
        self.vecs: tuple[dict[str, list[float]], ...] = tuple({} for _ in POSITIONS)
        self.pairs: dict[str, list[float]] = {}
        self.sums: dict[tuple[int, ...], list[float]] = {}
        self.zero = [0.0] * n_labels
        # Gazetteers that make a lower-case word a candidate (name and place lists; not
        # e.g. a common-word list that only informs the weights). Default: all.
        names = candidate_gazetteers if isinstance(candidate_gazetteers, list) else None
        self._gazetteers = tuple(
            words for name, words in model.gazetteers.items() if names is None or name in names
        )
        #: Lower-case words that are never candidates unless a gazetteer lists them.
        self.skip_words: frozenset[str] = frozenset()
        trans = [list(row) for row in model.transitions]
        self.trans = trans
        #: Transitions and start scores used for decoding: the recall bias is folded in
        #: as a penalty on every move into O (the same as lowering O's emission, without
        #: copying any score row); ``trans``/``model.start`` stay unbiased for the scores.
        self.vtrans = trans
        self.vstart = list(model.start)
        # Beam pruning margin in raw score units (the tagger's margin is in nats).
        self.prune_raw = 0.0
        self.o_penalty_raw = 0.0

    def entry(self, tok: str) -> _Info:
        """(lower form, shape, candidate level) of a token string, cached."""
        hit = self.info.get(tok)
        if hit is not None:
            return hit
        if tok in (BOS, EOS):
            hit = (tok, tok, _NONE)
        else:
            low = tok.lower()
            shp = shape(tok)
            key = gazetteer_key(low)
            in_gazetteer = any(key in g for g in self._gazetteers)
            skip = key in self.skip_words
            if shp in _CANDIDATE_SHAPES:
                cand = _STRONG if in_gazetteer or not skip else _WEAK
            elif shp == "#" and key[:1].isalpha() and tok[1:2].isupper():
                cand = _STRONG  # "#Bryant", "#Abrini": names as hashtags
            elif in_gazetteer:  # lower-case names in lower-case posts ("frag mal kevin")
                cand = _WEAK if skip else _STRONG
            else:
                cand = _NONE
            hit = (low, shp, cand)
        if len(self.info) >= _CACHE_LIMIT:
            self.info.clear()
        self.info[tok] = hit
        return hit

    def vec(self, p: int, tok: str) -> list[float]:
        """Summed weights of ``tok``'s features at relative position ``POSITIONS[p]``."""
        cache = self.vecs[p]
        hit = cache.get(tok)
        if hit is not None:
            return hit
        model, n = self.model, self.n
        index, weights, step = model.index, model.weights, model.step
        pos = POSITIONS[p]
        prefix = str(pos)
        bases = tuple(
            base
            for base in (
                index.get(prefix + f)
                for f in position_features(tok, pos, model.gazetteers, model.char_model)
            )
            if base is not None
        )
        # Unknown words share their vector with every word of the same known features
        # (shape, suffix …): "0170", "4711" and "#12345" all cost one sum between them.
        hit = self.sums.get(bases)
        if hit is None:
            rows = [weights[base : base + n] for base in bases]
            hit = [sum(col) * step for col in zip(*rows, strict=True)] if rows else self.zero
            if len(self.sums) >= _CACHE_LIMIT:
                self.sums.clear()
            self.sums[bases] = hit
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[tok] = hit
        return hit

    def pair(self, key: str) -> list[float]:
        hit = self.pairs.get(key)
        if hit is not None:
            return hit
        base = self.model.index.get(key)
        if base is None:
            vec = self.zero
        else:
            w, step = self.model.weights, self.model.step
            vec = [w[base + k] * step for k in range(self.n)]
        if len(self.pairs) >= _CACHE_LIMIT:
            self.pairs.clear()
        self.pairs[key] = vec
        return vec


class Tagger:
    """Tags PERSON, LOCATION and ORGANIZATION spans in German and English text.

    Build it with :func:`sphere.pii.ner.load_tagger` and keep it: loading costs a few
    hundred milliseconds, tagging a short post well under one. Safe to share between
    threads (the cache is a plain dict guarded by the GIL; races only recompute).
    """

    def __init__(
        self,
        model: ModelFile,
        prune: float | None = None,
        recall_bias: float | Mapping[str, float] = 0.0,
        skip_words: frozenset[str] = frozenset(),
    ) -> None:
        self._labels = model.labels
        cand_gaz = model.meta.get("candidate_gazetteers")
        self._langs = {
            code: _Lang(lm, len(model.labels), cand_gaz) for code, lm in model.languages.items()
        }
        self._types = [_TYPES.get(lab[2:], lab[2:]) if lab != "O" else "" for lab in model.labels]
        self._outside = model.labels.index("O")
        self.meta = model.meta
        #: Beam-pruning margin in nats of the local softmax (see ``_viterbi``); a label
        #: whose probability trails O by this much is not considered. From the model
        #: file unless given.
        self.prune = float(model.meta.get("prune", 8.0)) if prune is None else prune
        #: Nats subtracted from the O label's score before decoding: > 0 finds more
        #: (and less certain) entities. Reported scores stay those of the unbiased model.
        self.recall_bias = recall_bias
        #: Compute scores only for tokens that can carry an entity (capitalised and not
        #: in ``skip_words``, or in a gazetteer); on social posts ~80% of tokens are
        #: skipped. False = every token (training evaluates that way).
        self.candidates_only = True
        # Frequent lower-case words of the training text ("will", "the", "und") are
        # never decoded on their own unless a name list has them (model meta).
        common = frozenset(model.meta.get("skip_lower", ()))
        for lm in self._langs.values():
            lm.skip_words = frozenset(skip_words) | common
        self.set_recall_bias(recall_bias)

    def set_recall_bias(self, recall_bias: float | Mapping[str, float]) -> None:
        """Change the operating point (nats subtracted from O; see ``recall_bias``),
        for every language or per language code (missing codes: 0)."""
        self.recall_bias = recall_bias
        for code, lm in self._langs.items():
            bias = (
                float(recall_bias.get(code, 0.0))
                if isinstance(recall_bias, Mapping)
                else float(recall_bias)
            )
            # Pruning compares with the (unbiased) O emission: a label survives when it
            # trails O by less than the margin plus the bias.
            lm.prune_raw = (self.prune + max(bias, 0.0)) / lm.model.scale
            lm.o_penalty_raw = pen = bias / lm.model.scale
            o = self._outside
            lm.vtrans = [[v - pen if j == o else v for j, v in enumerate(row)] for row in lm.trans]
            lm.vstart = [v - pen if j == o else v for j, v in enumerate(lm.model.start)]

    def __repr__(self) -> str:
        return f"Tagger(languages={sorted(self._langs)})"

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._langs))

    def _lang(self, lang: str) -> _Lang:
        code = (lang or "").lower()[:2]
        if code in self._langs:
            return self._langs[code]
        return self._langs["en"] if "en" in self._langs else next(iter(self._langs.values()))

    def tag(self, text: str, lang: str) -> list[Entity]:
        """Return ``(start, end, label, score)`` for each entity, offsets into ``text``.

        ``lang`` is an ISO code ("de", "en", "de-AT" ...); other languages fall back to
        the English model.
        """
        toks = tokens_of(text)
        if not toks:
            return []
        lm = self._lang(lang)
        emis = self._emissions(lm, toks, candidates_only=self.candidates_only)
        if not any(emis):
            return []  # no capitalised word and no gazetteer word: nothing to decode
        best = self._viterbi(lm, emis)
        if best is None:
            return []
        return self._entities(lm, emis, best, tokenize(text))  # offsets only when needed

    def _emissions(
        self, lm: _Lang, toks: list[str], *, candidates_only: bool = False
    ) -> list[list[float]]:
        """Per-token label scores. With ``candidates_only`` a token that cannot start or
        continue an entity (lower-case, digits, punctuation, handles, URLs — unless it is
        a gazetteer word) gets an empty row, which decoding treats as fixed to O: its
        features still count for its neighbours, but its own sum is never computed."""
        info = lm.info
        entry = lm.entry
        pairs = lm.pair
        pair_cache = lm.pairs
        v_m2, v_m1, v_0, v_p1, v_p2 = lm.vecs
        vec = lm.vec
        padded = [BOS, BOS, *toks, EOS, EOS]
        rows = [info.get(t) or entry(t) for t in padded]
        out: list[list[float]] = []
        empty: list[float] = []
        for i in range(2, len(padded) - 2):
            level = rows[i][2]
            if (
                candidates_only
                and level != _STRONG
                and (level == _NONE or (rows[i - 1][2] != _STRONG and rows[i + 1][2] != _STRONG))
            ):
                out.append(empty)
                continue
            lp, sp, _ = rows[i - 1]
            ln, sn, _ = rows[i + 1]
            sc = rows[i][1]
            # Same keys as features.pair_features, inlined for speed (a test checks both).
            k1 = f"pw|{lp}|{sc}"
            k2 = f"nw|{sc}|{ln}"
            k3 = f"ss|{sp}|{sc}|{sn}"
            t2, t1, t0, n1, n2 = padded[i - 2 : i + 3]
            out.append(
                [
                    a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8
                    for a1, a2, a3, a4, a5, a6, a7, a8 in zip(
                        v_m2.get(t2) or vec(0, t2),
                        v_m1.get(t1) or vec(1, t1),
                        v_0.get(t0) or vec(2, t0),
                        v_p1.get(n1) or vec(3, n1),
                        v_p2.get(n2) or vec(4, n2),
                        pair_cache.get(k1) or pairs(k1),
                        pair_cache.get(k2) or pairs(k2),
                        pair_cache.get(k3) or pairs(k3),
                        strict=True,
                    )
                ]
            )
        return out

    def _viterbi(self, lm: _Lang, emis: list[list[float]]) -> list[int] | None:
        """Best label path, or None when every token is confidently O.

        Beam pruning: a label whose emission trails O's by more than the pruning margin
        is not considered; O always stays, so a valid BIO path always exists. Tokens
        left with O alone split the sentence into independent segments; the dynamic
        programme runs only inside those, over the surviving labels. On typical posts
        60-70% of tokens are fixed to O.
        """
        o = self._outside
        prune = lm.prune_raw
        labels = range(lm.n)
        segments: list[tuple[int, int]] = []
        cands: dict[int, list[int]] = {}
        open_at = last_open = -1
        for i, r in enumerate(emis):
            if not r:
                continue  # fixed to O (not a candidate token)
            floor = r[o] - prune
            keep = [k for k in labels if k == o or r[k] >= floor]
            if len(keep) == 1:
                continue
            cands[i] = keep
            if open_at >= 0 and i == last_open + 1:
                last_open = i
                continue
            if open_at >= 0:
                segments.append((open_at, last_open + 1))
            open_at = last_open = i
        if open_at >= 0:
            segments.append((open_at, last_open + 1))
        if not segments:
            return None
        path = [o] * len(emis)
        trans = lm.vtrans
        for begin, end in segments:
            first = emis[begin]
            entry = lm.vstart if begin == 0 else trans[o]
            prev = cands[begin]
            score = {k: entry[k] + first[k] for k in prev}
            back: list[dict[int, int]] = []
            for i in range(begin + 1, end):
                row = emis[i]
                new: dict[int, float] = {}
                ptr: dict[int, int] = {}
                for j in cands[i]:
                    best_k = o
                    best_v = score[o] + trans[o][j]
                    for k, sk in score.items():
                        v = sk + trans[k][j]
                        if v > best_v:
                            best_v, best_k = v, k
                    new[j] = best_v + row[j]
                    ptr[j] = best_k
                score = new
                back.append(ptr)
            if end < len(emis):  # the next token is fixed to O
                score = {k: v + trans[k][o] for k, v in score.items()}
            last = max(score, key=score.__getitem__)
            path[end - 1] = last
            for i in range(end - 2, begin - 1, -1):
                last = back[i - begin][last]
                path[i] = last
        return path

    def _entities(
        self, lm: _Lang, emis: list[list[float]], path: list[int], spans: list[tuple[int, int]]
    ) -> list[Entity]:
        o = self._outside
        labels = self._labels
        scale = lm.model.scale
        out: list[Entity] = []
        cur: list = []  # [start, end, type, min_prob]
        for i, y in enumerate(path):
            if y == o:
                if cur:
                    out.append((cur[0], cur[1], cur[2], round(cur[3], 4)))
                    cur = []
                continue
            prev = lm.model.start if i == 0 else lm.trans[path[i - 1]]
            logits = [scale * (e + t) for e, t in zip(emis[i], prev, strict=True)]
            top = max(logits)
            z = sum(math.exp(v - top) for v in logits if v > top - 50.0)
            prob = math.exp(logits[y] - top) / z
            typ = self._types[y]
            begins = labels[y].startswith("B-") or not cur or cur[2] != typ
            if begins:
                if cur:
                    out.append((cur[0], cur[1], cur[2], round(cur[3], 4)))
                cur = [spans[i][0], spans[i][1], typ, prob]
            else:
                cur[1] = spans[i][1]
                cur[3] = min(cur[3], prob)
        if cur:
            out.append((cur[0], cur[1], cur[2], round(cur[3], 4)))
        return out


def default_model_path() -> Path:
    """Where the shipped model lives (package data next to this module)."""
    return Path(__file__).with_name("model.bin.gz")


def load_tagger(
    path: Path | None = None,
    *,
    recall_bias: float = 0.0,
    skip_words: frozenset[str] = frozenset(),
) -> Tagger:
    """Load the shipped model (or ``path``) and return a ready :class:`Tagger`.

    ``recall_bias`` (nats, default 0) trades precision for recall — a scrubber may
    prefer to over-redact; see ``docs/ner.md`` for measured effects. Each call reads the
    file again; build the tagger once and pass it around. ``skip_words`` (lower-case
    common words, e.g. capitalised German nouns) are never tagged unless a gazetteer
    lists them — a speed-up that the scrubber uses with its common-word lexicon.
    """
    return Tagger(
        read_model(path or default_model_path()), recall_bias=recall_bias, skip_words=skip_words
    )
