"""Jobs as JSON: list (keyset-paginated, filtered by kind and state), one job with its
live progress and result, resume a failed one, cancel, download what it produced.

Who sees what: the supervision roles (DPO, admin, auditor) see every job; other staff
see the jobs they started. Only the DPO, the admin and whoever started it may resume or
cancel a job; an export's file (personal data) is handed to the DPO and the admin only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from sphere.accounts import Principal, Role
from sphere.errors import NotFound, PolicyViolation
from sphere.jobs.kinds import KINDS
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.jobs import JobRecord, JobRepository
from sphere.web._cockpit_service import actor_of
from sphere.web._jobs import accepted, raise_if_failed, resume_job, start_job, view
from sphere.web.deps import COCKPIT_ROLES, CsrfProtected, CurrentStaff, DbSession, Runtime

router = APIRouter(tags=["jobs"])

JobId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
STATES = ("queued", "running", "done", "failed", "cancelled")
MAX_PAGE = 200


def visible(job: JobRecord, who: Principal) -> JobRecord:
    if who.role in COCKPIT_ROLES or job.created_by == actor_of(who):
        return job
    raise NotFound(f"job {job.id} not found")  # no hint that someone else's job exists


def may_act(job: JobRecord, who: Principal) -> JobRecord:
    if who.role in (Role.DPO, Role.ADMIN) or job.created_by == actor_of(who):
        return job
    raise PolicyViolation("only the DPO, an admin or whoever started the job may do that")


@router.get("/jobs")
def get_jobs(
    db: DbSession,
    runtime: Runtime,
    who: CurrentStaff,
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(KINDS) + ")$")] = None,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(STATES) + ")$")] = None,
    before: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9-]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> dict[str, Any]:
    """Jobs, newest first; pass ``next`` back as ``before`` for the next page."""
    jobs = JobRepository(db).page(limit=limit + 1, before=before, kind=kind, state=state)
    shown = [j for j in jobs[:limit] if who.role in COCKPIT_ROLES or j.created_by == actor_of(who)]
    return {
        "jobs": [view(runtime, j).to_dict() for j in shown],
        "next": jobs[limit - 1].id if len(jobs) > limit else None,
    }


@router.get("/jobs/{job_id}")
def get_job(job_id: JobId, db: DbSession, runtime: Runtime, who: CurrentStaff) -> dict[str, Any]:
    """One job: state, phase, progress (live while it runs), error, result."""
    return view(runtime, visible(JobRepository(db).get(job_id), who)).to_dict()


@router.post("/jobs/{job_id}/resume", dependencies=[CsrfProtected], status_code=202)
def post_resume(
    job_id: JobId, db: DbSession, runtime: Runtime, who: CurrentStaff
) -> dict[str, Any]:
    """Run a failed job again from its last checkpoint."""
    job = may_act(visible(JobRepository(db).get(job_id), who), who)
    if job.state != "failed":
        raise PolicyViolation(f"job {job.id} is {job.state}; only a failed job can be resumed")
    return view(runtime, resume_job(db, runtime, job.id)).to_dict()


@router.post("/jobs/{job_id}/cancel", dependencies=[CsrfProtected])
def post_cancel(
    job_id: JobId, db: DbSession, runtime: Runtime, who: CurrentStaff
) -> dict[str, Any]:
    """Cancel a queued job, or ask a running one to stop after its current step."""
    job = may_act(visible(JobRepository(db).get(job_id), who), who)
    return view(runtime, JobRepository(db).request_cancel(job.id, at=runtime.clock.now())).to_dict()


@router.post(
    "/contacts/{contact_id}/export",
    dependencies=[CsrfProtected],
    status_code=202,
    responses={202: {"description": "The export job; its file is at GET /api/v1/jobs/{id}/file."}},
)
def post_export(contact_id: JobId, db: DbSession, runtime: Runtime, who: CurrentStaff) -> Any:
    """Everything held about a contact as the Art. 15/20 zip, made by a job and kept
    encrypted for 24 hours (DPO and admin)."""
    if who.role not in (Role.DPO, Role.ADMIN):
        raise PolicyViolation("only the DPO or an admin may export a contact's data")
    ContactRepository(db, runtime.keyring).get(contact_id)
    job = start_job(db, runtime, "export", {"contact_id": contact_id}, actor=actor_of(who))
    raise_if_failed(job)
    return accepted(runtime, job)


@router.get(
    "/jobs/{job_id}/file",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_job_file(job_id: JobId, db: DbSession, runtime: Runtime, who: CurrentStaff) -> Response:
    """The file an export job produced (decrypted now; gone after 24 hours or erasure)."""
    return job_file(db, runtime, job_id, who)


def job_file(db: Any, runtime: Any, job_id: str, who: Principal) -> Response:
    job = visible(JobRepository(db).get(job_id), who)
    if who.role not in (Role.DPO, Role.ADMIN):
        raise PolicyViolation("only the DPO or an admin may download an export")
    artifact = JobRepository(db).artifact(job.id)
    if artifact.expires_at <= runtime.clock.now():
        raise NotFound(f"the file of job {job.id} has expired")
    content = runtime.keyring.decrypt_for(db, artifact.key_id, artifact.content_ciphertext)
    return Response(
        content,
        media_type=artifact.media_type,
        headers={"Content-Disposition": f'attachment; filename="{artifact.name}"'},
    )
