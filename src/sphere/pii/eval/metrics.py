"""Precision, recall and F1 for span detection, per entity type and per language.

Two matching rules, both type-sensitive:

* ``exact``: a prediction counts only if start, end and type equal a gold span's.
  One-to-one by construction (gold spans never overlap).
* ``overlap``: a prediction is a true positive when it shares at least one character
  with a gold span of the same type; a gold span is found when at least one prediction
  of its type overlaps it. Precision and recall are counted on their own sides (the
  lenient "partial" rule of MUC-style scoring), so boundary disagreements — "Frau Weber"
  vs "Weber", a street address split into street and city — do not count as misses.

``any_type=True`` drops the type check: it answers "would redaction have covered it?".
Predictions whose type is in neither the gold vocabulary nor ``score_types`` are counted
as ``unscored`` instead of being silently dropped, so a reader can see them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sphere.pii.eval.labels import LabelledSpan

EXACT = "exact"
OVERLAP = "overlap"
MATCH_MODES: tuple[str, ...] = (EXACT, OVERLAP)
ALL = "ALL"


@dataclass(frozen=True, slots=True)
class Counts:
    """True positives on the prediction side and on the gold side, plus totals."""

    tp_pred: int = 0
    n_pred: int = 0
    tp_gold: int = 0
    n_gold: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.tp_pred + other.tp_pred,
            self.n_pred + other.n_pred,
            self.tp_gold + other.tp_gold,
            self.n_gold + other.n_gold,
        )

    @property
    def precision(self) -> float:
        """Share of predictions that were right; 1.0 when nothing was predicted."""
        return self.tp_pred / self.n_pred if self.n_pred else 1.0

    @property
    def recall(self) -> float:
        """Share of gold spans found; 1.0 when there was nothing to find."""
        return self.tp_gold / self.n_gold if self.n_gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _matches(pred: LabelledSpan, gold: LabelledSpan, mode: str, any_type: bool) -> bool:
    if not any_type and pred.type != gold.type:
        return False
    if mode == EXACT:
        return pred.start == gold.start and pred.end == gold.end
    if mode == OVERLAP:
        return pred.overlaps(gold)
    raise ValueError(f"unknown match mode {mode!r}")


def score_post(
    gold: Sequence[LabelledSpan],
    pred: Sequence[LabelledSpan],
    *,
    mode: str = EXACT,
    any_type: bool = False,
) -> dict[str, Counts]:
    """Counts per entity type for one post (key ``ALL`` when ``any_type``)."""
    if mode not in MATCH_MODES:
        raise ValueError(f"unknown match mode {mode!r}")
    if mode == EXACT:
        # Duplicate predictions of the same span count once on the gold side, twice on the
        # prediction side: dedupe so an analyzer that repeats itself is not rewarded or punished.
        pred = list(dict.fromkeys(pred))
    result: dict[str, Counts] = {}

    def add(key: str, counts: Counts) -> None:
        result[key] = result.get(key, Counts()) + counts

    for p in pred:
        hit = any(_matches(p, g, mode, any_type) for g in gold)
        add(ALL if any_type else p.type, Counts(tp_pred=int(hit), n_pred=1))
    for g in gold:
        found = any(_matches(p, g, mode, any_type) for p in pred)
        add(ALL if any_type else g.type, Counts(tp_gold=int(found), n_gold=1))
    return result


@dataclass(frozen=True, slots=True)
class Report:
    """Counts keyed by ``(language, entity type)``; language ``ALL`` sums the languages."""

    mode: str
    counts: Mapping[tuple[str, str], Counts]
    unscored: Mapping[str, int]

    def types(self) -> list[str]:
        return sorted({t for _, t in self.counts if t != ALL}) + (
            [ALL] if any(t == ALL for _, t in self.counts) else []
        )

    def get(self, lang: str, entity_type: str) -> Counts:
        return self.counts.get((lang, entity_type), Counts())


def evaluate(
    items: Iterable[tuple[str, Sequence[LabelledSpan], Sequence[LabelledSpan]]],
    *,
    mode: str = EXACT,
    score_types: Iterable[str] | None = None,
    any_type: bool = False,
) -> Report:
    """Score ``(lang, gold, predicted)`` triples.

    ``score_types`` restricts scoring to these entity types (gold and predictions of
    other types are left out; such predictions are tallied in ``Report.unscored``).
    With ``any_type`` the per-type rows collapse into one ``ALL`` row per language.
    """
    allowed = set(score_types) if score_types is not None else None
    totals: dict[tuple[str, str], Counts] = {}
    unscored: Counter[str] = Counter()
    for lang, gold, pred in items:
        if allowed is not None:
            unscored.update(p.type for p in pred if p.type not in allowed)
            gold = [g for g in gold if g.type in allowed]
            pred = [p for p in pred if p.type in allowed]
        per_type = score_post(gold, pred, mode=mode, any_type=any_type)
        post_all = Counts()
        for entity_type, counts in per_type.items():
            post_all = post_all + counts
            for key in ((lang, entity_type), (ALL, entity_type)):
                totals[key] = totals.get(key, Counts()) + counts
        if not any_type:
            for key in ((lang, ALL), (ALL, ALL)):
                totals[key] = totals.get(key, Counts()) + post_all
    return Report(mode=mode, counts=totals, unscored=dict(unscored))


def format_table(
    reports: Mapping[str, Report],
    *,
    lang: str = ALL,
    types: Sequence[str] | None = None,
) -> str:
    """A fixed-width table: one row per entity type, P/R/F1 and support per named report."""
    names = list(reports)
    first = reports[names[0]]
    rows = list(types) if types is not None else first.types()
    header = f"{'type':<20}{'gold':>6}"
    for name in names:
        header += f" | {name[:22]:^22}"
    sub = " " * 26
    for _ in names:
        sub += f" | {'P':>6}{'R':>7}{'F1':>7}  "
    lines = [header, sub, "-" * len(sub)]
    for entity_type in rows:
        gold = first.get(lang, entity_type).n_gold
        line = f"{entity_type:<20}{gold:>6}"
        for name in names:
            c = reports[name].get(lang, entity_type)
            line += f" | {c.precision:>6.3f}{c.recall:>7.3f}{c.f1:>7.3f}  "
        lines.append(line)
    return "\n".join(lines)
