"""Jobs in headless Chromium on a store large enough for work to take a while (30,000
records built by ``bench/_oversight_state.py``): the what-if and the policy apply show a
progress page that htmx updates in place until the job is done, then link the result;
without JavaScript the same page reloads itself until the job is done. Screenshots at
desktop and phone width (390 px) go to the test's temporary directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import _free_port

pytestmark = pytest.mark.browser
RECORDS, CONTACTS = 30_000, 3_000
SHOTS = Path(os.environ.get("SPHERE_SCREENSHOT_DIR", tempfile.gettempdir())) / "sphere-jobs"


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from bench._bench_common import BENCH_MASTER_KEY, BENCH_PSEUDONYM_SECRET
    from bench._oversight_state import StateBuilder

    from sphere.settings import load_settings
    from sphere.storage.crypto import Keyring
    from sphere.storage.db import make_engine, make_session_factory, session_scope, upgrade
    from sphere.storage.repositories import readmodel

    home = tmp_path_factory.mktemp("jobs-home")
    url = f"sqlite:///{(home / 'sphere.db').as_posix()}"
    settings = load_settings(
        env="dev",
        home=home,
        database_url=url,
        master_key=BENCH_MASTER_KEY,
        pseudonym_secret=BENCH_PSEUDONYM_SECRET,
    )
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    StateBuilder(
        factory, Keyring.from_settings(settings), records=RECORDS, contacts=CONTACTS, now=now
    ).build()
    with session_scope(factory) as session:
        readmodel.rebuild(session)
    engine.dispose()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SPHERE_ENV": "dev",
        "SPHERE_HOME": str(home),
        "SPHERE_DATABASE_URL": url,
        "SPHERE_MASTER_KEY": BENCH_MASTER_KEY,
        "SPHERE_PSEUDONYM_SECRET": BENCH_PSEUDONYM_SECRET,
        "SPHERE_WEB_COOKIE_SECURE": "false",
        "SPHERE_WEB_JOB_WAIT_SECONDS": "0",  # always show the progress page
        "PYTHONUNBUFFERED": "1",
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
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited early: {(home / 'server.log').read_text()}")
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not become ready within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _log_in(page: Any, base: str) -> None:
    from bench._oversight_state import DPO_PASSWORD, DPO_USER

    page.goto(f"{base}/cockpit/login")
    page.get_by_label("User name").fill(DPO_USER)
    page.get_by_label("Password").fill(DPO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cockpit/$"))


def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_whatif_and_apply_show_progress_until_done(browser: Any, big_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    seen: list[str] = []
    page.on(
        "response",
        lambda r: seen.append(r.url) if "/progress" in r.url and r.status == 200 else None,
    )
    try:
        _log_in(page, big_server)
        page.goto(f"{big_server}/cockpit/whatif")
        page.get_by_label("Rule to switch off").select_option("customer-care.addressed")
        page.get_by_role("button", name="Preview without this rule").click()
        page.wait_for_url(re.compile(r".*/cockpit/jobs/[0-9a-f-]+$"))
        assert page.get_by_role("heading", name="What-if preview", level=1).is_visible()
        _shoot(page, "whatif-running-desktop")
        result = page.get_by_role("link", name="Show the result")
        result.wait_for(timeout=120_000)  # swapped in by htmx when the job is done
        assert seen, "the progress fragment was never polled"
        assert "done" in page.locator(".job-state").first.inner_text()
        assert page.locator("progress").first.get_attribute("value") == "100"
        _shoot(page, "whatif-done-desktop")
        result.click()
        page.wait_for_url(re.compile(r".*/cockpit/whatif\?job=.*"))
        impact = re.compile(r"Impact of .*-no-customer-care")
        assert page.get_by_role("heading", name=impact).is_visible()

        page.get_by_role("button", name="Apply this policy").click()
        # irreversible: the confirmation page says what will be deleted (cockpit/confirm)
        page.wait_for_url(re.compile(r".*/cockpit/policy/apply$"))
        _shoot(page, "apply-confirm-desktop")
        page.locator("button.button-danger").click()
        page.wait_for_url(re.compile(r".*/cockpit/jobs/[0-9a-f-]+$"))
        _shoot(page, "apply-started-desktop")
        page.get_by_role("heading", name="Policy apply", level=1).wait_for(timeout=10_000)
        page.set_viewport_size({"width": 390, "height": 844})
        _shoot(page, "apply-running-390")
        page.get_by_role("link", name="Show the result").wait_for(timeout=300_000)
        _shoot(page, "apply-done-390")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{big_server}/cockpit/jobs")
        rows = page.locator("table tbody tr")
        assert rows.count() >= 2 and "done" in rows.first.inner_text()
        _shoot(page, "jobs-desktop")
        page.goto(f"{big_server}/cockpit/audit?action=policy.reevaluated")
        assert "policy.reevaluated" in page.locator("table").first.inner_text()
        assert problems == []
    finally:
        context.close()


def test_without_javascript_the_progress_page_reloads_until_done(
    browser: Any, big_server: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    try:
        _log_in(page, big_server)
        page.goto(f"{big_server}/cockpit/marketing/dry-run")
        page.get_by_role("button", name="Dry run").click()
        page.wait_for_url(re.compile(r".*/cockpit/(jobs/[0-9a-f-]+|marketing/dry-run\?.*)$"))
        if "/jobs/" in page.url:  # still running: the page reloads itself until it is done
            assert page.locator("noscript").count() >= 0
            _shoot(page, "dry-run-running-nojs-390")
            page.get_by_role("link", name="Show the result").wait_for(timeout=120_000)
            page.get_by_role("link", name="Show the result").click()
        page.wait_for_url(re.compile(r".*/cockpit/marketing/dry-run\?campaign=.*"))
        heading = page.get_by_role("heading", name=re.compile(r"bench spring: [\d,]+ eligible"))
        assert heading.is_visible()
        page.get_by_label("Reason").select_option(index=1)
        page.get_by_role("button", name="Filter").click()
        assert page.get_by_role("table").first.is_visible()
        _shoot(page, "dry-run-filtered-nojs-390")
    finally:
        context.close()
