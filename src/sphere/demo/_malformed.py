"""Deliberately broken lines, so a demo run shows the quarantine at work.

Each JSONL file gets the same three kinds, at seeded positions among the good lines:
``broken_json`` (a truncated line), ``missing_field`` (a required field is absent) and
``naive_timestamp`` (a time without a zone, which Sphere refuses rather than guesses).
The manifest lists the counts per kind, so a test can assert the quarantine exactly.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from sphere.demo._wire import FileStats, dumps

PER_KIND = 2


def malformed_lines(
    rng: random.Random,
    make: Callable[[int], dict[str, Any]],
    *,
    required: str,
    time_field: str,
    naive: Callable[[float], str],
    ts: float,
) -> list[tuple[str, str]]:
    """``make(i)`` builds a valid record; this breaks copies of it in the three ways."""
    out: list[tuple[str, str]] = []
    for i in range(PER_KIND):
        good = dumps(make(i))
        out.append(("broken_json", good[: max(5, len(good) // 2)]))
        missing = make(100 + i)
        _drop(missing, required)
        out.append(("missing_field", dumps(missing)))
        stamped = make(200 + i)
        _set(stamped, time_field, naive(ts + i * 3600))
        out.append(("naive_timestamp", dumps(stamped)))
    rng.shuffle(out)
    return out


def _walk(record: dict[str, Any], dotted: str) -> tuple[dict[str, Any], str]:
    """Follow ``a.0.b``-style paths (digits index lists) to the parent of the last key."""
    *path, last = dotted.split(".")
    node: Any = record
    for key in path:
        node = node[int(key)] if key.isdigit() else node[key]
    return node, last


def _drop(record: dict[str, Any], dotted: str) -> None:
    node, last = _walk(record, dotted)
    del node[last]


def _set(record: dict[str, Any], dotted: str, value: str) -> None:
    node, last = _walk(record, dotted)
    node[last] = value


def interleave(
    good: Iterator[str],
    bad: list[tuple[str, str]],
    rng: random.Random,
    *,
    expected_lines: int,
    stats: FileStats,
) -> Iterator[str]:
    """Yield ``good`` with the ``bad`` lines spread over it; counts go into ``stats``."""
    span = max(expected_lines, len(bad) + 1)
    positions = sorted(rng.sample(range(1, span), len(bad)))
    pending = list(zip(positions, bad, strict=True))
    for n, line in enumerate(good):
        while pending and pending[0][0] <= n:
            yield _bad(pending.pop(0)[1], stats)
        yield line
    for _, item in pending:
        yield _bad(item, stats)


def _bad(item: tuple[str, str], stats: FileStats) -> str:
    kind, line = item
    stats.malformed[kind] = stats.malformed.get(kind, 0) + 1
    return line
