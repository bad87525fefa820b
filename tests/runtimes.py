"""A Runtime on a migrated test database with the company profile and sources set up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sphere.domain import FrozenClock
from sphere.governance.dpia import held_purposes, record_dpia_approval
from sphere.governance.sources import add_source
from sphere.runtime import Runtime, open_runtime
from sphere.settings import Settings
from tests.factories import COMPANY_YAML

SOURCES = (
    ("masto", "mastodon", "official_api"),
    ("crm", "crm", "export"),
    ("scraped", "mastodon", "scraper"),
)


def approve_all_dpias(runtime: Runtime) -> None:
    """Record an approved DPIA for every purpose the policy requires one for (Art. 35(1)):
    the company of most tests did its DPIAs; tests of the hold start without them."""
    with runtime.session() as session:
        for purpose in held_purposes(session, runtime.policy()):
            record_dpia_approval(session, runtime.policy(), purpose.value,
                                 f"DPIA-TEST-{purpose.value}", actor="test",
                                 at=runtime.clock.now())  # fmt: skip


@contextmanager
def runtime_for_tests(
    settings: Settings,
    db_url: str,
    *,
    sources: tuple[tuple[str, str, str], ...] = SOURCES,
    clock: FrozenClock | None = None,
    batch_size: int = 5,
    approve_dpias: bool = True,
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
    if approve_dpias:
        approve_all_dpias(runtime)
    try:
        yield runtime
    finally:
        runtime.close()
