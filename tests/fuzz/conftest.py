from __future__ import annotations

from collections.abc import Iterator

import pytest

from sphere.runtime import Runtime
from sphere.settings import Settings
from tests.runtimes import runtime_for_tests


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    with runtime_for_tests(settings, migrated_db_url, batch_size=7) as runtime:
        yield runtime
