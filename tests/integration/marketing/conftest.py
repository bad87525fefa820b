"""Fixtures for the marketing services: a runtime on a migrated database (SQLite and
PostgreSQL) with a frozen clock, and a small seeding helper for fictional contacts."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from sphere.consent.ledger import grant
from sphere.domain import (
    Addressing,
    Channel,
    FrozenClock,
    IdentityKind,
    ObservationKind,
    Purpose,
    SpecialCategory,
    Visibility,
)
from sphere.governance.sources import add_source
from sphere.runtime import Runtime, open_runtime
from sphere.settings import Settings
from sphere.storage.entities import NewInteraction
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.interactions import InteractionRepository
from tests.runtimes import approve_all_dpias

# Monday 2026-06-01 12:00 UTC = 14:00 in Berlin: outside quiet hours.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    settings = settings.model_copy(update={"database_url": migrated_db_url})
    settings.home.mkdir(parents=True, exist_ok=True)
    runtime = open_runtime(settings, clock=FrozenClock(NOW))
    with runtime.session() as session:
        add_source(
            session, "masto", channel="mastodon", collection="official_api", actor="test", at=NOW
        )
        add_source(
            session, "scraped", channel="mastodon", collection="scraper", actor="test", at=NOW
        )
    approve_all_dpias(runtime)
    yield runtime
    runtime.close()


@dataclass(frozen=True)
class Post:
    text: str
    days_ago: int = 10
    addressing: Addressing = Addressing.PUBLIC_MENTION
    visibility: Visibility = Visibility.PUBLIC
    special: bool = False
    source: str = "masto"
    language: str = "de"


_counter = iter(range(10**6))


def seed_contact(
    rt: Runtime,
    *,
    email: str | None = None,
    customer: bool = True,
    handle: str | None = None,
    posts: Sequence[Post] = (),
    consents: Sequence[Purpose] = (),
    explicit: Sequence[Purpose] = (),
    employee: bool = False,
    restricted: bool = False,
    objected_marketing: bool = False,
    objected_profiling: bool = False,
) -> str:
    """A fictional contact with identities, stored posts and consents; returns its id."""
    with rt.session() as session:
        contacts = ContactRepository(session, rt.keyring)
        contact = contacts.create(is_employee=employee, at=NOW - timedelta(days=400))
        n = next(_counter)
        if email:
            contacts.add_identity(
                contact.id, IdentityKind.EMAIL, email, verification_method="provided:crm"
            )
        if customer:
            contacts.add_identity(
                contact.id,
                IdentityKind.CUSTOMER_NUMBER,
                f"K-{9000 + n}",
                verification_method="provided:crm",
            )
        handle = handle or f"fotofan{n}"
        contacts.add_identity(
            contact.id,
            IdentityKind.HANDLE,
            handle,
            channel=Channel.MASTODON,
            verification_method="provided:crm",
        )
        interactions = InteractionRepository(session, rt.keyring)
        for index, post in enumerate(posts):
            interactions.insert_if_absent(
                NewInteraction(
                    source_name=post.source,
                    channel=Channel.MASTODON,
                    source_id=f"{n}-{index}",
                    kind=ObservationKind.POST,
                    created_at=NOW - timedelta(days=post.days_ago),
                    visibility=post.visibility,
                    addressing=post.addressing,
                    text=post.text,
                    contact_id=contact.id,
                    language=post.language,
                    special_categories=frozenset({SpecialCategory.HEALTH})
                    if post.special
                    else frozenset(),
                ),
                at=NOW,
            )
        for purpose in consents:
            grant(
                session,
                contact.id,
                purpose,
                channel="web",
                at=NOW - timedelta(days=30),
                actor="test",
                explicit=purpose in explicit,
            )
        if restricted or objected_marketing or objected_profiling:
            contacts.set_flags(
                contact.id,
                restricted=restricted,
                objected_marketing=objected_marketing,
                objected_profiling=objected_profiling,
            )
        return contact.id


TELE_POSTS = (
    Post("Das Tele 70-200 ist fantastisch, super scharf!", days_ago=40),
    Post("Mit dem Teleobjektiv im Wald unterwegs, tolle Bilder von Wildtieren.", days_ago=20),
    Post("Heute wieder das 70-200 dabei, ich liebe es.", days_ago=5),
)
ANGRY_POSTS = (
    Post("Das Makro 100 ist kaputt, schlechter Service, ich will es zurückschicken!", days_ago=3),
    Post("Makro 100 schon wieder defekt. Enttäuschend.", days_ago=2),
)


class Hook(http.server.BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_server() -> Iterator[tuple[str, type[Hook]]]:
    handler = type("Hook", (Hook,), {"received": []})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sphere", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
