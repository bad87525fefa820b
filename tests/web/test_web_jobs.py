"""Jobs over HTTP: a what-if that does not finish within the wait answers 202 with the
job, which is then polled to its result; an export is a job whose file only the DPO and
the admin may download; the job list pages and filters; a broken draft still answers at
once with its line and column; the cockpit's job page carries the progress fragment."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from sphere.accounts import Role
from sphere.runtime import Runtime
from sphere.storage.tables import InteractionRow
from tests.web.test_web_cockpit import _bearer


def test_a_slow_job_answers_202_and_is_polled_to_its_result(
    app: FastAPI, client: TestClient, seeded: Runtime, make_token: Callable[..., str]
) -> None:
    app.state.runtime.web.job_wait_seconds = 0.0  # never wait: always a job
    dpo = _bearer(make_token, Role.DPO)
    started = client.post(
        "/api/v1/policy/whatif", json={"disable_rule": "customer-care.addressed"}, headers=dpo
    )
    assert started.status_code == 202, started.text
    job = started.json()["job"]
    assert started.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert job["kind"] == "whatif" and job["state"] in ("queued", "running", "done")
    for _ in range(600):
        polled = client.get(f"/api/v1/jobs/{job['id']}", headers=dpo).json()
        if polled["state"] == "done":
            break
        app.state.runtime.jobs.board.entry(job["id"]).finished.wait(0.05)
    assert polled["state"] == "done" and polled["percent"] == 100
    assert polled["result"]["no_longer_stored"] >= 1
    assert polled["result_link"] == f"/cockpit/whatif?job={job['id']}"
    listed = client.get("/api/v1/jobs?kind=whatif&state=done&limit=1", headers=dpo).json()
    assert [j["id"] for j in listed["jobs"]] == [job["id"]] and listed["next"] is None

    broken = client.post("/api/v1/policy/whatif", json={"yaml": "version: [1"}, headers=dpo)
    assert broken.status_code == 422 and "line" in broken.text


def test_an_export_is_a_job_whose_file_only_the_dpo_downloads(
    client: TestClient, seeded: Runtime, make_token: Callable[..., str]
) -> None:
    with seeded.session() as session:
        contact_id = session.scalar(
            select(InteractionRow.contact_id).where(InteractionRow.contact_id.is_not(None))
        )
    marketer = _bearer(make_token, Role.MARKETER)
    refused = client.post(f"/api/v1/contacts/{contact_id}/export", headers=marketer)
    assert refused.status_code == 422
    dpo = _bearer(make_token, Role.DPO)
    started = client.post(f"/api/v1/contacts/{contact_id}/export", headers=dpo)
    assert started.status_code == 202
    job = started.json()["job"]
    assert job["state"] == "done"  # small: done within the wait
    archive = client.get(f"/api/v1/jobs/{job['id']}/file", headers=dpo)
    assert archive.status_code == 200 and archive.content.startswith(b"PK")
    assert "attachment" in archive.headers["content-disposition"]
    auditor = _bearer(make_token, Role.AUDITOR)
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=auditor).status_code == 200
    assert client.get(f"/api/v1/jobs/{job['id']}/file", headers=auditor).status_code == 422
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=marketer).status_code == 404
    audit = client.get("/api/v1/audit?action=subject.exported", headers=dpo).json()
    assert audit["entries"][0]["object_ids"] == [job["id"]]
