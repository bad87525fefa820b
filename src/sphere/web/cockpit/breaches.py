"""Cockpit pages of the breach register (GDPR Art. 33, 34): the list with each breach's
72-hour clock, the form to record one, and a breach's page — clock, people and records
concerned, assessment and decisions, the drafts in German and English, and the steps
"notified the authority", "told the people", "close". Notifying is confirmed first
(``confirm.py``): the page says what is recorded and who will see it. The auditor sees
everything and no action buttons. Form times are local (``SPHERE_TIMEZONE``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Principal, Role
from sphere.domain import DataCategory
from sphere.domain.breach import BreachKind
from sphere.governance.breach import (
    Assessment,
    BreachDraft,
    BreachInputError,
    assess_breach,
    clock_of,
    close_breach,
    get_breach,
    list_breaches,
    notify_authority,
    notify_subjects,
    record_breach,
    state_of,
)
from sphere.governance.breach_texts import authority_notification, subject_message
from sphere.governance.sources import list_sources
from sphere.i18n import translator
from sphere.storage.repositories.breaches import SYSTEMS
from sphere.web._cockpit_service import actor_of
from sphere.web.cockpit.confirm import Confirmation, Confirmed, confirm_page, is_confirmed
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentDpo, DbSession, Runtime, require_roles
from sphere.web.runtime import WebRuntime

router = APIRouter(prefix="/cockpit", include_in_schema=False)
Editor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
BreachRef = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Line = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=4000)]
When = Annotated[str, Form(max_length=40)]
Many = Annotated[list[str], Form()]


def _local(runtime: WebRuntime, field: str, value: str) -> datetime | None:
    """A form's ``datetime-local`` value, read in the company's zone."""
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BreachInputError(field, "not a date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(runtime.settings.timezone))
    return moment


def _back(ref: str, done: str = "") -> Response:
    query = f"?{urlencode({'done': done})}" if done else ""
    return RedirectResponse(f"/cockpit/breaches/{ref}{query}", status_code=303)


@router.get("/breaches")
def breaches_page(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    now = runtime.clock.now()
    rows = [(b, clock_of(b, now=now), state_of(b)) for b in list_breaches(db)]
    return render(request, runtime, "breaches.html", principal=dpo, csrf_token=csrf_token,
                  active="breaches", rows=rows)  # fmt: skip


def _form(request: Request, runtime: WebRuntime, principal: Principal, csrf_token: str,
          db: Any, *, values: dict[str, Any],
          error: BreachInputError | None) -> Response:  # fmt: skip
    return render(
        request, runtime, "breach_new.html", principal=principal, csrf_token=csrf_token,
        active="breaches", values=values, error=error, systems=SYSTEMS,
        kinds=[k.value for k in BreachKind], categories=[c.value for c in DataCategory],
        sources=[s.name for s in list_sources(db)],
        status_code=422 if error is not None else 200,
    )  # fmt: skip


@router.get("/breaches/new")
def new_breach(
    request: Request, runtime: Runtime, dpo: Editor, db: DbSession, csrf_token: CsrfToken
) -> Response:
    return _form(request, runtime, dpo, csrf_token, db,
                 values={"kinds": ["confidentiality"]}, error=None)  # fmt: skip


@router.post("/breaches", dependencies=[CsrfProtected])
def create_breach(
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
    title: Line = "",
    description: Text = "",
    started_at: When = "",
    discovered_at: When = "",
    ended_at: When = "",
    systems: Many = [],  # noqa: B006 - FastAPI copies form defaults
    kinds: Many = [],  # noqa: B006
    sources: Many = [],  # noqa: B006
    data_categories: Many = [],  # noqa: B006
) -> Response:
    """Record the breach; a refused field shows the form again with the field marked."""
    values = {"title": title, "description": description, "started_at": started_at,
              "discovered_at": discovered_at, "ended_at": ended_at, "systems": systems,
              "kinds": kinds, "sources": sources, "data_categories": data_categories}  # fmt: skip
    try:
        draft = BreachDraft(
            title=title, description=description,
            started_at=_local(runtime, "started_at", started_at),
            discovered_at=_local(runtime, "discovered_at", discovered_at),
            ended_at=_local(runtime, "ended_at", ended_at),
            systems=tuple(systems), kinds=tuple(kinds), sources=tuple(sources),
            data_categories=tuple(data_categories),
        )  # fmt: skip
        breach = record_breach(db, draft, actor=actor_of(dpo), at=runtime.clock.now())
    except BreachInputError as error:
        db.rollback()
        return _form(request, runtime, dpo, csrf_token, db, values=values, error=error)
    return _back(breach.reference, "breach-recorded")


@router.get("/breaches/{ref}")
def breach_page(
    ref: BreachRef,
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    return _detail(ref, request, runtime, dpo, db, csrf_token)


def _detail(ref: str, request: Request, runtime: WebRuntime, dpo: Principal, db: Any,
            csrf_token: str, *, error: BreachInputError | None = None,
            values: dict[str, Any] | None = None) -> Response:  # fmt: skip
    """A breach's page; after a refused action (nothing of it saved: rolled back) with
    the field marked and what was typed kept."""
    if error is not None:
        db.rollback()
    breach = get_breach(db, ref)
    now = runtime.clock.now()
    controller = runtime.company_contact()
    drafts = {
        lang: {
            "authority": authority_notification(breach, controller, tr).text,
            "people": subject_message(breach, controller, tr).text,
        }
        for lang in ("de", "en")
        for tr in (translator(lang, runtime.settings.timezone),)
    }
    return render(
        request, runtime, "breach.html", principal=dpo, csrf_token=csrf_token,
        active="breaches", breach=breach, clock=clock_of(breach, now=now),
        state=state_of(breach), drafts=drafts, error=error, values=values or {},
        status_code=422 if error is not None else 200,
    )  # fmt: skip


@router.post("/breaches/{ref}/assessment", dependencies=[CsrfProtected])
def assess(
    ref: BreachRef,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
    risk: Line = "",
    risk_reasons: Text = "",
    consequences: Text = "",
    measures: Text = "",
    notify_authority_: Annotated[str, Form(alias="notify_authority", max_length=3)] = "",
    authority_reason: Text = "",
    notify_subjects_: Annotated[str, Form(alias="notify_subjects", max_length=3)] = "",
    subjects_reason: Text = "",
) -> Response:
    assessment = Assessment(risk, risk_reasons, consequences, measures,
                            notify_authority_ == "yes", authority_reason,
                            notify_subjects_ == "yes", subjects_reason)  # fmt: skip
    try:
        breach = assess_breach(db, ref, assessment, actor=actor_of(dpo), at=runtime.clock.now())
    except BreachInputError as error:
        values = {"risk": risk, "risk_reasons": risk_reasons, "consequences": consequences,
                  "measures": measures, "notify_authority": notify_authority_ == "yes",
                  "authority_reason": authority_reason,
                  "notify_subjects": notify_subjects_ == "yes",
                  "subjects_reason": subjects_reason}  # fmt: skip
        return _detail(ref, request, runtime, dpo, db, csrf_token, error=error, values=values)
    return _back(breach.reference, "breach-assessed")


@router.post("/breaches/{ref}/authority-notification", dependencies=[CsrfProtected])
def notified_authority(
    ref: BreachRef,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
    authority_reference: Annotated[str, Form(max_length=100)] = "",
    delay_reason: Text = "",
    confirmed: Confirmed = "",
) -> Response:
    """Confirmed first: the notification is recorded as sent, with the time, for good."""
    breach = get_breach(db, ref)
    if not is_confirmed(confirmed):
        clock = clock_of(breach, now=runtime.clock.now())
        confirmation = Confirmation(
            kind="breach-authority",
            action=f"/cockpit/breaches/{breach.reference}/authority-notification",
            cancel=f"/cockpit/breaches/{breach.reference}",
            fields={"authority_reference": authority_reference, "delay_reason": delay_reason},
            numbers={"reference": breach.reference, "late": clock.state.value == "overdue",
                     "authority": runtime.company_contact().supervisory_authority.name,
                     "delay_reason": delay_reason},
        )  # fmt: skip
        return confirm_page(request, runtime, dpo, csrf_token, confirmation, active="breaches")
    try:
        notify_authority(db, ref, authority_reference=authority_reference,
                         delay_reason=delay_reason, actor=actor_of(dpo),
                         at=runtime.clock.now())  # fmt: skip
    except BreachInputError as error:
        return _detail(ref, request, runtime, dpo, db, csrf_token, error=error,
                           values={"delay_reason": delay_reason,
                                   "authority_reference": authority_reference})  # fmt: skip
    return _back(breach.reference, "breach-authority-notified")


@router.post("/breaches/{ref}/subject-notification", dependencies=[CsrfProtected])
def notified_subjects(
    ref: BreachRef,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
    confirmed: Confirmed = "",
) -> Response:
    """Confirmed first: from now on the people concerned see the message in their portal."""
    breach = get_breach(db, ref)
    if not is_confirmed(confirmed):
        confirmation = Confirmation(
            kind="breach-people",
            action=f"/cockpit/breaches/{breach.reference}/subject-notification",
            cancel=f"/cockpit/breaches/{breach.reference}",
            numbers={"reference": breach.reference, "people": breach.affected_subjects},
        )  # fmt: skip
        return confirm_page(request, runtime, dpo, csrf_token, confirmation, active="breaches")
    try:
        notify_subjects(db, ref, actor=actor_of(dpo), at=runtime.clock.now())
    except BreachInputError as error:
        return _detail(ref, request, runtime, dpo, db, csrf_token, error=error)
    return _back(breach.reference, "breach-subjects-notified")


@router.post("/breaches/{ref}/close", dependencies=[CsrfProtected])
def close(
    ref: BreachRef,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    try:
        breach = close_breach(db, ref, actor=actor_of(dpo), at=runtime.clock.now())
    except BreachInputError as error:
        return _detail(ref, request, runtime, dpo, db, csrf_token, error=error)
    return _back(breach.reference, "breach-closed")
