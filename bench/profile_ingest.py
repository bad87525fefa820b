"""Profile the full ingestion pipeline (cProfile) on the benchmark corpus.

Run: python bench/profile_ingest.py [--posts 10000] [--crm 1000] [--backend sqlite|postgresql]
     [--top 40] [--out bench/out/profile.txt]
     python bench/profile_ingest.py --sampled RAW   # share per stage from a py-spy profile

cProfile counts every call, which inflates many small calls (an HTML tokeniser, SQLAlchemy
internals); a sampling profiler does not. For the sampled view run the same ingestion
under py-spy (``pip install py-spy``; ``--run-only`` ingests without cProfile):

    py-spy record -r 200 -f raw -o bench/out/pyspy.txt -- \
        .venv/bin/python bench/profile_ingest.py --run-only
    .venv/bin/python bench/profile_ingest.py --sampled bench/out/pyspy.txt

``--sampled`` counts the samples inside ``ingest_file`` of the Mastodon file (the CRM
import is left out) whose stack passes through each stage's function.

Same input and setup as ``bench_ingest.py`` (the corpus is generated once under
bench/out/), pinned to core 0; only ``ingest_file`` of the Mastodon file is profiled
(the CRM import before it is not), in process CPU time. Prints the share per pipeline
stage (cumulative time of the stage's entry function; stages nest, so the shares do not
add up to 100 %), then the top functions by own time and by cumulative time. The raw
``pstats`` file is written next to ``--out`` for snakeviz or ``python -m pstats``.
cProfile inflates the cost of many small calls; read the shares as proportions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from _bench_common import (
    CRM_SOURCE,
    MASTODON_SOURCE,
    bench_settings,
    register_sources,
    write_company_profile,
)
from bench_ingest import DEFAULT_PG_URL, OUT, create_pg_database, drop_pg_database, input_files
from sphere.pipeline.runner import ingest_file
from sphere.runtime import freeze_long_lived, open_runtime

# (label, file suffix, function name) — the entry points of the stages.
STAGES = (
    ("whole run (ingest_file)", "pipeline/runner.py", "ingest_file"),
    ("parse (adapter, HTML to text)", "channels/mastodon.py", "parse"),
    ("HTML to text", "channels/text.py", "html_to_text"),
    ("addressing", "channels/addressing.py", "classify"),
    ("identity link", "pipeline/link.py", "link"),
    ("PII detection", "pipeline/detect.py", "detect"),
    ("  analyzer", "pii/analyzer.py", "analyze"),
    ("  special categories", "pii/special.py", "detect_special_categories"),
    ("policy gate", "pipeline/gate.py", "gate"),
    ("minimise", "pipeline/detect.py", "minimise"),
    ("batch reads (prefetch)", "pipeline/process.py", "_prefetch"),
    ("encryption (AES-GCM)", "storage/crypto.py", "_seal"),
    ("  subject key load/create (one by one)", "storage/crypto.py", "_load_or_create"),
    ("  subject key (batch)", "storage/crypto.py", "_key"),
    ("audit entries (drafts)", "audit/chain.py", "_draft"),
    ("batch writes (flush_pending)", "pipeline/process.py", "flush_pending"),
    ("aggregates", "pipeline/counters.py", "flush"),
    ("platform deletions/edits", "pipeline/cascade.py", "delete_interaction"),
    ("SQL execution (all)", "sqlalchemy/engine/base.py", "_execute_context"),
)


# (label, a substring of the py-spy frame "function (file:line)") for --sampled.
SAMPLED = (
    ("parse (adapter incl. HTML to text)", "parse (sphere/channels/mastodon.py"),
    ("  HTML to text", "html_to_text (sphere/channels/text.py"),
    ("addressing", "classify (sphere/channels/addressing.py"),
    ("identity link", "link (sphere/pipeline/link.py"),
    ("PII analyzer", "analyze (sphere/pii/analyzer.py"),
    ("  NER tagger", "tag (sphere/pii/ner/tagger.py"),
    ("special categories", "detect_special_categories"),
    ("policy gate", "gate (sphere/pipeline/gate.py"),
    ("duplicate check (exists)", "InteractionRepository.exists ("),
    ("batch reads (prefetch)", "_prefetch (sphere/pipeline/process.py"),
    ("store a post (_store_post)", "_store_post (sphere/pipeline/process.py"),
    ("  encryption and subject keys", "encrypt_for (sphere/storage/crypto.py"),
    ("  encryption and subject keys (batch)", "SubjectKeyBatch.encrypt ("),
    ("  audit entries", "add (sphere/audit/chain.py"),
    ("batch writes (flush_pending)", "flush_pending (sphere/pipeline/process.py"),
    ("deletions and edits", "delete_interaction"),
    ("SQL execution (all)", "execute (sqlalchemy/engine/base.py"),
    ("commits and SAVEPOINT releases", "commit (sqlalchemy/orm/session.py"),
)


def sampled_table(path: Path) -> str:
    total = 0
    counts = dict.fromkeys((label for label, _ in SAMPLED), 0)
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, n = line.rpartition(" ")
        if "ingest_file" not in stack or "channels/crm.py" in stack or "import_contact" in stack:
            continue
        total += int(n)
        for label, pattern in SAMPLED:
            if pattern in stack:
                counts[label] += int(n)
    out = [f"samples inside ingest_file (Mastodon file): {total}", f"{'stage':<40}{'share':>7}"]
    out += [f"{label:<40}{n / max(total, 1):>7.1%}" for label, n in counts.items()]
    return "\n".join(out) + "\n"


def stage_table(stats: pstats.Stats) -> list[tuple[str, float, float]]:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = max(
        (ct for (_f, _l, name), (_cc, _nc, _tt, ct, _c) in raw.items() if name == "ingest_file"),
        default=1.0,
    )
    rows = []
    for label, suffix, name in STAGES:
        cum = sum(
            ct
            for (file, _line, fn), (_cc, _nc, _tt, ct, _c) in raw.items()
            if fn == name and file.endswith(suffix)
        )
        rows.append((label, cum, cum / total))
    return rows


def profile(
    url: str, posts: Path, crm: Path | None, *, enabled: bool = True
) -> tuple[pstats.Stats | None, int, int]:
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    with tempfile.TemporaryDirectory(prefix="sphere-profile-home-") as home_dir:
        home = Path(home_dir)
        write_company_profile(home)
        rt = open_runtime(bench_settings(home, url))
        try:
            register_sources(rt)
            ctx = rt.pipeline_context()
            freeze_long_lived(ctx)  # as `sphere ingest` does: model loaded, heap frozen
            if crm is not None:
                ingest_file(rt.factory, ctx, crm, source_name=CRM_SOURCE)
            event.listen(rt.engine, "before_cursor_execute", count)
            # CPU time, not wall time: the machine is shared, waiting is not cost.
            profiler = cProfile.Profile(time.process_time)
            if enabled:
                profiler.enable()
            summary = ingest_file(rt.factory, ctx, posts, source_name=MASTODON_SOURCE)
            profiler.disable()
        finally:
            rt.close()
    lines = summary.total() + summary.company_posts + summary.deletions
    return (pstats.Stats(profiler) if enabled else None), statements[0], lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--crm", type=int, default=1_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("SPHERE_TEST_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", type=Path, default=OUT / "profile.txt")
    parser.add_argument("--run-only", action="store_true", help="ingest without cProfile")
    parser.add_argument("--sampled", type=Path, help="py-spy raw output to summarise")
    args = parser.parse_args()
    if args.sampled:
        sys.stdout.write(sampled_table(args.sampled))
        return
    os.sched_setaffinity(0, {0})
    posts, crm, meta = input_files(args.posts, args.crm)
    enabled = not args.run_only
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sphere-profile-db-") as tmp:
            stats, statements, lines = profile(f"sqlite:///{tmp}/p.db", posts, crm, enabled=enabled)
    else:
        name, url = create_pg_database(args.pg_url)
        try:
            stats, statements, lines = profile(url, posts, crm, enabled=enabled)
        finally:
            drop_pg_database(args.pg_url, name)
    if stats is None:
        print(f"ingested {lines:,} lines with {statements:,} SQL statements")
        return
    buffer = io.StringIO()
    buffer.write(
        f"profile of ingest_file: {meta['lines']:,} lines, {args.backend}, CRM {args.crm}, "
        f"load average {os.getloadavg()[0]:.2f}\n"
        f"SQL statements: {statements:,} ({statements / max(lines, 1):.2f} per input line)\n\n"
    )
    buffer.write(f"{'stage':<34}{'cum s':>9}{'share':>8}\n")
    for label, cum, share in stage_table(stats):
        buffer.write(f"{label:<34}{cum:>9.2f}{share:>8.1%}\n")
    for key in ("tottime", "cumulative"):
        buffer.write(f"\n--- top {args.top} by {key} ---\n")
        stats.stream = buffer  # type: ignore[attr-defined]
        stats.sort_stats(key).print_stats(args.top)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(buffer.getvalue(), encoding="utf-8")
    stats.dump_stats(args.out.with_suffix(".pstats"))
    sys.stdout.write(buffer.getvalue())


if __name__ == "__main__":
    main()
