"""The generated files through the real channel adapters: every well-formed record
parses, and exactly the deliberately malformed ones are refused (the quarantine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphere.channels import BadRecord, build_registry, read_records
from sphere.demo import ScenarioManifest

Scenario = tuple[Path, ScenarioManifest]


@pytest.mark.parametrize(
    "adapter", ["crm", "mastodon", "x", "facebook", "bluesky", "forum", "web", "mobile"]
)
def test_adapter_accepts_all_but_the_malformed(small_scenario: Scenario, adapter: str) -> None:
    out, manifest = small_scenario
    entry = manifest.file(adapter)
    parser = build_registry().get(adapter)
    observations = refused = 0
    for raw in read_records(out / entry.path, format=entry.format):  # type: ignore[arg-type]
        if raw.error:
            refused += 1
            continue
        assert raw.value is not None
        try:
            observations += len(parser.parse(raw.value, ref=f"{entry.path}:{raw.line}"))
        except BadRecord:
            refused += 1
    assert refused == entry.expected_quarantine
    assert observations == entry.records
