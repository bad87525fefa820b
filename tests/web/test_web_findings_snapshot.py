"""Findings on a large installation come from a snapshot job (``sphere.jobs.findings``):
the first view waits for it, later views reuse it until it is older than the maximum
age, then show it with its time while a new one runs; a small installation computes
them on every view. Here "large" is forced with an inline limit of 0 records."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role, make_password_hasher
from sphere.domain.time import FrozenClock
from sphere.jobs import findings as snapshot_module
from sphere.jobs.context import ProgressBoard
from sphere.jobs.runner import run_job, submit
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.web.app import create_app
from sphere.web.config import WebSettings
from tests.web.conftest import web_settings as _small_settings

MAX_AGE = 300
ONLY_SQLITE = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)


@pytest.fixture
def web_settings() -> WebSettings:
    small = _small_settings.__wrapped__()  # type: ignore[attr-defined]
    return small.model_copy(
        update={"findings_inline_max_records": 0, "findings_max_age_seconds": MAX_AGE}
    )


def _findings(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/v1/findings", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _snapshots(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    jobs = client.get("/api/v1/jobs?kind=findings", headers=headers).json()["jobs"]
    return list(jobs)


def test_findings_come_from_a_snapshot_refreshed_in_the_background(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str], clock: FrozenClock
) -> None:
    headers = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    first = _findings(client, headers)
    assert first["computed_at"] == clock.now().isoformat() and first["refreshing"] is False
    assert first["findings"], "the seeded company has findings"
    assert [j["state"] for j in _snapshots(client, headers)] == ["done"]

    clock.advance(timedelta(seconds=MAX_AGE - 1))
    again = _findings(client, headers)
    assert again["computed_at"] == first["computed_at"] and again["refreshing"] is False
    assert len(_snapshots(client, headers)) == 1, "a fresh snapshot is reused"
    codes = {f["code"] for f in first["findings"]}
    assert {f["code"] for f in again["findings"]} == codes

    clock.advance(timedelta(seconds=2))  # now older than the maximum age
    stale = _findings(client, headers)
    assert stale["computed_at"] == first["computed_at"], "the old one is shown meanwhile"
    assert stale["refreshing"] is True
    app_runner = client.app.state.runtime.jobs  # type: ignore[attr-defined]
    newest = _snapshots(client, headers)[0]
    app_runner.board.entry(newest["id"]).finished.wait(30)
    fresh = _findings(client, headers)
    assert fresh["computed_at"] == clock.now().isoformat() and fresh["refreshing"] is False
    assert {f["code"] for f in fresh["findings"]} == codes

    page = client.get("/cockpit/findings", headers=headers)
    assert page.status_code == 200
    assert "Findings as of" in page.text and "a snapshot" in page.text


def test_a_small_installation_computes_findings_on_every_view(
    seeded: Runtime, make_token: Callable[..., str], settings: Settings, fresh_engine: Engine,
    clock: FrozenClock,
) -> None:  # fmt: skip
    web = _small_settings.__wrapped__()  # type: ignore[attr-defined]
    app = create_app(
        settings, web=web, engine=fresh_engine, clock=clock, hasher=make_password_hasher(fast=True)
    )
    with TestClient(app, base_url="https://testserver") as client:
        headers = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
        body = _findings(client, headers)
        assert body["refreshing"] is False and body["findings"]
        assert _snapshots(client, headers) == []
        assert "Findings as of" not in client.get("/cockpit/findings", headers=headers).text


@ONLY_SQLITE
def test_a_page_answers_while_a_snapshot_computes(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """SQLite has one writer: the snapshot computes in a read-only unit of work, so a
    request (which begins with BEGIN IMMEDIATE) does not wait for it (it waited up to
    the 15 s busy timeout and failed with "database is locked" at a million records)."""
    computing, release = threading.Event(), threading.Event()
    real = snapshot_module.compute_findings

    def held(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        computing.set()  # the job is inside its read, having read everything once
        assert release.wait(30)
        return found

    monkeypatch.setattr(snapshot_module, "compute_findings", held)
    job = submit(seeded, "findings", {"key": "findings"}, actor="test")
    outcome: list[Any] = []
    worker = threading.Thread(
        target=lambda: outcome.append(run_job(seeded, ProgressBoard(), job.id)), daemon=True
    )
    worker.start()
    try:
        assert computing.wait(30), "the job reached its computation"
        headers = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
        started = time.monotonic()
        listed = client.get("/api/v1/jobs?kind=findings", headers=headers)
        assert listed.status_code == 200, listed.text
        assert [j["state"] for j in listed.json()["jobs"]] == ["running"]
        assert client.get("/cockpit/jobs", headers=headers).status_code == 200
        assert time.monotonic() - started < 5, "the pages did not wait for the job"
    finally:
        release.set()
        worker.join(30)
    assert outcome and outcome[0] is not None and outcome[0].state == "done", outcome
    assert outcome[0].result["findings"], "the snapshot has its findings"
