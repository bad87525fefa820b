"""Fixtures for the policy tests: the shipped default (compiled once) and a tiny policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphere.policy import Policy, default_policy, load_policy_text

MINIMAL_PATH = Path(__file__).parent / "data" / "minimal.yaml"


@pytest.fixture(scope="session")
def default() -> Policy:
    return default_policy()


@pytest.fixture(scope="session")
def minimal() -> Policy:
    return load_policy_text(MINIMAL_PATH.read_text(encoding="utf-8"), source="minimal.yaml")
