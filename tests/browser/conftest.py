"""Headless Chromium against the real app served by uvicorn on a free port.

Chromium comes from the system (``apt-get install chromium``), never from
``playwright install``. Without ``/usr/bin/chromium`` (or the ``playwright`` package)
these tests skip with a reason locally and FAIL under ``CI=true``.

The server runs in a subprocess (``uvicorn --factory sphere.web.app:create_app_from_env``)
on a temporary SQLite database with one seeded DPO account, plain http on 127.0.0.1
(``SPHERE_WEB_COOKIE_SECURE=false``).

Data subjects: ``PORTAL_SUBJECTS`` are seeded as contacts with an e-mail address and
phone number on file and two consents (through the repositories and the consent
ledger); Mia also has a Mastodon account (``MIA_MASTODON``) on file. No SMTP host is
configured, so the server prints each one-time portal link on
its console; the harness captures that output in ``server.log`` and
``LiveServer.portal_links()`` reads the links from there — the tests obtain a link
exactly as a person would, by asking for it through the portal's log-in form.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DPO_USER = "dpo@example.com"
DPO_PASSWORD = "browser-test-password-1"
AGENT_USER = "service@example.com"  # a service agent, same password
PSEUDONYM_SECRET = "browser-test-secret-not-for-production"
LENA = "lena.beispiel@example.com"
OTTO = "otto.muster@example.org"
MIA = "mia.probe@example.net"
MIA_MASTODON = ("mia_probe", "200000000000000077")  # name and id on file: handle log-in
JONAS = "jonas.versuch@example.com"  # the htmx tests' own subject (log-in links are rate-limited)
PORTAL_SUBJECTS = {
    LENA: "+49 30 1234567",
    OTTO: "+49 40 7654321",
    MIA: "+49 89 5550100",
    JONAS: "+49 221 5550199",
}
LINK_LINE = re.compile(r"\[sphere portal\] one-time log-in link: (\S+)")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason} (CI=true requires the browser tests)")
    pytest.skip(reason)


@dataclass(frozen=True)
class LiveServer:
    url: str
    username: str
    password: str
    log: Path
    subjects: dict[str, str]  # e-mail address -> contact id of the seeded data subjects

    def portal_links(self) -> list[str]:
        """Every one-time log-in link the server has printed so far, oldest first."""
        return LINK_LINE.findall(self.log.read_text(encoding="utf-8"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(
    url: str, home: Path, seed_more: Callable[[Any, Any], None] | None = None
) -> dict[str, str]:
    from sphere.accounts import Role, create_staff_user, make_password_hasher
    from sphere.consent.ledger import grant
    from sphere.domain import Channel, IdentityKind, Purpose
    from sphere.domain.time import utcnow
    from sphere.settings import load_settings
    from sphere.storage.crypto import Keyring
    from sphere.storage.db import make_engine, make_session_factory, session_scope, upgrade
    from sphere.storage.repositories.contacts import ContactRepository

    settings = load_settings(env="dev", home=home, pseudonym_secret=PSEUDONYM_SECRET)
    keyring = Keyring.from_settings(settings)  # dev: creates home/master.key, as the server
    subjects: dict[str, str] = {}
    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as db:
            create_staff_user(
                db,
                DPO_USER,
                DPO_PASSWORD,
                role=Role.DPO,
                display_name="Dana Beispiel",
                hasher=make_password_hasher(fast=True),
            )
            create_staff_user(
                db,
                AGENT_USER,
                DPO_PASSWORD,
                role=Role.AGENT,
                display_name="Sami Service",
                hasher=make_password_hasher(fast=True),
            )
            contacts = ContactRepository(db, keyring)
            now = utcnow()
            for address, phone in PORTAL_SUBJECTS.items():
                contact = contacts.create(at=now)
                contacts.add_identity(contact.id, IdentityKind.EMAIL, address, at=now)
                contacts.add_identity(contact.id, IdentityKind.PHONE, phone, at=now)
                for account in MIA_MASTODON if address == MIA else ():
                    contacts.add_identity(
                        contact.id, IdentityKind.HANDLE, account, channel=Channel.MASTODON, at=now
                    )
                for purpose in (Purpose.DIRECT_MARKETING, Purpose.PROFILING):
                    grant(db, contact.id, purpose, channel="web", at=now, actor="seed")
                subjects[address] = contact.id
            _seed_listening(db, now.date())
            if seed_more is not None:
                seed_more(db, keyring)
    finally:
        engine.dispose()
    return subjects


def _seed_listening(db: Any, today: Any) -> None:
    """Anonymous monitoring and listening counters for 28 days (what ingestion of public
    posts about the market would have counted), large enough to pass the release layer's
    noise threshold on most days."""
    from datetime import timedelta

    from sphere.storage.repositories.aggregates import AggregateRepository
    from sphere.storage.repositories.listening import ListeningRepository

    counts, listening = [], []
    for i in range(28):
        day = today - timedelta(days=i)
        for channel, share in (("mastodon", 3), ("x", 2), ("bluesky", 1)):
            base = 60 + (i * 37) % 90
            counts.append((day, channel, "public_mention", "anonymise", "other", base * share))
            counts.append((day, channel, "public_mention", "anonymise", "company", base))
            for product, n in (("Tele 70-200", 12), ("Makro 100", 7), ("Weitwinkel 14", 2)):
                listening.append((day, channel, "product", product, n * share))
            for label, n in (("positive", 30), ("neutral", 45), ("negative", 20)):
                listening.append((day, channel, "sentiment", label, n * share))
    AggregateRepository(db).increment_many(counts)
    ListeningRepository(db).increment_many(listening)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("browser-home")
    with serve(home) as server:
        yield server


@contextmanager
def serve(
    home: Path,
    *,
    env_extra: dict[str, str] | None = None,
    uvicorn_args: tuple[str, ...] = ("--log-level", "warning"),
    seed_more: Callable[[Any, Any], None] | None = None,
) -> Iterator[LiveServer]:
    """A seeded database in ``home`` and the app served on a free port until the block
    ends; ``seed_more(db, keyring)`` adds to the seed, ``uvicorn_args`` set its logging."""
    db_url = f"sqlite:///{(home / 'sphere.db').as_posix()}"
    subjects = _seed(db_url, home, seed_more)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SPHERE_ENV": "dev",
        "SPHERE_HOME": str(home),
        "SPHERE_DATABASE_URL": db_url,
        "SPHERE_PSEUDONYM_SECRET": PSEUDONYM_SECRET,
        "SPHERE_WEB_COOKIE_SECURE": "false",
        "SPHERE_WEB_PUBLIC_URL": base,
        "PYTHONUNBUFFERED": "1",
        # every test logs in from 127.0.0.1: the per-client limit is tested in tests/web
        "SPHERE_WEB_PORTAL_LOGIN_MAX_PER_CLIENT": "1000",
    }
    for name in ("SPHERE_WEB_SMTP_HOST", "SPHERE_MASTER_KEY", "SPHERE_MASTER_KEY_FILE"):
        env.pop(name, None)  # links on the console; the master key from home/master.key
    env.update(env_extra or {})
    log = (home / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "sphere.web.app:create_app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *uvicorn_args,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # readiness poll: the server is another process
            if process.poll() is not None:
                pytest.fail(f"server exited early: {(home / 'server.log').read_text()}")
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not become ready within 30 s")
            time.sleep(0.1)
        yield LiveServer(
            url=base,
            username=DPO_USER,
            password=DPO_PASSWORD,
            log=home / "server.log",
            subjects=subjects,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable("no /usr/bin/chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install playwright)")
    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        manager.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()
