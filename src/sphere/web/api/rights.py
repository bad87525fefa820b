"""Data-subject request queue (GDPR Art. 12 deadlines) and its actions as JSON.

Roles: ``dpo`` and ``admin`` act (extend, complete, reject); ``auditor`` and ``agent``
read the queue (the service desk needs to tell a caller where their request stands). The
routes are thin: parse, call one service of ``sphere.rights`` / ``sphere.portal``, render.
Request bodies carry reasons (shown to the person, Art. 12(4)); they are never logged.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from sphere.accounts import Principal, Role
from sphere.rights.requests import (
    extend_request,
    get_request,
    page_requests,
    reject_request,
    view,
)
from sphere.web._cockpit_service import actor_of
from sphere.web._jobs import REQUEST_STATES, accepted, raise_if_failed, start_request_job
from sphere.web.deps import CsrfProtected, DbSession, Runtime, require_roles

router = APIRouter(tags=["rights"])

RequestId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
QueueReader = Annotated[
    Principal, Depends(require_roles(Role.DPO, Role.ADMIN, Role.AUDITOR, Role.AGENT))
]
RightsOfficer = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
REJECT_CODES = ("manifestly_unfounded", "excessive", "identity_not_verified", "other")


class ReasonIn(BaseModel):
    """Why the deadline is extended (Art. 12(3)); told to the person."""

    reason: str = Field(min_length=3, max_length=2000)


class RejectIn(BaseModel):
    """Why the request is refused (Art. 12(4)); told to the person with their remedies."""

    reason: str = Field(min_length=3, max_length=2000)
    code: str = Field(
        "manifestly_unfounded",
        max_length=40,
        pattern="^(" + "|".join(REJECT_CODES) + ")$",
        description="Ground of refusal: " + ", ".join(REJECT_CODES) + ".",
    )


@router.get("/requests")
def get_requests(
    db: DbSession,
    runtime: Runtime,
    _reader: QueueReader,
    open_only: Annotated[bool, Query()] = False,
    overdue_only: Annotated[bool, Query()] = False,
    state: Annotated[str, Query(pattern="^(" + "|".join(REQUEST_STATES) + ")?$")] = "",
    kind: Annotated[str, Query(pattern=r"^[a-z_]*$", max_length=40)] = "",
    deadline: Annotated[str, Query(pattern="^(overdue|near|open)?$")] = "",
    after: Annotated[str, Query(max_length=120, pattern=r"^[0-9A-Za-z:+.|T-]*$")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The request queue with each request's deadline, nearest deadline first, a page
    at a time (pass ``next`` back as ``after``); filtered by ``state`` (a state, or
    ``open``/``closed``), ``kind`` and ``deadline`` (``overdue``/``near``/``open``).
    ``open_only`` and ``overdue_only`` are the older spellings of two filters."""
    page = page_requests(
        db,
        now=runtime.clock.now(),
        state=state or ("open" if open_only or overdue_only else None),
        kind=kind or None,
        deadline=deadline or ("overdue" if overdue_only else None),
        after=after or None,
        limit=limit,
    )
    return {"requests": [v.to_dict() for v in page.views], "next": page.next_after}


def _one(db: DbSession, runtime: Runtime, request_id: str) -> dict[str, Any]:
    return view(get_request(db, request_id), now=runtime.clock.now()).to_dict()


@router.post("/requests/{request_id}/extend", dependencies=[CsrfProtected])
def post_extend(
    request_id: RequestId, body: ReasonIn, db: DbSession, runtime: Runtime, who: RightsOfficer
) -> dict[str, Any]:
    """Extend the deadline once by two months (Art. 12(3)); the reason is recorded."""
    extend_request(db, request_id, body.reason, at=runtime.clock.now(), actor=actor_of(who))
    return _one(db, runtime, request_id)


@router.post(
    "/requests/{request_id}/complete",
    dependencies=[CsrfProtected],
    responses={202: {"description": "Still running: the job; poll GET /api/v1/jobs/{id}."}},
)
def post_complete(
    request_id: RequestId, db: DbSession, runtime: Runtime, who: RightsOfficer
) -> Any:
    """Carry out a verified request (access, erasure with its full cascade, restriction,
    …) and complete it. Readiness is checked at once (an unverified request is refused
    here); the work runs as a job: its counts when done within a moment, else 202."""
    job = start_request_job(db, runtime, request_id, actor=actor_of(who))
    raise_if_failed(job)
    if job.state != "done":
        return accepted(runtime, job)
    return {"request": _one(db, runtime, request_id), "counts": job.result["counts"]}


@router.post("/requests/{request_id}/reject", dependencies=[CsrfProtected])
def post_reject(
    request_id: RequestId, body: RejectIn, db: DbSession, runtime: Runtime, who: RightsOfficer
) -> dict[str, Any]:
    """Refuse the request with a reason (Art. 12(4))."""
    reject_request(
        db, request_id, body.reason, at=runtime.clock.now(), actor=actor_of(who), code=body.code
    )
    return _one(db, runtime, request_id)
