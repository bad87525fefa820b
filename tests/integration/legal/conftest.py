"""Issue 13 (legal correctness): a runtime on a migrated database (SQLite and PostgreSQL),
the fictional customer Lena from the rights scenario (CRM with newsletter tick, Mastodon
posts), a loopback SMTP server and an approved newsletter measure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sphere.domain import FrozenClock
from sphere.marketing.campaigns import create_campaign
from sphere.marketing.measures import approve, submit
from sphere.marketing.transport.smtp import SmtpTransport
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.marketing import MarketingRepository
from tests.integration.marketing.conftest import NOW
from tests.integration.rights.scenario import Customer, seed_customer
from tests.runtimes import SOURCES, runtime_for_tests
from tests.smtp import Inbox, loopback_smtp

NEWSLETTER = {
    "name": "spring newsletter",
    "kind": "campaign",
    "purpose": "direct_marketing",
    "channel": "email",
    "data_items": [
        {
            "category": "contact_data",
            "collection": "manual",
            "visibility": "company_direct",
            "addressing": "direct",
            "label": "e-mail address",
        }
    ],
}
OFFER = {"subject": "Frühlingsangebot", "body": "20 % auf das Tele 70-200 bis Ende Juni."}


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    sources = (*SOURCES[:2], ("web", "web", "official_api"))
    with runtime_for_tests(settings, migrated_db_url, sources=sources, clock=FrozenClock(NOW)) as r:
        yield r


@pytest.fixture
def lena(rt: Runtime, tmp_path: Path) -> Customer:
    return seed_customer(rt, tmp_path)


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpTransport, Inbox]]:
    with loopback_smtp() as (inbox, port):
        yield SmtpTransport("127.0.0.1", port, sender="angebote@example.com"), inbox


def newsletter_campaign(rt: Runtime, name: str = "tele", spec: dict | None = None) -> None:
    """A campaign under the newsletter measure (submitted and approved the first time)."""
    spec = spec or NEWSLETTER
    with rt.session() as session:
        if MarketingRepository(session).find_measure(spec["name"]) is None:
            record, _ = submit(session, rt.keyring, rt.policy(), spec, actor="mkt", now=NOW)
            if record.state == "submitted":
                approve(session, rt.policy(), record.name, actor="dpo", reason="checked", now=NOW)
        create_campaign(
            session,
            # people whose Art. 14 information is due are reached with it (Art. 14(3)(b))
            {"name": name, "measure": spec["name"], "offer": OFFER, "art14": "attach"},
            actor="mkt",
            now=NOW,
        )
