from __future__ import annotations

import pytest

from sphere.pii.analyzer import Analyzer, build_analyzer


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    # without the statistical tagger: these tests pin the rule-based behaviour
    return build_analyzer(use_ner=False)
