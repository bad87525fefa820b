"""Build ``src/sphere/analytics/resources/frequent_words.txt.gz``: the lower-case words
frequent in German and English posts, used by the re-identification check to tell rare
(searchable) words from common ones.

Source: the training split of the NER corpora (``../shared/data/ner``, CC BY 4.0, see
docs/data-attribution.md) — only word counts are kept, no text — plus the scrubber's
common-word lexicon. A word counts as frequent when it occurs at least ``--min-count``
times outside a gold entity span (case folded).

    .venv/bin/python scripts/build_frequent_words.py
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sphere.pii.eval.realtext import TRAIN, TRAIN_FILES, load_corpus  # noqa: E402
from sphere.pii.lexicon import Lexicons  # noqa: E402

OUT = ROOT / "src" / "sphere" / "analytics" / "resources" / "frequent_words.txt.gz"
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _data() -> Path:
    for parent in ROOT.parents:
        if (parent / "shared" / "data" / "ner").is_dir():
            return parent / "shared" / "data" / "ner"
    return ROOT.parent / "shared" / "data" / "ner"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=_data())
    ap.add_argument("--min-count", type=int, default=3)
    args = ap.parse_args(argv)
    counts: Counter[str] = Counter()
    for corpus in [*TRAIN_FILES, "germeval", "smartdata"]:
        for rec in load_corpus(args.data, corpus):
            if rec.split != TRAIN:
                continue
            for m in _WORD.finditer(rec.text):
                # every word outside a gold entity, case folded (German nouns are
                # capitalised); names and places inside gold spans never count
                if not any(s.start <= m.start() < s.end for s in rec.spans):
                    counts[m.group().lower()] += 1
    words = {w for w, n in counts.items() if n >= args.min_count}
    words |= set(Lexicons().common_words)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(gzip.compress("\n".join(sorted(words)).encode("utf-8"), mtime=0))
    print(f"wrote {OUT} ({len(words)} words)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
