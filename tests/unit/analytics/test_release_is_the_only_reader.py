"""Issue 13, point 11: anonymous aggregate cells below k are never shown or exported as
they are. The counters (``aggregates``, ``listening_counts``) hold exact counts, also of
one; the release layer (``sphere.analytics.release``: noise, then a threshold ≥ k) is
the only way out. This test keeps it so: besides storage (tables, repositories) and the
pipeline that increments them, only the analytics package reads the counters, and the
transparency counts are read only by ``portal.figures``, which releases them."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src" / "sphere"
COUNTERS = re.compile(
    r"\b(AggregateRow|ListeningCountRow|AggregateRepository|ListeningRepository)\b"
)
ALLOWED = (
    "storage/",  # the tables, their repositories and the transparency counts' query
    "pipeline/process.py",  # increments the counters
    "pipeline/pending.py",  # writes the batch's buffered counters (split from process.py)
    "pipeline/counters.py",
    "analytics/",  # releases them
)


def _modules(pattern: re.Pattern[str]) -> set[str]:
    return {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    }


def test_only_the_release_layer_reads_the_anonymous_counters() -> None:
    readers = {m for m in _modules(COUNTERS) if not m.startswith(ALLOWED)}
    assert readers == set(), f"read the counters without the release layer: {sorted(readers)}"


def test_transparency_counts_are_released_before_they_are_shown() -> None:
    users = _modules(re.compile(r"\btransparency_counts\b")) - {"storage/repositories/oversight.py"}
    assert users == {"portal/figures.py"}
    figures = (SRC / "portal" / "figures.py").read_text(encoding="utf-8")
    assert "from sphere.analytics.release import" in figures
