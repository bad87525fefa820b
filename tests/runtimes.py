"""A Runtime on a migrated test database with the company profile and sources set up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy.orm import Session

from sphere.domain import FrozenClock
from sphere.domain.dpia import Risk
from sphere.governance.dpia import (
    DpiaChanges,
    change_dpia,
    held_purposes,
    open_dpia,
    record_opinion,
    sign_off,
)
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
    """A signed-off DPIA for every purpose the policy requires one for (Art. 35(1)):
    the company of most tests did its DPIAs; tests of the hold start without them."""
    with runtime.session() as session:
        for purpose in held_purposes(session, runtime.policy()):
            carry_out_dpia(session, runtime, purpose.value)


def carry_out_dpia(session: Session, runtime: Runtime, purpose: str, *,
                   risks: tuple[Risk, ...] | None = None) -> str:  # fmt: skip
    """Open, fill in, give the DPO's opinion and sign off; returns the reference."""
    at, policy = runtime.clock.now(), runtime.policy()
    dpia = open_dpia(session, policy, purpose, actor="admin:test", role="admin", at=at)
    risk = Risk("Verwechslung von Konten", 3, 3, "Nur bestätigte Konten.", 1, 3)
    changes = DpiaChanges(description="Test processing described.",
                          necessity="Necessary and proportionate.",
                          risks=risks if risks is not None else (risk,),
                          assessed_on=at.date(),
                          review_on=(at + timedelta(days=365)).date())  # fmt: skip
    change_dpia(session, dpia.reference, changes, actor="admin:test", role="admin", at=at)
    record_opinion(session, dpia.reference, "Vertretbar mit den Maßnahmen.", actor="dpo:test",
                   role="dpo", at=at)  # fmt: skip
    sign_off(session, policy, dpia.reference, actor="admin:test", role="admin", at=at)
    return dpia.reference


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
