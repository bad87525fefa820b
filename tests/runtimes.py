"""A Runtime on a migrated test database with the company profile and sources set up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sphere.domain import FrozenClock
from sphere.governance.sources import add_source
from sphere.runtime import Runtime, open_runtime
from sphere.settings import Settings
from tests.factories import COMPANY_YAML

SOURCES = (
    ("masto", "mastodon", "official_api"),
    ("crm", "crm", "export"),
    ("scraped", "mastodon", "scraper"),
)


@contextmanager
def runtime_for_tests(
    settings: Settings,
    db_url: str,
    *,
    sources: tuple[tuple[str, str, str], ...] = SOURCES,
    clock: FrozenClock | None = None,
    batch_size: int = 5,
) -> Iterator[Runtime]:
    settings = settings.model_copy(update={"database_url": db_url, "batch_size": batch_size})
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "company.yaml").write_text(COMPANY_YAML, encoding="utf-8")
    runtime = open_runtime(settings, clock=clock or FrozenClock())
    with runtime.session() as session:
        for name, channel, collection in sources:
            add_source(
                session,
                name,
                channel=channel,
                collection=collection,
                actor="test",
                at=runtime.clock.now(),
            )
    try:
        yield runtime
    finally:
        runtime.close()
