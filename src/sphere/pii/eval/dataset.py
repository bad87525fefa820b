"""The evaluation set as a whole: which files, how many posts, and how to rebuild them.

Rebuild the committed files (deterministic for a given Faker version)::

    python -m sphere.pii.eval.dataset --out eval/pii

writes ``synthetic_de.jsonl`` and ``synthetic_en.jsonl`` (``SYNTHETIC_PER_LANGUAGE``
posts each, seed ``SEED``) and ``handwritten.jsonl`` (every hand-written post).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from sphere.pii.eval import handwritten_de, handwritten_en
from sphere.pii.eval.labels import LabelledPost, check_post, write_posts
from sphere.pii.eval.markup import parse_markup
from sphere.pii.eval.synthetic import generate

SEED = 2024
SYNTHETIC_PER_LANGUAGE = 1000


def handwritten_posts() -> list[LabelledPost]:
    """Every hand-written post, German first, with ids ``hw-de-NNN`` / ``hw-en-NNN``."""
    posts: list[LabelledPost] = []
    for lang, source in (("de", handwritten_de.POSTS), ("en", handwritten_en.POSTS)):
        for i, (marked, tags) in enumerate(source):
            text, spans = parse_markup(marked)
            posts.append(
                LabelledPost(
                    id=f"hw-{lang}-{i:03d}",
                    lang=lang,
                    text=text,
                    spans=spans,
                    source="handwritten",
                    tags=tags,
                )
            )
    return posts


def build_files(
    out: Path, *, seed: int = SEED, per_language: int = SYNTHETIC_PER_LANGUAGE
) -> dict[str, int]:
    """Write the three JSONL files into ``out``; return posts written per file name."""
    files = {
        "synthetic_de.jsonl": generate("de", per_language, seed=seed),
        "synthetic_en.jsonl": generate("en", per_language, seed=seed),
        "handwritten.jsonl": handwritten_posts(),
    }
    written: dict[str, int] = {}
    for name, posts in files.items():
        problems = [p for post in posts for p in check_post(post)]
        if problems:
            raise AssertionError("inconsistent labels: " + "; ".join(problems[:5]))
        written[name] = write_posts(out / name, posts)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild the labelled PII evaluation set.")
    parser.add_argument("--out", type=Path, default=Path("eval/pii"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--per-language", type=int, default=SYNTHETIC_PER_LANGUAGE)
    args = parser.parse_args(argv)
    written = build_files(args.out, seed=args.seed, per_language=args.per_language)
    for name, count in written.items():
        print(f"{args.out / name}: {count} posts")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
