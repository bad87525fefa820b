"""Cockpit queue of data-subject requests with their deadlines, and its actions.

Near (``due_soon``) and overdue requests are highlighted. Actions call
``sphere.portal.requests`` / ``sphere.rights.requests``: verify (identity checked by
other means), extend by two months with a reason (Art. 12(3)), carry out and complete,
reject with a reason (Art. 12(4)), and a rectification's correction form (Art. 16: the
values the person gave in the portal, checked and editable, carried to Sphere and every
connected system by ``rights.rectification``). The auditor role sees the queue, cannot
act (and is shown no action buttons). Completing an erasure and rejecting a request are confirmed
first (``confirm.py``): the page says in numbers what will be deleted or told.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from sphere.portal.requests import verify_request
from sphere.rights.art19 import ACTIONS as ART19_ACTIONS
from sphere.rights.art19 import told_per_request
from sphere.rights.erasure import erasure_scope
from sphere.rights.rectification import (
    InvalidCorrections,
    record_corrections,
    recorded_corrections,
    validate_corrections,
)
from sphere.rights.requests import (
    RequestType,
    extend_request,
    get_request,
    page_requests,
    reject_request,
    request_details,
)
from sphere.rights.systems import systems_per_request
from sphere.web._cockpit_service import actor_of
from sphere.web._corrections import CorrectionValues
from sphere.web._jobs import RequestFilters, raise_if_failed, start_request_job
from sphere.web.cockpit.confirm import Confirmation, Confirmed, confirm_page, is_confirmed
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
        told=told_per_request(
            db, [v.request.id for v in page.views if v.request.type in ART19_ACTIONS]
        ),  # Art. 19
        systems=systems_per_request(db, [v.request.id for v in page.views]),
        filters=filters,
        next_after=page.next_after,
        kinds=[t.value for t in RequestType],
    )


def _back(done: str = "", **numbers: int) -> Response:
    query = f"?{urlencode({'done': done, **numbers})}" if done else ""
    return RedirectResponse(f"/cockpit/requests{query}", status_code=303)


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
def complete(
    request_id: RequestId,
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
    confirmed: Confirmed = "",
) -> Response:
    """Carried out as a job (an erasure's cascade can be large): back to the queue when
    it ends within a moment, else to its progress page. An erasure is confirmed first,
    with what it deletes and keeps."""
    found = get_request(db, request_id)
    erasure = found.type == RequestType.ERASURE.value
    if erasure and not is_confirmed(confirmed) and found.contact_id:
        scope = erasure_scope(db, runtime.keyring, found.contact_id)
        confirmation = Confirmation(
            kind="erasure",
            action=f"/cockpit/requests/{request_id}/complete",
            cancel="/cockpit/requests",
            numbers={
                "request": request_id[:8],
                "records": scope.records,
                "interactions": scope.interactions,
                "events": scope.events,
                "attributes": scope.attributes,
                "identities": scope.identities,
                "kept": scope.kept,
                "consents": scope.consents,
            },
        )
        return confirm_page(request, runtime, dpo, csrf_token, confirmation, active="requests")
    job = start_request_job(db, runtime, request_id, actor=actor_of(dpo))
    raise_if_failed(job)
    if job.state != "done":
        return RedirectResponse(f"/cockpit/jobs/{job.id}", status_code=303)
    if erasure:
        counts = (job.result or {}).get("counts") or {}
        deleted = sum(int(counts.get(k, 0)) for k in ("interactions", "events", "attributes"))
        return _back("erasure-completed", n=deleted)
    return _back("request-completed")


@router.post("/requests/{request_id}/reject", dependencies=[CsrfProtected])
def reject(
    request_id: RequestId,
    reason: Reason,
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
    confirmed: Confirmed = "",
) -> Response:
    """Rejected after a confirmation that shows the reason the person will be told."""
    if not is_confirmed(confirmed):
        found = get_request(db, request_id)
        confirmation = Confirmation(
            kind="reject-request",
            action=f"/cockpit/requests/{request_id}/reject",
            cancel="/cockpit/requests",
            fields={"reason": reason},
            numbers={"request": request_id[:8], "type": found.type, "reason": reason},
        )
        return confirm_page(request, runtime, dpo, csrf_token, confirmation, active="requests")
    reject_request(
        db,
        request_id,
        reason,
        at=runtime.clock.now(),
        actor=actor_of(dpo),
        code="manifestly_unfounded",
    )
    return _back("request-rejected")


def _correction_page(
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: str,
    request_id: str,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Response:
    found = get_request(db, request_id)
    if found.type != RequestType.RECTIFICATION.value:
        return _back()
    return render(
        request,
        runtime,
        "rectify.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="requests",
        r=found,
        details=request_details(db, runtime.keyring, found),
        fix=values,
        fix_errors=errors or {},
        status_code=422 if errors else 200,
    )


@router.get("/requests/{request_id}/rectify")
def rectify_form(
    request_id: RequestId,
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    """The correction form, filled with what the person asked for in the portal."""
    values = recorded_corrections(db, runtime.keyring, request_id)
    return _correction_page(request, runtime, dpo, db, csrf_token, request_id, values=values)


@router.post("/requests/{request_id}/rectify", dependencies=[CsrfProtected])
def rectify(
    request_id: RequestId,
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
    corrections: CorrectionValues,
) -> Response:
    """Check the values (a refusal shows the form again, marked), record them on the
    request and carry it out as a job: Sphere, then every connected system; then to the
    request's progress per system."""
    region = runtime.settings.resolved_phone_region
    try:
        values = validate_corrections(corrections, region=region)
    except InvalidCorrections as exc:
        return _correction_page(request, runtime, dpo, db, csrf_token, request_id,
                                values=corrections, errors=exc.errors)  # fmt: skip
    now, actor = runtime.clock.now(), actor_of(dpo)
    record_corrections(db, runtime.keyring, request_id, values, at=now, actor=actor)
    job = start_request_job(db, runtime, request_id, actor=actor)
    raise_if_failed(job)
    if job.state != "done":
        return RedirectResponse(f"/cockpit/jobs/{job.id}", status_code=303)
    return RedirectResponse(
        f"/cockpit/requests/{request_id}/systems?done=rectification-carried", status_code=303
    )
