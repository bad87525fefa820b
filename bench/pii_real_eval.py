"""The scrubber on real, human-annotated posts: P/R/F1 and leak rate per language and label.

    .venv/bin/python bench/pii_real_eval.py                   # dev and held-out, ~1 min
    .venv/bin/python bench/pii_real_eval.py --split heldout --json out.json

Data: ``../shared/data/ner`` (or ``$SPHERE_NER_DATA``), split by
``sphere.pii.eval.realtext`` into train / dev / held-out (the table is in that module
and in docs/pii-evaluation.md). The analyzer is the one ``sphere scrub`` builds
(``build_analyzer()``, all recognizers, the shipped tagger), given each record's
language. Prints one Markdown table per split, the analyzer's CPU time per post, and
with ``--errors N`` a sample of leaked PERSON spans (for reading dev errors only: the
held-out split has no ``--errors``, so nobody tunes on it by accident).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def default_data() -> Path:
    """``$SPHERE_NER_DATA``, else ``shared/data/ner`` beside the nearest ancestor folder
    (``/work/main`` → ``/work/shared``; a worktree ``/work/wt/x`` finds it too)."""
    env = os.environ.get("SPHERE_NER_DATA")
    if env:
        return Path(env)
    for parent in REPO.parents:
        candidate = parent / "shared" / "data" / "ner"
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "data" / "ner"


def main(argv: list[str] | None = None) -> int:
    from sphere.pii.analyzer import build_analyzer
    from sphere.pii.eval.realtext import (
        DEV,
        HELDOUT,
        SCORED_LABELS,
        format_report,
        is_handle,
        load_split,
        score,
    )

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=default_data())
    ap.add_argument("--split", choices=[DEV, HELDOUT, "both"], default="both")
    ap.add_argument("--no-ner", action="store_true")
    ap.add_argument("--model", type=Path, default=None, help="another NER model file")
    ap.add_argument("--recall-bias", type=float, default=None, help="default: the model's")
    ap.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    ap.add_argument("--errors", type=int, default=0, help="print N leaked dev PERSON spans")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if not args.data.is_dir():
        print(f"no data at {args.data} (set SPHERE_NER_DATA)", file=sys.stderr)
        return 2

    t0 = time.process_time()
    analyzer = build_analyzer(
        use_ner=not args.no_ner, ner_model=args.model, recall_bias=args.recall_bias
    )
    analyzer.analyze("Warm-up mit Anna aus Berlin", lang="de")
    analyzer.analyze("Warm-up with Anna from Boston", lang="en")
    print(f"analyzer built in {time.process_time() - t0:.2f} CPU s (use_ner={not args.no_ner})")
    splits = [DEV, HELDOUT] if args.split == "both" else [args.split]
    out: dict[str, object] = {}
    for split in splits:
        records = load_split(args.data, split)
        t0 = time.process_time()
        preds = [
            [(s.start, s.end, s.type) for s in analyzer.analyze(r.text, lang=r.lang)]
            for r in records
        ]
        cpu = time.process_time() - t0
        report = score(records, preds)
        groups = ["wnut17_dev", "btc_dev", "en", "germeval", "smartdata", "de"]
        print(f"\n## {split}: {len(records)} records ({dict(report.posts)})")
        print(
            f"analyzer: {cpu:.2f} CPU s, {len(records) / cpu:.0f} records/CPU-s, "
            f"avg {sum(len(r.text) for r in records) / len(records):.0f} chars"
        )
        print(format_report(report, groups))
        out[split] = {
            "records": len(records),
            "records_per_cpu_s": round(len(records) / cpu, 1),
            "scores": {
                f"{g}/{lab}": {
                    "gold": sc.gold,
                    "p": round(sc.precision, 4),
                    "r": round(sc.recall, 4),
                    "f1": round(sc.f1, 4),
                    "p_overlap": round(sc.overlap_precision, 4),
                    "r_overlap": round(sc.overlap_recall, 4),
                    "f1_overlap": round(sc.overlap_f1, 4),
                    "leak": round(sc.leak_rate, 4),
                    "missed": round(sc.miss_rate, 4),
                }
                for (g, lab), sc in sorted(report.scores.items())
            },
        }
        if split == DEV and args.errors:
            leaks = []
            for rec, pred in zip(records, preds, strict=True):
                for g in rec.spans:
                    if g.label not in SCORED_LABELS[:1] or is_handle(rec.text, g):
                        continue
                    if not all(
                        any(s <= i < e for s, e, _ in pred)
                        for i in range(g.start, g.end)
                        if rec.text[i].isalnum()
                    ):
                        leaks.append((rec.corpus, rec.text[g.start : g.end], rec.text[:160]))
            random.Random(1).shuffle(leaks)
            for corpus, surface, text in leaks[: args.errors]:
                print(f"  LEAK [{corpus}] {surface!r} in {text!r}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
