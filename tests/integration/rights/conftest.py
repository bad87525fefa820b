from __future__ import annotations

from collections.abc import Iterator

import pytest

from sphere.domain import FrozenClock
from sphere.governance.sources import add_source
from sphere.runtime import Runtime, open_runtime
from sphere.settings import Settings
from tests.factories import COMPANY_YAML


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    settings = settings.model_copy(update={"database_url": migrated_db_url, "batch_size": 5})
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "company.yaml").write_text(COMPANY_YAML, encoding="utf-8")
    runtime = open_runtime(settings, clock=FrozenClock())
    with runtime.session() as session:
        for name, channel, collection in (
            ("masto", "mastodon", "official_api"),
            ("crm", "crm", "export"),
        ):
            add_source(
                session,
                name,
                channel=channel,
                collection=collection,
                actor="test",
                at=runtime.clock.now(),
            )
    yield runtime
    runtime.close()
