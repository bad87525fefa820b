"""Precision, recall and F1 of Sphere's PII analyzer on the labelled evaluation set.

    .venv/bin/python bench/pii_eval.py                 # all of eval/pii, both match rules
    .venv/bin/python bench/pii_eval.py --lang de --no-ner --detect-lang

Prints one table per language (de, en, all) for exact-span and overlap matching, an
"any type" overlap line (would redaction have covered the gold span?), false alarms on
the hand-written negative posts, and predicted types the gold vocabulary does not know.
The scoring rules are in ``sphere.pii.eval.metrics``; the data in docs/pii-evaluation.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from sphere.pii.eval.labels import ENTITY_TYPES, LabelledPost, LabelledSpan, load_posts
from sphere.pii.eval.metrics import ALL, EXACT, OVERLAP, Report, evaluate, format_table

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / "eval" / "pii"

Predictor = Callable[[LabelledPost], list[LabelledSpan]]


def sphere_predictor(*, use_ner: bool = True, detect_lang: bool = False) -> Predictor:
    """Build Sphere's analyzer once; return a function from post to predicted spans."""
    from sphere.pii.analyzer import build_analyzer

    analyzer = build_analyzer(use_ner=use_ner)

    def predict(post: LabelledPost) -> list[LabelledSpan]:
        spans = analyzer.analyze(post.text, lang=None if detect_lang else post.lang)
        return [LabelledSpan(s.start, s.end, s.type) for s in spans]

    return predict


def predict_all(
    posts: Sequence[LabelledPost], predict: Predictor
) -> tuple[list[list[LabelledSpan]], float]:
    """Predictions for every post and the seconds it took."""
    started = time.perf_counter()
    predictions = [predict(p) for p in posts]
    return predictions, time.perf_counter() - started


def reports_for(
    posts: Sequence[LabelledPost],
    predictions: Sequence[Sequence[LabelledSpan]],
    *,
    mode: str,
    score_types: set[str] | None = None,
    gold_map: Mapping[str, str] | None = None,
    any_type: bool = False,
) -> Report:
    """Score one system; ``gold_map`` renames gold types first (e.g. DOB → DATE_TIME)."""
    rename = gold_map or {}
    items = [
        (
            post.lang,
            [LabelledSpan(g.start, g.end, rename.get(g.type, g.type)) for g in post.spans],
            list(pred),
        )
        for post, pred in zip(posts, predictions, strict=True)
    ]
    return evaluate(items, mode=mode, score_types=score_types, any_type=any_type)


def negative_alarms(
    posts: Sequence[LabelledPost], predictions: Sequence[Sequence[LabelledSpan]]
) -> tuple[int, int]:
    """(posts tagged ``negative`` with any prediction, posts tagged ``negative``)."""
    flagged = total = 0
    for post, pred in zip(posts, predictions, strict=True):
        if "negative" in post.tags:
            total += 1
            flagged += bool(pred)
    return flagged, total


def print_tables(
    reports: Mapping[str, Mapping[str, Report]],
    *,
    langs: Sequence[str],
    types: Sequence[str] | None = None,
) -> None:
    """``reports[mode][system]``; one table per match mode and language."""
    for mode, by_system in reports.items():
        for lang in langs:
            print(f"\n== {mode} match, language: {lang} ==")
            print(format_table(by_system, lang=lang, types=types))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--lang", choices=["de", "en"], default=None)
    parser.add_argument("--source", choices=["synthetic", "handwritten"], default=None)
    parser.add_argument("--no-ner", action="store_true", help="build_analyzer(use_ner=False)")
    parser.add_argument("--detect-lang", action="store_true", help="pass lang=None (auto-detect)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    posts = [
        p
        for p in load_posts(args.data, lang=args.lang)
        if args.source is None or p.source == args.source
    ]
    print(
        f"eval set: {len(posts)} posts from {args.data} "
        f"(de={sum(p.lang == 'de' for p in posts)}, en={sum(p.lang == 'en' for p in posts)}, "
        f"handwritten={sum(p.source == 'handwritten' for p in posts)})"
    )
    started = time.perf_counter()
    predict = sphere_predictor(use_ner=not args.no_ner, detect_lang=args.detect_lang)
    print(
        f"analyzer built in {time.perf_counter() - started:.2f}s "
        f"(use_ner={not args.no_ner}, lang={'auto' if args.detect_lang else 'given'})"
    )
    predictions, seconds = predict_all(posts, predict)
    print(f"analyzed in {seconds:.2f}s ({len(posts) / seconds:.0f} posts/s, in-process)")

    langs = [args.lang] if args.lang else ["de", "en", ALL]
    reports = {
        mode: {"Sphere": reports_for(posts, predictions, mode=mode, score_types=set(ENTITY_TYPES))}
        for mode in (EXACT, OVERLAP)
    }
    print_tables(reports, langs=langs)
    any_type = reports_for(posts, predictions, mode=OVERLAP, any_type=True)
    for lang in langs:
        c = any_type.get(lang, ALL)
        print(f"\nany-type overlap ({lang}): P={c.precision:.3f} R={c.recall:.3f} F1={c.f1:.3f}")
    flagged, total = negative_alarms(posts, predictions)
    print(f"negative posts with any detection: {flagged}/{total}")
    unscored = reports[EXACT]["Sphere"].unscored
    if unscored:
        print(f"predicted types outside the gold vocabulary: {dict(sorted(unscored.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
