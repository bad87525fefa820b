"""The CRM sync in the cockpit (issue 15, point 2): records of customers pushed to the
connected CRM (a SQLite CRM with its sync: section, as the demo ships) - the systems
page shows them synced; with the CRM away a removal fails and is shown with its error;
back, "Sync now" sends it and the rows are gone from the CRM. Screenshots at 1280 and
390 px in English and German (``SPHERE_SCREENSHOTS`` keeps them)."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sphere.demo._connected import write_crm
from tests.browser.conftest import LENA, OTTO, PORTAL_SUBJECTS, LiveServer, serve
from tests.browser.test_browser_connected_systems import _shots

pytestmark = pytest.mark.browser
POSTS = {LENA: 3, OTTO: 2}


def _seed_posts(db: Any, keyring: Any) -> None:
    """Posts of two customers stored by the gate and queued for the CRM, as ingestion
    does when the CRM is the sync target."""
    from sphere.domain import Addressing, Channel, IdentityKind, ObservationKind
    from sphere.domain.time import utcnow
    from sphere.storage.entities import NewInteraction
    from sphere.storage.repositories.contacts import ContactRepository
    from sphere.storage.repositories.crm_sync import queue_pushes
    from sphere.storage.repositories.interactions import InteractionRepository

    now = utcnow()
    contacts = ContactRepository(db, keyring)
    for email, n in POSTS.items():
        contact = contacts.find_by_identity(IdentityKind.EMAIL, email)
        assert contact is not None
        ids = []
        for i in range(n):
            stored, _ = InteractionRepository(db, keyring).insert_if_absent(
                NewInteraction(
                    source_name="masto", channel=Channel.MASTODON,
                    source_id=f"{email}-{i}", kind=ObservationKind.POST, created_at=now,
                    addressing=Addressing.DIRECT,
                    text=f"<b>@optiklinse</b> Frage {i}: Objektiv klappert",
                    contact_id=contact.id, retention_until=now + timedelta(days=180),
                ),
                at=now,
            )  # fmt: skip
            ids.append(stored.id)
        queue_pushes(db, "interaction", ids, at=now)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("crm-sync-home")
    people = [
        {"customer_number": "K-1001", "email": LENA, "phone": PORTAL_SUBJECTS[LENA]},
        {"customer_number": "K-1002", "email": OTTO, "phone": PORTAL_SUBJECTS[OTTO]},
    ]
    write_crm(home / "connectors", people)
    with serve(home, seed_more=_seed_posts) as live:
        yield live


def _synced(server: LiveServer) -> dict[str, int]:
    path = server.log.parent / "connectors" / "crm.sqlite"
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT email, count(*) FROM sphere_records GROUP BY email"
        ).fetchall()
    return {str(e): int(n) for e, n in rows}


def _section(page: Any) -> str:
    """The sync's row: system | in the CRM | pending | failed | dead letter."""
    cells = page.locator(".crm-sync-table tbody td").all_inner_texts()
    return " | ".join(c.strip() for c in cells)


def _wait(page: Any, server: LiveServer, want: re.Pattern[str]) -> str:
    for _ in range(40):
        page.goto(f"{server.url}/cockpit/systems")
        text = _section(page)
        if want.search(text):
            return text
        time.sleep(0.5)
    raise AssertionError(f"never {want.pattern!r}: {text}")


def test_systems_page_shows_the_crm_sync_pending_synced_failed(
    browser: Any, server: LiveServer, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/cockpit/login")
        page.get_by_label("User name").fill(server.username)
        page.get_by_label("Password").fill(server.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/cockpit/$"))
        page.goto(f"{server.url}/cockpit/systems")
        assert page.get_by_role("heading", name="CRM sync").is_visible()
        if _synced(server) != POSTS:  # the server's job thread may have sent them already
            page.get_by_role("button", name="Sync now").click()
        _wait(page, server, re.compile(r"\ncrm \| 5 records \| 0 \| 0 \| 0$"))
        assert _synced(server) == {LENA: 3, OTTO: 2}
        _shots(page, "crm-sync-synced-en", tmp_path)

        # The CRM goes away; Sphere deletes Otto's posts (as the retention run would).
        crm = server.log.parent / "connectors" / "crm.sqlite"
        away = crm.with_suffix(".away")
        crm.rename(away)
        _delete_posts_of(server, OTTO)
        page.goto(f"{server.url}/cockpit/systems")
        assert "2 of them removals" in _section(page)
        page.get_by_role("button", name="Sync now").click()
        _wait(page, server, re.compile(r"\ncrm \| 5 records \| 0 \| 2 \| 0$"))
        main = page.locator("main").inner_text()
        assert "Last error:" in main and "unavailable" in main, main
        _shots(page, "crm-sync-failed-en", tmp_path)
        page.goto(f"{server.url}/portal/lang/de?next=/cockpit/systems")
        main = page.locator("main").inner_text()
        assert "CRM-Abgleich" in main and "Letzter Fehler" in main
        _shots(page, "crm-sync-failed-de", tmp_path)

        away.rename(crm)  # back: "Sync now" waives the back-off
        page.get_by_role("button", name="Jetzt abgleichen").click()
        _wait(page, server, re.compile(r"\ncrm \| 3 Datensätze \| 0 \| 0 \| 0$"))
        assert _synced(server) == {LENA: 3}
        _shots(page, "crm-sync-synced-de", tmp_path)

        # The record of processing lists the CRM as infrastructure (Art. 30(1)(d)).
        page.goto(f"{server.url}/cockpit/record")
        item = page.locator("ul.connected-systems li").first.inner_text()
        assert "Infrastruktur, Ziel des CRM-Abgleichs" in item, item
        page.locator("#connected-systems").scroll_into_view_if_needed()
        _shots(page, "record-systems-de", tmp_path)
        page.goto(f"{server.url}/portal/lang/en?next=/cockpit/record")
        assert (
            "infrastructure, target of the CRM sync"
            in page.locator("ul.connected-systems").inner_text()
        )
        _shots(page, "record-systems-en", tmp_path)
    finally:
        context.close()


def _delete_posts_of(server: LiveServer, email: str) -> None:
    from sqlalchemy import select

    from sphere.storage.db import make_engine, make_session_factory, session_scope
    from sphere.storage.repositories.erasure import ErasureRepository
    from sphere.storage.tables import InteractionRow

    engine = make_engine(f"sqlite:///{(server.log.parent / 'sphere.db').as_posix()}")
    try:
        with session_scope(make_session_factory(engine)) as db:
            ids = list(
                db.scalars(
                    select(InteractionRow.id).where(
                        InteractionRow.contact_id == server.subjects[email]
                    )
                )
            )
            ErasureRepository(db).delete_interactions(ids)
    finally:
        engine.dispose()
