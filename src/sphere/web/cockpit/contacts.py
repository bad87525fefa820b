"""Staff pages every role may open: find a contact, see its timeline.

The search is a POST (CSRF-protected form): what staff type — an e-mail address, a
customer number, a handle — travels in the body and never lands in a URL, the access
log, a proxy's log or the browser history (issue 18, point 5). ``GET`` shows the empty
form and ignores any ``q`` (an old bookmark searches nothing).

What a role sees is decided by the services (``cockpit.contacts``, ``cockpit.timeline``):
the lookup shows no identity values, the timeline hides what the role's purposes do not
cover and says why. Both are audited there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Principal
from sphere.cockpit.contacts import MAX_QUERY_CHARS, ContactHit, find_for_staff
from sphere.cockpit.timeline import contact_timeline
from sphere.cockpit.timeline import localize as localize_timeline
from sphere.storage.repositories.contacts import ContactRepository
from sphere.web._cockpit_service import actor_of
from sphere.web._jobs import raise_if_failed, start_job
from sphere.web.api.rights import RightsOfficer
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentStaff, DbSession, Runtime
from sphere.web.i18n import request_translator
from sphere.web.runtime import WebRuntime

router = APIRouter(prefix="/cockpit", include_in_schema=False)
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


@router.get("/contacts")
def contacts_page(
    request: Request, runtime: Runtime, staff: CurrentStaff, csrf_token: CsrfToken
) -> Response:
    return _contacts(request, runtime, staff, csrf_token, q="", hits=None)


@router.post("/contacts", dependencies=[CsrfProtected])
def contacts_search(
    request: Request,
    runtime: Runtime,
    staff: CurrentStaff,
    db: DbSession,
    csrf_token: CsrfToken,
    q: Annotated[str, Form(max_length=MAX_QUERY_CHARS)] = "",
) -> Response:
    hits = None
    if q.strip():
        hits = find_for_staff(
            db,
            runtime.keyring,
            q,
            role=staff.role,
            actor=actor_of(staff),
            at=runtime.clock.now(),
            region=runtime.settings.resolved_phone_region,
        )
    return _contacts(request, runtime, staff, csrf_token, q=q, hits=hits)


def _contacts(
    request: Request,
    runtime: WebRuntime,
    staff: Principal,
    csrf_token: str,
    *,
    q: str,
    hits: list[ContactHit] | None,
) -> Response:
    return render(
        request,
        runtime,
        "contacts.html",
        principal=staff,
        csrf_token=csrf_token,
        active="contacts",
        q=q,
        hits=hits,
    )


@router.get("/contacts/{contact_id}/timeline")
def timeline_page(
    contact_id: IdPath,
    request: Request,
    runtime: Runtime,
    staff: CurrentStaff,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    timeline = contact_timeline(
        db,
        runtime.keyring,
        contact_id,
        role=staff.role,
        actor=actor_of(staff),
        at=runtime.clock.now(),
    )
    return render(
        request,
        runtime,
        "timeline.html",
        principal=staff,
        csrf_token=csrf_token,
        active="contacts",
        timeline=localize_timeline(timeline, request_translator(request)),
    )


@router.post("/contacts/{contact_id}/export", dependencies=[CsrfProtected])
def export_contact(
    contact_id: IdPath, runtime: Runtime, dpo: RightsOfficer, db: DbSession
) -> Response:
    """Everything held about the contact as a zip, made by a job (a large record takes a
    while); the job page links the file when it is ready (DPO and admin only)."""
    ContactRepository(db, runtime.keyring).get(contact_id)  # 404 before any job
    job = start_job(db, runtime, "export", {"contact_id": contact_id}, actor=actor_of(dpo))
    raise_if_failed(job)
    return RedirectResponse(f"/cockpit/jobs/{job.id}", status_code=303)
