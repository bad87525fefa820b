"""Cockpit pages: log-in/out, home (navigation), policy in force.

Forms post with a CSRF token bound to the (pre-)session cookie; see ``security.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import NotAuthenticated, Principal, Role, resolve_session, revoke_session
from sphere.i18n import N_
from sphere.storage.db import session_scope
from sphere.web._login import log_in
from sphere.web._policy_view import policy_in_force
from sphere.web.deps import (
    COCKPIT_ROLES,
    CsrfProtected,
    CsrfToken,
    CurrentDpo,
    CurrentStaff,
    DbSession,
    Runtime,
)
from sphere.web.runtime import WebRuntime
from sphere.web.security import (
    check_csrf,
    csrf_token_for,
    delete_cookie,
    new_presession_token,
    set_cookie,
)

router = APIRouter(prefix="/cockpit", include_in_schema=False)


@dataclass(frozen=True, slots=True)
class NavItem:
    title: str
    href: str | None  # None: not built yet
    note: str  # what it is, or what it is coming with


NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        N_("Record of processing"),
        "/cockpit/record",
        N_("the Art. 30 record built live from the policy and the data; PDF and DPV JSON-LD"),
    ),
    NavItem(
        N_("Inventories"),
        "/cockpit/inventories",
        N_("processes, data flows and infrastructure with their findings"),
    ),
    NavItem(N_("Findings"), "/cockpit/findings", N_("risk findings computed from the data")),
    NavItem(
        N_("Requests"),
        "/cockpit/requests",
        N_("data-subject requests with their deadlines: verify, extend, complete, reject"),
    ),
    NavItem(
        N_("DPIAs"),
        "/cockpit/dpia",
        N_("data protection impact assessments: criteria, risk register, opinion, sign-off"),
    ),
    NavItem(
        N_("Breaches"),
        "/cockpit/breaches",
        N_("personal-data breaches with the 72-hour clock, assessment and notifications"),
    ),
    NavItem(
        N_("Recipients"),
        "/cockpit/recipients",
        N_("recipients, processors and transfers with their agreements and safeguards"),
    ),
    NavItem(
        N_("Connected systems"),
        "/cockpit/systems",
        N_("the CRM, the shop and the other systems erasures reach: health and open tasks"),
    ),
    NavItem(
        N_("Joint controllers"),
        "/cockpit/joint-controllers",
        N_("arrangements with the platforms whose page statistics the company uses (Art. 26)"),
    ),
    NavItem(
        N_("Security measures"),
        "/cockpit/toms",
        N_("technical and organisational measures (Art. 32): evidenced and declared"),
    ),
    NavItem(
        N_("Audit"), "/cockpit/audit", N_("the hash-chained audit trail with its verification")
    ),
    NavItem(
        N_("Policy"), "/cockpit/policy", N_("purposes and rules of the policy in force; versions")
    ),
    NavItem(
        N_("What-if"), "/cockpit/whatif", N_("try a draft policy on the stored data, then apply it")
    ),
)


# Where each role starts: supervision roles on the cockpit home, the marketer on the
# planning check, the service agent on the contact search.
LANDING = {Role.MARKETER: "/cockpit/marketing/check", Role.AGENT: "/cockpit/contacts"}


def landing_for(role: Role) -> str:
    return LANDING.get(role, "/cockpit/")


def navigation_for(role: Role) -> tuple[NavItem, ...]:
    """The DPO sections for supervision roles; other roles get their own links only."""
    return NAVIGATION if role in COCKPIT_ROLES else ()


# What the page after an action confirms (``?done=CODE&n=…&m=…&name=…``, set by the
# action's redirect; the wording is in ``cockpit/_done.html``). Codes, numbers and a name
# only: nothing a person typed travels in the URL.
DONE_CODES = frozenset(
    {
        "policy-applied",
        "erasure-completed",
        "request-completed",
        "rectification-carried",
        "request-rejected",
        "measure-submitted",
        "measure-recorded",
        "measure-refused",
        "measure-approved",
        "measure-rejected",
        "breach-recorded",
        "breach-assessed",
        "breach-authority-notified",
        "breach-subjects-notified",
        "breach-closed",
        "dpia-opened",
        "dpia-changed",
        "dpia-opinion",
        "dpia-consultation",
        "dpia-signed-off",
        "campaign-created",
        "recipient-saved",
        "recipient-retired",
        "arrangement-saved",
        "tom-declared",
        "tom-updated",
        "tom-reviewed",
    }
)


def done_notice(request: Request) -> dict[str, Any] | None:
    """The success message an action's redirect asked for, if any."""
    code = request.query_params.get("done", "")
    if code not in DONE_CODES:
        return None

    def number(key: str) -> int | None:
        value = request.query_params.get(key, "")
        return int(value) if value.isdigit() and len(value) < 12 else None

    return {
        "code": code,
        "n": number("n"),
        "m": number("m"),
        "name": request.query_params.get("name", "")[:200],
    }


