"""Real, human-annotated text for the scrubber: one split definition for training and scoring.

The corpora live outside the repository (``../shared/data/ner``, see its README; every
file is a train or dev split of a public corpus, the corpora's test splits are not
there). This module decides, once, which record serves which purpose, so that training
(``scripts/train_ner.py``) and evaluation (``bench/pii_real_eval.py``) can never drift:

* ``train`` — what the tagger learns from;
* ``dev`` — what operating points, thresholds and training options are chosen on;
* ``heldout`` — reported, never looked at while tuning.

| corpus | train | dev | heldout |
|---|---|---|---|
| WNUT-17 dev (YouTube comments, en) | — | blocks with bucket < 50 | bucket ≥ 50 |
| BTC dev (tweets, en) | — | bucket < 50 | bucket ≥ 50 |
| GermEval 2014 dev (Wikipedia/news, de), per document | bucket ≥ 40 | 20–39 | < 20 |
| SmartData (tweets/news/traffic, de), per document | bucket ≥ 40 | 20–39 | < 20 |
| WNUT-17 train, BTC train, wikigold, MobIE, Europeana, LER | all | — | — |

A bucket is ``sha1(key) mod 100``; the key is the document (GermEval ``doc_url``,
SmartData ``doc_id``) or, for the two English dev sets, a block of 10 consecutive
records (comments under one video, tweets of one stretch of time stay together, so a
name repeated in a thread does not sit on both sides). German held-out = the documents
the tagger shipped before this split already held out (bucket < 20).

Scoring (:func:`score`) is per language and label, on the scrubber's *output*:

* ``exact`` P/R/F1 — start, end and type equal;
* ``overlap`` P/R/F1 — same type, one shared character (each side counted on its own);
* **leak rate** — share of gold spans with at least one word character left in clear,
  whatever the type of the detections that cover the rest (redaction of the wrong type
  still hides the name); ``missed`` — gold spans no detection touches at all.

Single-token ``@handle`` spans (BTC labels handles as people, WNUT-17 does not) are
left out of the PERSON figures and reported on their own line: the handle recognizer
owns them. Labels other than PERSON and LOCATION are not scored (the scrubber does not
emit ORGANIZATION); a PERSON prediction on a gold ORGANIZATION counts as a false alarm.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TRAIN, DEV, HELDOUT = "train", "dev", "heldout"
SPLITS: tuple[str, ...] = (TRAIN, DEV, HELDOUT)
SCORED_LABELS: tuple[str, ...] = ("PERSON", "LOCATION")
HANDLE = "HANDLE"
_BLOCK = 10

#: Files and languages of the corpora used for dev/held-out (scored) text.
SCORED_FILES: dict[str, tuple[str, str]] = {
    "wnut17_dev": ("wnut17_dev.jsonl", "en"),
    "btc_dev": ("btc_dev.jsonl", "en"),
    "germeval": ("germeval2014_dev.jsonl", "de"),
    "smartdata": ("smartdata_de.jsonl", "de"),
}
#: Files used only for training.
TRAIN_FILES: dict[str, tuple[str, str]] = {
    "wnut17": ("wnut17_train.jsonl", "en"),
    "btc": ("btc_train.jsonl", "en"),
    "wikigold": ("wikigold_en.jsonl", "en"),
    "mobie": ("mobie_de.jsonl", "de"),
    "europeana": ("europeana_lft_de.jsonl", "de"),
    "ler": ("legal_ner_de.jsonl", "de"),
}


@dataclass(frozen=True, slots=True)
class GoldSpan:
    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class RealRecord:
    """One annotated sentence/post/document part; ``spans`` keep every source label."""

    id: str
    corpus: str
    lang: str
    text: str
    spans: tuple[GoldSpan, ...]
    split: str


def bucket(key: str) -> int:
    """Stable 0–99 bucket of ``key`` (independent of Python's hash seed)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def split_of(corpus: str, rec: dict[str, object], index: int) -> str:
    """Which split one record of a corpus belongs to (see the module table)."""
    if corpus in ("wnut17_dev", "btc_dev"):
        return DEV if bucket(f"{corpus}/{index // _BLOCK}") < 50 else HELDOUT
    if corpus in ("germeval", "smartdata"):
        key = str(rec.get("doc_url") or rec.get("doc_id") or rec["id"])
        b = bucket(key)
        return HELDOUT if b < 20 else DEV if b < 40 else TRAIN
    return TRAIN


def _read(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_corpus(data: Path, corpus: str) -> list[RealRecord]:
    """Every record of one corpus with its split."""
    name, lang = {**SCORED_FILES, **TRAIN_FILES}[corpus]
    out = []
    for i, rec in enumerate(_read(data / name)):
        spans = tuple(
            GoldSpan(int(s["start"]), int(s["end"]), str(s["label"]))  # type: ignore[index]
            for s in rec["spans"]  # type: ignore[attr-defined]
        )
        out.append(
            RealRecord(
                str(rec["id"]), corpus, lang, str(rec["text"]), spans, split_of(corpus, rec, i)
            )
        )
    return out


def load_split(data: Path, split: str, corpora: Iterable[str] | None = None) -> list[RealRecord]:
    """Records of ``split`` from the scored corpora (or ``corpora``)."""
    names = list(corpora) if corpora is not None else list(SCORED_FILES)
    return [r for c in names for r in load_corpus(data, c) if r.split == split]


def is_handle(text: str, span: GoldSpan) -> bool:
    surface = text[span.start : span.end]
    return surface.startswith("@") and " " not in surface


# ---------------------------------------------------------------- scoring


@dataclass
class LabelScore:
    """Counts for one (group, label); properties give the rates."""

    gold: int = 0
    pred: int = 0
    exact_tp: int = 0
    overlap_tp_pred: int = 0
    overlap_tp_gold: int = 0
    leaked: int = 0
    missed: int = 0

    def add(self, other: LabelScore) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def precision(self) -> float:
        return self.exact_tp / self.pred if self.pred else 1.0

    @property
    def recall(self) -> float:
        return self.exact_tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        return self._f1(self.precision, self.recall)

    @property
    def overlap_precision(self) -> float:
        return self.overlap_tp_pred / self.pred if self.pred else 1.0

    @property
    def overlap_recall(self) -> float:
        return self.overlap_tp_gold / self.gold if self.gold else 1.0

    @property
    def overlap_f1(self) -> float:
        return self._f1(self.overlap_precision, self.overlap_recall)

    @property
    def leak_rate(self) -> float:
        return self.leaked / self.gold if self.gold else 0.0

    @property
    def miss_rate(self) -> float:
        return self.missed / self.gold if self.gold else 0.0


@dataclass
class Report:
    """``scores[(group, label)]``; groups are corpus names, languages and ``all``."""

    scores: dict[tuple[str, str], LabelScore] = field(default_factory=dict)
    posts: Counter[str] = field(default_factory=Counter)

    def get(self, group: str, label: str) -> LabelScore:
        return self.scores.setdefault((group, label), LabelScore())


def _word_chars(text: str, start: int, end: int) -> list[int]:
    return [i for i in range(start, end) if text[i].isalnum()]


def score_record(
    text: str, gold: Sequence[GoldSpan], pred: Sequence[tuple[int, int, str]]
) -> dict[str, LabelScore]:
    """Counts for one record. ``pred`` are the scrubber's (start, end, type) spans."""
    out: dict[str, LabelScore] = {}
    covered = bytearray(len(text) + 1)
    for s, e, _ in pred:
        covered[s:e] = b"\x01" * (e - s)
    scored_gold = [g for g in gold if g.label in SCORED_LABELS]
    ignored = [g for g in scored_gold if g.label == "PERSON" and is_handle(text, g)]
    for g in scored_gold:
        label = HANDLE if g in ignored else g.label
        sc = out.setdefault(label, LabelScore())
        sc.gold += 1
        chars = _word_chars(text, g.start, g.end) or list(range(g.start, g.end))
        if not all(covered[i] for i in chars):
            sc.leaked += 1
        if not any(covered[i] for i in range(g.start, g.end)):
            sc.missed += 1
        if label == HANDLE:
            continue
        if any(t == g.label and s == g.start and e == g.end for s, e, t in pred):
            sc.exact_tp += 1
        if any(t == g.label and s < g.end and g.start < e for s, e, t in pred):
            sc.overlap_tp_gold += 1
    for s, e, t in pred:
        if t not in SCORED_LABELS:
            continue
        if any(g.start < e and s < g.end for g in ignored):
            continue  # a PERSON guess on a handle the gold calls PERSON: not scored
        sc = out.setdefault(t, LabelScore())
        sc.pred += 1
        if any(g.label == t and g.start < e and s < g.end for g in scored_gold):
            sc.overlap_tp_pred += 1
    return out


def score(
    records: Sequence[RealRecord], predictions: Sequence[Sequence[tuple[int, int, str]]]
) -> Report:
    """Aggregate per corpus, per language and ``all``."""
    report = Report()
    for rec, pred in zip(records, predictions, strict=True):
        report.posts[rec.corpus] += 1
        report.posts[rec.lang] += 1
        for label, sc in score_record(rec.text, rec.spans, pred).items():
            for group in (rec.corpus, rec.lang, "all"):
                report.get(group, label).add(sc)
    return report


def format_report(report: Report, groups: Sequence[str]) -> str:
    """A Markdown table: one row per group and label."""
    head = (
        "| data | label | gold | P | R | F1 | P ovl | R ovl | F1 ovl | leak | missed |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = [head]
    for group in groups:
        for label in (*SCORED_LABELS, HANDLE):
            sc = report.scores.get((group, label))
            if sc is None or not sc.gold:
                continue
            if label == HANDLE:
                rows.append(
                    f"| {group} | @handle as PERSON | {sc.gold} | | | | | | | "
                    f"{sc.leak_rate:.1%} | {sc.miss_rate:.1%} |"
                )
                continue
            rows.append(
                f"| {group} | {label} | {sc.gold} | {sc.precision:.3f} | {sc.recall:.3f} | "
                f"**{sc.f1:.3f}** | {sc.overlap_precision:.3f} | {sc.overlap_recall:.3f} | "
                f"{sc.overlap_f1:.3f} | **{sc.leak_rate:.1%}** | {sc.miss_rate:.1%} |"
            )
    return "\n".join(rows)
