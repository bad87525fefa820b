"""One small scenario per test module run: generating it is the expensive part."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphere.demo import ScenarioManifest, ScenarioSize, generate_scenario

SMALL = ScenarioSize(contacts=300, posts=2500, web_events=400, mobile_events=200)


@pytest.fixture(scope="session")
def small_scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScenarioManifest]:
    out = tmp_path_factory.mktemp("scenario")
    return out, generate_scenario(out, size=SMALL, seed=7)