def render(
    request: Request,
    runtime: WebRuntime,
    template: str,
    *,
    principal: Principal,
    csrf_token: str,
    active: str,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """A cockpit page with the navigation the viewer's role may use (no links that
    would only answer 403); ``can_act`` is false for the read-only auditor, so pages
    show no action buttons that would only answer 403; ``done`` is the success message
    of the action that led here."""
    return runtime.templates.TemplateResponse(
        request,
        f"cockpit/{template}",
        {
            "principal": principal,
            "csrf_token": csrf_token,
            "navigation": navigation_for(principal.role),
            "active": active,
            "can_act": not principal.role.is_read_only,
            "done": done_notice(request),
            **context,
        },
        status_code=status_code,
    )


@router.get("/login")
def login_form(request: Request, runtime: Runtime) -> Response:
    """The log-in form. Sets a pre-session cookie the form's CSRF token is bound to. A
    live session goes to its landing page; a stale session cookie (idle or expired) is
    deleted here, so it can no longer get in the way of signing in again."""
    stale = request.cookies.get(runtime.session_cookie)
    if stale:
        try:
            with session_scope(runtime.session_factory) as db:
                principal = resolve_session(
                    db, stale, limits=runtime.web.session_limits(), clock=runtime.clock
                )
            return RedirectResponse(landing_for(principal.role), status_code=303)
        except NotAuthenticated:
            pass
    seed = request.cookies.get(runtime.presession_cookie) or new_presession_token()
    response = runtime.templates.TemplateResponse(
        request,
        "cockpit/login.html",
        {"csrf_token": csrf_token_for(runtime.csrf_key, seed), "error": None, "principal": None},
    )
    set_cookie(response, runtime, runtime.presession_cookie, seed)
    if stale:
        delete_cookie(response, runtime, runtime.session_cookie)
    return response


async def login_csrf(request: Request, runtime: Runtime) -> None:
    """The log-in form's token is bound to the pre-session cookie, whatever session
    cookie the browser still sends (a stale one must not make signing in fail)."""
    await check_csrf(request, runtime, seed=request.cookies.get(runtime.presession_cookie, ""))


@router.post("/login", dependencies=[Depends(login_csrf)])
def login_submit(
    request: Request,
    runtime: Runtime,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    principal, issued = log_in(request, runtime, username, password)
    response = RedirectResponse(landing_for(principal.role), status_code=303)
    set_cookie(response, runtime, runtime.session_cookie, issued.token)
    delete_cookie(response, runtime, runtime.presession_cookie)
    return response


@router.post("/logout", dependencies=[CsrfProtected])
def logout(request: Request, runtime: Runtime, _staff: CurrentStaff, db: DbSession) -> Response:
    revoke_session(db, request.cookies.get(runtime.session_cookie, ""), clock=runtime.clock)
    response = RedirectResponse("/cockpit/login", status_code=303)
    delete_cookie(response, runtime, runtime.session_cookie)
    return response


@router.get("/policy")
def policy(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    return render(
        request,
        runtime,
        "policy.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="policy",
        policy=policy_in_force(db),
    )
