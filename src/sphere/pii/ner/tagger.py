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
from pathlib import Path

from sphere.pii.ner.features import BOS, EOS, POSITIONS, shape, token_features
from sphere.pii.ner.model_file import LanguageModel, ModelFile, read_model
from sphere.pii.ner.tokenize import tokenize

#: Entity type names used in the model file mapped to the names callers see.
_TYPES = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"}
_CACHE_LIMIT = 200_000

Entity = tuple[int, int, str, float]


class _Lang:
    """Runtime view of one language model plus its token cache."""

    def __init__(self, model: LanguageModel, n_labels: int) -> None:
        self.model = model
        self.n = n_labels
        self.cache: dict[str, tuple[tuple[list[float], ...], str, str]] = {}
        self.pairs: dict[str, list[float]] = {}
        self.zero = [0.0] * n_labels
        trans = [list(row) for row in model.transitions]
        self.trans = trans
        # Beam pruning margin in raw score units (the tagger's margin is in nats).
        self.prune_raw = 0.0
        self.o_penalty_raw = 0.0

    def entry(self, tok: str) -> tuple[tuple[list[float], ...], str, str]:
        hit = self.cache.get(tok)
        if hit is not None:
            return hit
        model, n = self.model, self.n
        index, weights, step = model.index, model.weights, model.step
        feats = token_features(tok, model.gazetteers)
        vectors = []
        zero = self.zero
        for pos in POSITIONS:
            prefix = str(pos)
            rows = [
                weights[base : base + n]
                for base in (index.get(prefix + f) for f in feats[pos])
                if base is not None
            ]
            vectors.append([sum(col) * step for col in zip(*rows, strict=True)] if rows else zero)
        low = tok.lower() if tok not in (BOS, EOS) else tok
        hit = (tuple(vectors), low, shape(tok))
        if len(self.cache) >= _CACHE_LIMIT:
            self.cache.clear()
        self.cache[tok] = hit
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
        self, model: ModelFile, prune: float | None = None, recall_bias: float = 0.0
    ) -> None:
        self._labels = model.labels
        self._langs = {code: _Lang(lm, len(model.labels)) for code, lm in model.languages.items()}
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
        for lm in self._langs.values():
            lm.prune_raw = (self.prune + max(recall_bias, 0.0)) / lm.model.scale
            lm.o_penalty_raw = recall_bias / lm.model.scale

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
        spans = tokenize(text)
        if not spans:
            return []
        lm = self._lang(lang)
        toks = [text[s:e] for s, e in spans]
        emis = self._emissions(lm, toks)
        if lm.o_penalty_raw:
            o, pen = self._outside, lm.o_penalty_raw
            biased = [r[:o] + [r[o] - pen] + r[o + 1 :] for r in emis]
            best = self._viterbi(lm, biased)
        else:
            best = self._viterbi(lm, emis)
        if best is None:
            return []
        return self._entities(lm, emis, best, spans)

    def _emissions(self, lm: _Lang, toks: list[str]) -> list[list[float]]:
        cache = lm.cache
        entry = lm.entry
        pairs = lm.pairs
        pair = lm.pair
        bos, eos = entry(BOS), entry(EOS)
        rows = [bos, bos]
        for t in toks:
            hit = cache.get(t)
            rows.append(hit if hit is not None else entry(t))
        rows.append(eos)
        rows.append(eos)
        out = []
        for i in range(2, len(rows) - 2):
            _, lp, sp = rows[i - 1]
            _, ln, sn = rows[i + 1]
            sc = rows[i][2]
            # Same keys as features.pair_features, inlined for speed (a test checks both).
            k1 = f"pw|{lp}|{sc}"
            k2 = f"nw|{sc}|{ln}"
            k3 = f"ss|{sp}|{sc}|{sn}"
            f = pairs.get(k1) or pair(k1)
            g = pairs.get(k2) or pair(k2)
            h = pairs.get(k3) or pair(k3)
            out.append(
                [
                    v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8
                    for v1, v2, v3, v4, v5, v6, v7, v8 in zip(
                        rows[i - 2][0][0],
                        rows[i - 1][0][1],
                        rows[i][0][2],
                        rows[i + 1][0][3],
                        rows[i + 2][0][4],
                        f,
                        g,
                        h,
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
        open_at = -1
        segments: list[tuple[int, int]] = []
        cands: list[list[int]] = []
        for i, r in enumerate(emis):
            floor = r[o] - prune
            keep = [k for k in labels if k == o or r[k] >= floor]
            cands.append(keep)
            if len(keep) == 1:
                if open_at >= 0:
                    segments.append((open_at, i))
                    open_at = -1
            elif open_at < 0:
                open_at = i
        if open_at >= 0:
            segments.append((open_at, len(emis)))
        if not segments:
            return None
        path = [o] * len(emis)
        trans = lm.trans
        for begin, end in segments:
            first = emis[begin]
            entry = lm.model.start if begin == 0 else trans[o]
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


def load_tagger(path: Path | None = None, *, recall_bias: float = 0.0) -> Tagger:
    """Load the shipped model (or ``path``) and return a ready :class:`Tagger`.

    ``recall_bias`` (nats, default 0) trades precision for recall — a scrubber may
    prefer to over-redact; see ``docs/ner.md`` for measured effects. Each call reads the
    file again; build the tagger once and pass it around.
    """
    return Tagger(read_model(path or default_model_path()), recall_bias=recall_bias)
