"""Constant memory: ingestion streams its input, it does not load it.

A file ten times larger must not need meaningfully more memory. The resident set size
(``/proc/self/statm``) is sampled after every committed batch through the runner's
``progress`` hook; the process high-water mark (``ru_maxrss``) would be useless here,
because other tests in the same process may have raised it already. Both files go
through the real pipeline on SQLite, PII scrubbing on, as the demo generator spells
Mastodon Status entities. tracemalloc would be more precise, but it multiplies the
pipeline's run time; RSS sampling is free and still separates "streams" (a few MiB of
caches) from "loads" (the 10,000-post file is ~10 MiB as text, ~50 MiB parsed).
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from bench._bench_common import (
    MASTODON_SOURCE,
    bench_settings,
    register_sources,
    write_company_profile,
    write_mastodon_file,
)

from sphere.domain import FrozenClock
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.runner import ingest_file
from sphere.runtime import Runtime, open_runtime

SMALL, LARGE = 1_000, 10_000
MIB = 1 << 20
SLACK = 8 * MIB  # allocator noise, SQLAlchemy statement cache, company thread ids


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class _Peak:
    value: int = 0

    def sample(self, _line: int = 0) -> None:
        self.value = max(self.value, _rss())


def _ingest_peak(rt: Runtime, ctx: PipelineContext, path: Path, baseline: int) -> tuple[int, int]:
    """(peak RSS growth over ``baseline`` while ingesting, input records accounted for)."""
    peak = _Peak()
    summary = ingest_file(rt.factory, ctx, path, source_name=MASTODON_SOURCE, progress=peak.sample)
    peak.sample()
    return peak.value - baseline, summary.total() + summary.company_posts + summary.deletions


@pytest.mark.serial  # resident-set sampling: not beside other tests
def test_ten_times_the_input_needs_no_more_memory(tmp_path: Path) -> None:
    small = write_mastodon_file(tmp_path / "small", SMALL, seed=11)
    large = write_mastodon_file(tmp_path / "large", LARGE, seed=12)
    assert large.posts.stat().st_size > 9 * small.posts.stat().st_size

    home = tmp_path / "home"
    write_company_profile(home)
    settings = bench_settings(home, f"sqlite:///{(tmp_path / 'mem.db').as_posix()}", batch_size=200)
    rt = open_runtime(settings, clock=FrozenClock())
    try:
        register_sources(rt)
        ctx = rt.pipeline_context()
        ctx.analyzer.analyze("Warm-up: Lena Beispiel, +49 170 0000000", lang="de")
        gc.collect()
        baseline = _rss()
        small_growth, small_done = _ingest_peak(rt, ctx, small.posts, baseline)
        gc.collect()
        large_growth, large_done = _ingest_peak(rt, ctx, large.posts, baseline)
    finally:
        rt.close()

    assert small_done == small.lines
    assert large_done == large.lines
    assert large_growth < 1.5 * max(small_growth, 0) + SLACK, (
        f"peak RSS growth {large_growth / MIB:.1f} MiB for {LARGE} posts vs "
        f"{small_growth / MIB:.1f} MiB for {SMALL}: ingestion does not stream"
    )
