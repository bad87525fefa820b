"""Headless Chromium against the real app served by uvicorn on a free port.

Chromium comes from the system (``apt-get install chromium``), never from
``playwright install``. Without ``/usr/bin/chromium`` (or the ``playwright`` package)
these tests skip with a reason locally and FAIL under ``CI=true``.

The server runs in a subprocess (``uvicorn --factory sphere.web.app:create_app_from_env``)
on a temporary SQLite database with one seeded DPO account, plain http on 127.0.0.1
(``SPHERE_WEB_COOKIE_SECURE=false``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(url: str) -> None:
    from sphere.accounts import Role, create_staff_user, make_password_hasher
    from sphere.storage.db import make_engine, make_session_factory, session_scope, upgrade

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
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("browser-home")
    db_url = f"sqlite:///{(home / 'sphere.db').as_posix()}"
    _seed(db_url)
    port = _free_port()
    env = {
        **os.environ,
        "SPHERE_ENV": "dev",
        "SPHERE_HOME": str(home),
        "SPHERE_DATABASE_URL": db_url,
        "SPHERE_PSEUDONYM_SECRET": "browser-test-secret-not-for-production",
        "SPHERE_WEB_COOKIE_SECURE": "false",
    }
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
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
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
        yield LiveServer(url=base, username=DPO_USER, password=DPO_PASSWORD)
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
