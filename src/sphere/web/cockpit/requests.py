"""Cockpit queue of data-subject requests with their deadlines, and its actions.

Near (``due_soon``) and overdue requests are highlighted. Actions call
``sphere.portal.requests`` / ``sphere.rights.requests``: verify (identity checked by
other means), extend by two months with a reason (Art. 12(3)), carry out and complete,
reject with a reason (Art. 12(4)). The auditor role sees the queue, cannot act.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from sphere.portal.requests import verify_request
from sphere.rights.requests import (
    RequestType,
    extend_request,
    page_requests,
    reject_request,
    request_details,
)
from sphere.web._cockpit_service import actor_of
from sphere.web._jobs import RequestFilters, raise_if_failed, start_request_job
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentDpo, DbSession, Runtime

router = APIRouter(prefix="/cockpit", include_in_schema=False)
PAGE = 50

RequestId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Reason = Annotated[str, Form(min_length=3, max_length=2000)]


@router.get("/requests")
def queue(
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
    filters: RequestFilters,
) -> Response:
    """Open requests by default, nearest deadline first, a page at a time; filtered by
    state, kind and deadline."""
    page = page_requests(db, now=runtime.clock.now(), limit=PAGE, **filters.query())
    details = {  # what the person wrote, for open requests only (decrypted for the DPO)
        v.request.id: text
        for v in page.views
        if v.deadline_state is not None
        and (text := request_details(db, runtime.keyring, v.request))
    }
    return render(
        request,
        runtime,
        "requests.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="requests",
        views=list(page.views),
        details=details,
        filters=filters,
        next_after=page.next_after,
        kinds=[t.value for t in RequestType],
    )


def _back() -> Response:
    return RedirectResponse("/cockpit/requests", status_code=303)


@router.post("/requests/{request_id}/verify", dependencies=[CsrfProtected])
def verify(request_id: RequestId, runtime: Runtime, dpo: CurrentDpo, db: DbSession) -> Response:
    verify_request(db, request_id, at=runtime.clock.now(), actor=actor_of(dpo))
    return _back()


@router.post("/requests/{request_id}/extend", dependencies=[CsrfProtected])
def extend(
    request_id: RequestId, reason: Reason, runtime: Runtime, dpo: CurrentDpo, db: DbSession
) -> Response:
    extend_request(db, request_id, reason, at=runtime.clock.now(), actor=actor_of(dpo))
    return _back()


@router.post("/requests/{request_id}/complete", dependencies=[CsrfProtected])
def complete(request_id: RequestId, runtime: Runtime, dpo: CurrentDpo, db: DbSession) -> Response:
    """Carried out as a job (an erasure's cascade can be large): back to the queue when
    it ends within a moment, else to its progress page."""
    job = start_request_job(db, runtime, request_id, actor=actor_of(dpo))
    raise_if_failed(job)
    if job.state != "done":
        return RedirectResponse(f"/cockpit/jobs/{job.id}", status_code=303)
    return _back()


@router.post("/requests/{request_id}/reject", dependencies=[CsrfProtected])
def reject(
    request_id: RequestId, reason: Reason, runtime: Runtime, dpo: CurrentDpo, db: DbSession
) -> Response:
    reject_request(
        db,
        request_id,
        reason,
        at=runtime.clock.now(),
        actor=actor_of(dpo),
        code="manifestly_unfounded",
    )
    return _back()
