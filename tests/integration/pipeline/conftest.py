from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sphere.runtime import Runtime
from sphere.settings import Settings
from tests.factories import CRM_HEADER, crm_row
from tests.runtimes import runtime_for_tests


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    with runtime_for_tests(settings, migrated_db_url) as runtime:
        yield runtime


@pytest.fixture
def customer_csv(tmp_path: Path) -> Path:
    """One customer whose Mastodon account is on file, and one employee."""
    path = tmp_path / "crm.csv"
    path.write_text(
        CRM_HEADER
        + crm_row(
            "K-1001",
            "lena.beispiel@example.com",
            mastodon="lena_fotografie",
            mastodon_id="200000000000000001",
            newsletter="true",
        )
        + crm_row(
            "K-1002",
            "max.muster@example.org",
            mastodon="max_m",
            mastodon_id="200000000000000002",
            employee="true",
        ),
        encoding="utf-8",
    )
    return path
