"""Cockpit pages of jobs: the list (paged, filtered), one job with a progress bar that
htmx refreshes every second (and a plain page reload every two seconds without
JavaScript), resume, cancel, and an export's file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from sphere.jobs.kinds import KINDS, TITLES
from sphere.storage.repositories.jobs import JobRepository
from sphere.web._cockpit_service import actor_of
from sphere.web._jobs import STATE_WORDS, get_view, resume_job, view
from sphere.web.api.jobs import STATES, job_file, may_act, visible
from sphere.web.cockpit.pages import render
from sphere.web.deps import (
    COCKPIT_ROLES,
    CsrfProtected,
    CsrfToken,
    CurrentStaff,
    DbSession,
    Runtime,
)

router = APIRouter(prefix="/cockpit", include_in_schema=False)

JobId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
PAGE = 50


@router.get("/jobs")
def jobs_page(
    request: Request,
    runtime: Runtime,
    who: CurrentStaff,
    db: DbSession,
    csrf_token: CsrfToken,
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(KINDS) + ")?$")] = None,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(STATES) + ")?$")] = None,
    before: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9-]*$")] = None,
) -> Response:
    jobs = JobRepository(db).page(
        limit=PAGE + 1, before=before or None, kind=kind or None, state=state or None
    )
    shown = [j for j in jobs[:PAGE] if who.role in COCKPIT_ROLES or j.created_by == actor_of(who)]
    return render(
        request,
        runtime,
        "jobs.html",
        principal=who,
        csrf_token=csrf_token,
        active="jobs",
        jobs=[view(runtime, j) for j in shown],
        kinds=TITLES,
        states=STATES,
        state_words=STATE_WORDS,
        kind=kind or "",
        state=state or "",
        next_before=jobs[PAGE - 1].id if len(jobs) > PAGE else None,
    )


@router.get("/jobs/{job_id}")
def job_page(
    request: Request,
    job_id: JobId,
    runtime: Runtime,
    who: CurrentStaff,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    job = get_view(db, runtime, job_id)
    visible(job.job, who)
    return render(
        request, runtime, "job.html", principal=who, csrf_token=csrf_token, active="jobs", job=job
    )


@router.get("/jobs/{job_id}/progress")
def job_progress(
    request: Request,
    job_id: JobId,
    runtime: Runtime,
    who: CurrentStaff,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    """The progress fragment htmx swaps in; without JavaScript, the whole page."""
    job = get_view(db, runtime, job_id)
    visible(job.job, who)
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/cockpit/jobs/{job_id}", status_code=303)
    return runtime.templates.TemplateResponse(
        request, "cockpit/_job_progress.html", {"job": job, "csrf_token": csrf_token}
    )


@router.post("/jobs/{job_id}/resume", dependencies=[CsrfProtected])
def job_resume(job_id: JobId, runtime: Runtime, who: CurrentStaff, db: DbSession) -> Response:
    may_act(visible(JobRepository(db).get(job_id), who), who)
    resume_job(db, runtime, job_id)
    return RedirectResponse(f"/cockpit/jobs/{job_id}", status_code=303)


@router.post("/jobs/{job_id}/cancel", dependencies=[CsrfProtected])
def job_cancel(job_id: JobId, runtime: Runtime, who: CurrentStaff, db: DbSession) -> Response:
    may_act(visible(JobRepository(db).get(job_id), who), who)
    JobRepository(db).request_cancel(job_id, at=runtime.clock.now())
    return RedirectResponse(f"/cockpit/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}/file")
def job_download(job_id: JobId, runtime: Runtime, who: CurrentStaff, db: DbSession) -> Response:
    return job_file(db, runtime, job_id, who)
