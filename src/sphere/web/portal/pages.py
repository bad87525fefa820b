"""The data-subject portal (``/portal``), German and English, no JavaScript.

Log-in: e-mail address → one-time link (``sphere.portal.links``) → a confirm page whose
button POSTs the token (so mail scanners that fetch links do not use it up) → a portal
session cookie (HttpOnly, SameSite=Strict, expiring). Every page takes the subject from
that session only; no route takes a contact id, and ids of requests and receipts are
checked against the subject in the service (someone else's id answers 404).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from sphere.errors import InvalidInput
from sphere.governance.policy_versions import active_policy
from sphere.i18n import Translator
from sphere.portal.breaches import breach_notices
from sphere.portal.consents import (
    consent_notice,
    consent_switches,
    give_own_consent,
    own_objection,
    own_receipt,
    own_receipts,
    withdraw_own_consent,
)
from sphere.portal.holdings import group_by_purpose
from sphere.portal.joint import public_joint
from sphere.portal.links import (
    LinkInvalid,
    NotAnEmailAddress,
    admit_link_request,
    create_login_link,
    redeem_login_link,
)
from sphere.portal.login_throttle import client_key
from sphere.portal.recipients import told_of_requests, who_receives
from sphere.portal.requests import PORTAL_TYPES, export_own_data, open_own_request, own_requests
from sphere.portal.sessions import (
    LivePortalSession,
    end_portal_session,
    live_portal_session,
    open_portal_session,
)
from sphere.rights.access import access_report
from sphere.rights.rectification import InvalidCorrections, validate_corrections
from sphere.rights.requests import MAX_DETAILS_CHARS, RequestType
from sphere.storage.db import session_scope
from sphere.web._corrections import CorrectionValues
from sphere.web.deps import DbSession, Runtime
from sphere.web.i18n import LANG_COOKIE, LANGUAGES, request_translator
from sphere.web.portal.mail import deliver_login_link
from sphere.web.runtime import WebRuntime
from sphere.web.security import (
    check_csrf,
    csrf_token_for,
    delete_cookie,
    delete_portal_cookie,
    new_presession_token,
    set_cookie,
    set_portal_cookie,
)

router = APIRouter(prefix="/portal", include_in_schema=False)


def current_login(request: Request, runtime: Runtime, db: DbSession) -> LivePortalSession:
    """The portal session — the only source of "who am I" (and how they proved it)."""
    token = request.cookies.get(runtime.portal_cookie, "")
    return live_portal_session(db, token, at=runtime.clock.now())


def current_subject(login: Annotated[LivePortalSession, Depends(current_login)]) -> str:
    return login.contact_id


Login = Annotated[LivePortalSession, Depends(current_login)]
Subject = Annotated[str, Depends(current_subject)]


def _seed(request: Request, runtime: WebRuntime) -> str | None:
    return request.cookies.get(runtime.portal_cookie) or request.cookies.get(
        runtime.presession_cookie
    )


async def portal_csrf(request: Request, runtime: Runtime) -> None:
    await check_csrf(request, runtime, seed=_seed(request, runtime) or "")


PortalCsrf = Depends(portal_csrf)


def _render(
    request: Request,
    runtime: WebRuntime,
    template: str,
    active: str = "",
    status_code: int = 200,
    **context: Any,
) -> Response:
    seed = _seed(request, runtime)
    csrf = csrf_token_for(runtime.csrf_key, seed) if seed else ""
    return runtime.templates.TemplateResponse(
        request,
        f"portal/{template}",
        {
            "csrf_token": csrf,
            "active": active,
            "here": request.url.path,
            **context,
        },
        status_code=status_code,
    )


@router.get("/lang/{lang}")
def switch_language(lang: str, next: str = "/portal/") -> Response:  # noqa: A002
    local = next.startswith(("/portal", "/transparency", "/cockpit")) and "//" not in next
    target = next if local else "/portal/"
    response = RedirectResponse(target, status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=31536000, samesite="lax", path="/")
    return response


@router.get("/")
def portal_home(request: Request, runtime: Runtime) -> Response:
    if request.cookies.get(runtime.portal_cookie):
        return RedirectResponse("/portal/overview", status_code=303)
    return RedirectResponse("/portal/login", status_code=303)


@router.get("/login")
def login_form(request: Request, runtime: Runtime) -> Response:
    seed = _seed(request, runtime) or new_presession_token()  # the seed portal_csrf checks
    response = _render_with_seed(request, runtime, "login.html", seed, sent=False)
    if not request.cookies.get(runtime.portal_cookie):  # never copy the session token
        set_cookie(response, runtime, runtime.presession_cookie, seed)
    return response


def _render_with_seed(
    request: Request, runtime: WebRuntime, template: str, seed: str, **context: Any
) -> Response:
    return runtime.templates.TemplateResponse(
        request,
        f"portal/{template}",
        {
            "csrf_token": csrf_token_for(runtime.csrf_key, seed),
            "active": "",
            "here": request.url.path,
            **context,
        },
    )


def portal_client_key(request: Request, runtime: WebRuntime) -> str:
    """The throttle's key for the asking client (its network address as the ASGI server
    reports it: behind a proxy, run uvicorn with ``--proxy-headers``)."""
    host = request.client.host if request.client else "unknown"
    return client_key(runtime.link_throttle_key, host)


@router.post("/login", dependencies=[PortalCsrf])
def login_submit(
    request: Request, runtime: Runtime, email: Annotated[str, Form(max_length=320)]
) -> Response:
    """Same answer, same throttle, same time for every address (no account enumeration):
    the request is checked and counted without looking the address up; the lookup, the
    link and the mail happen after the answer (``WebRuntime.after_response``)."""
    lang = request_translator(request).lang
    try:
        with session_scope(runtime.session_factory) as db:
            address = admit_link_request(
                db,
                email,
                client_key=portal_client_key(request, runtime),
                at=runtime.clock.now(),
                throttle_secret=runtime.link_throttle_key,
                limits=runtime.web.portal_login_limits(),
            )
    except NotAnEmailAddress as exc:
        response = _render(request, runtime, "login.html", sent=False, error=str(exc))
        response.status_code = 422
        return response
    runtime.after_response.submit(
        "portal log-in link", lambda: _send_login_link(runtime, address, lang)
    )
    return _render(request, runtime, "login.html", sent=True)


def _send_login_link(runtime: WebRuntime, address: str, lang: str) -> None:
    with session_scope(runtime.session_factory) as db:
        link = create_login_link(
            db,
            runtime.keyring,
            address,
            at=runtime.clock.now(),
            throttle_secret=runtime.link_throttle_key,
        )
    if link is not None:
        url = f"{runtime.web.public_url.rstrip('/')}/portal/login/{link.token}"
        deliver_login_link(runtime, link.address, url, lang=lang)


@router.get("/login/{token}")
def login_confirm(request: Request, runtime: Runtime, token: str) -> Response:
    seed = _seed(request, runtime) or new_presession_token()  # the seed portal_csrf checks
    response = _render_with_seed(request, runtime, "confirm.html", seed, token=token)
    if not request.cookies.get(runtime.portal_cookie):  # never copy the session token
        set_cookie(response, runtime, runtime.presession_cookie, seed)
    return response


@router.post("/session", dependencies=[PortalCsrf])
def login_redeem(
    request: Request, runtime: Runtime, db: DbSession, token: Annotated[str, Form(max_length=200)]
) -> Response:
    now = runtime.clock.now()
    try:
        contact_id = redeem_login_link(db, token, at=now)
    except LinkInvalid:
        return _link_invalid_page(request, runtime)
    minutes = runtime.web.portal_session_minutes
    session_token = open_portal_session(db, contact_id, at=now, ttl=timedelta(minutes=minutes))
    response = RedirectResponse("/portal/overview", status_code=303)
    set_portal_cookie(response, runtime, session_token, max_age=minutes * 60)
    delete_cookie(response, runtime, runtime.presession_cookie)
    return response


def _link_invalid_page(request: Request, runtime: WebRuntime) -> Response:
    """An expired, used or unknown link (one answer for all three): say so in the
    person's language and offer a new link right here."""
    seed = _seed(request, runtime) or new_presession_token()  # the seed portal_csrf checks
    response = _render_with_seed(request, runtime, "link_invalid.html", seed)
    response.status_code = 404
    if not request.cookies.get(runtime.portal_cookie):  # never copy the session token
        set_cookie(response, runtime, runtime.presession_cookie, seed)
    return response


@router.post("/logout", dependencies=[PortalCsrf])
def logout(request: Request, runtime: Runtime, db: DbSession, _subject: Subject) -> Response:
    end_portal_session(db, request.cookies.get(runtime.portal_cookie, ""), at=runtime.clock.now())
    response = RedirectResponse("/portal/login", status_code=303)
    delete_portal_cookie(response, runtime)
    return response


@router.get("/overview")
def overview(request: Request, runtime: Runtime, db: DbSession, subject: Subject) -> Response:
    tr = request_translator(request)
    report = access_report(db, runtime.keyring, active_policy(db), subject, now=runtime.clock.now())
    groups = group_by_purpose(report, tr)
    return _render(
        request,
        runtime,
        "overview.html",
        "overview",
        groups=groups,
        profiling=report["profiling"]["text"][tr.lang],  # Art. 15(1)(h)
        breaches=breach_notices(db, subject, runtime.company_contact(), tr),  # Art. 34
        recipients=who_receives(db, [g.purpose for g in groups], tr),  # Art. 15(1)(c), (2)
        joint=public_joint(db, tr),  # Art. 26(2) sentence 2
    )


@router.get("/consents")
def consents(
    request: Request, runtime: Runtime, db: DbSession, subject: Subject, done: str = ""
) -> Response:
    tr = request_translator(request)
    switches = [
        {"switch": s, "notice": consent_notice(tr, s)}
        for s in consent_switches(db, active_policy(db), subject, now=runtime.clock.now())
    ]
    return _render(
        request,
        runtime,
        "consents.html",
        "consents",
        switches=switches,
        done=done,
        objection=own_objection(db, runtime.keyring, subject),
    )


@router.post("/consents", dependencies=[PortalCsrf])
def change_consent(
    request: Request,
    runtime: Runtime,
    db: DbSession,
    subject: Subject,
    purpose: Annotated[str, Form(max_length=40)],
    action: Annotated[str, Form(max_length=10)],
) -> Response:
    tr = request_translator(request)
    policy = active_policy(db)
    now = runtime.clock.now()
    if action == "grant":
        switch = next(
            (
                s
                for s in consent_switches(db, policy, subject, now=now)
                if s.purpose.value == purpose
            ),
            None,
        )
        if switch is None:
            raise InvalidInput("no consent switch for this purpose")
        give_own_consent(
            db,
            policy,
            subject,
            purpose,
            notice_text=consent_notice(tr, switch),
            lang=tr.lang,
            at=now,
        )
        done = tr.gettext("Consent recorded.")
    elif action == "withdraw":
        removed = withdraw_own_consent(db, runtime.keyring, policy, subject, purpose, at=now)
        done = tr.ngettext(
            "Consent withdrawn; %(num)s derived item deleted.",
            "Consent withdrawn; %(num)s derived items deleted.",
            removed,
        )
    else:
        raise InvalidInput("action must be grant or withdraw")
    return _render(
        request,
        runtime,
        "consents.html",
        "consents",
        switches=[
            {"switch": s, "notice": consent_notice(tr, s)}
            for s in consent_switches(db, policy, subject, now=now)
        ],
        done=done,
        objection=own_objection(db, runtime.keyring, subject),
    )


@router.get("/requests")
def requests_page(request: Request, runtime: Runtime, db: DbSession, subject: Subject) -> Response:
    views = own_requests(db, subject, now=runtime.clock.now())
    told = told_of_requests(db, subject, request_translator(request))  # Art. 19 sentence 2
    return _render(request, runtime, "requests.html", "requests", views=views,
                   types=PORTAL_TYPES, done="", told=told, fix={}, fix_errors={})  # fmt: skip


@router.post("/requests", dependencies=[PortalCsrf])
def open_request_form(
    request: Request,
    runtime: Runtime,
    db: DbSession,
    login: Login,
    type: Annotated[str, Form(max_length=20)],  # noqa: A002
    corrections: CorrectionValues,
    details: Annotated[str, Form(max_length=MAX_DETAILS_CHARS)] = "",
    confirmed: Annotated[str, Form(max_length=3)] = "",
    correction: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Open a request; a correction (Art. 16) brings its values, checked here and
    recorded for the DPO, who carries them to Sphere and every connected system."""
    try:
        kind = RequestType(type)
    except ValueError as exc:
        raise InvalidInput("unknown request type") from exc
    if kind is RequestType.ERASURE and confirmed != "yes":
        # Erasure cannot be undone: say what it means, then ask once more.
        return _render(request, runtime, "erasure_confirm.html", "requests", details=details)
    now = runtime.clock.now()
    tr = request_translator(request)
    values: dict[str, str] = {}
    try:
        if kind is RequestType.RECTIFICATION and (corrections or correction == "yes"):
            values = validate_corrections(
                corrections, region=runtime.settings.resolved_phone_region
            )
        opened = open_own_request(
            db,
            runtime.keyring,
            login.contact_id,
            kind,
            at=now,
            method=login.method,
            details=details,
            corrections=values or None,
        )
    except InvalidCorrections as exc:  # nothing stored: the form again, marked
        db.rollback()
        return _render(request, runtime, "requests.html", "requests",
                       views=own_requests(db, login.contact_id, now=now), types=PORTAL_TYPES,
                       done="", told=told_of_requests(db, login.contact_id, tr),
                       fix=corrections, fix_errors=exc.errors, fix_details=details,
                       status_code=422)  # fmt: skip
    views = own_requests(db, login.contact_id, now=now)
    return _render(
        request,
        runtime,
        "requests.html",
        "requests",
        views=views,
        types=PORTAL_TYPES,
        done=_request_answer(tr, merged=opened.merged, kind=kind, corrected=bool(values)),
        told=told_of_requests(db, login.contact_id, tr),
        fix={},
        fix_errors={},
    )


def _request_answer(tr: Translator, *, merged: bool, kind: RequestType, corrected: bool) -> str:
    if corrected:
        return tr.gettext(
            "Your correction was received. We check it and then correct your data here and "
            "in every system we passed it to (Art. 16, Art. 19 GDPR); your request below "
            "shows how far it is."
        )
    if merged:
        return tr.gettext(
            "You already have an open request of this kind. We have added this to it "
            "(with what you wrote); it keeps its deadline."
        )
    if kind is RequestType.OBJECTION:
        return tr.gettext(
            "Your objection took effect at once: we no longer use your data for advertising "
            "or for the profiling behind it, and what we had derived about you for these "
            "purposes has been deleted (Art. 21(3) GDPR)."
        )
    return tr.gettext("Your request was received.")


@router.post("/export", dependencies=[PortalCsrf])
def export(request: Request, runtime: Runtime, db: DbSession, login: Login) -> Response:
    now = runtime.clock.now()
    _rid, archive = export_own_data(
        db,
        runtime.keyring,
        active_policy(db),
        login.contact_id,
        at=now,
        method=login.method,
        tr=request_translator(request),
        controller=runtime.company_contact(),
        systems=runtime.core.connected_systems(),
    )
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="my-data-{now:%Y-%m-%d}.zip"'},
    )


@router.get("/receipts")
def receipts(request: Request, runtime: Runtime, db: DbSession, subject: Subject) -> Response:
    items = own_receipts(
        db, subject, controller=runtime.receipt_controller(), now=runtime.clock.now()
    )
    return _render(request, runtime, "receipts.html", "receipts", receipts=items)


@router.get("/receipts/{receipt_id}.jsonld")
def receipt(runtime: Runtime, db: DbSession, subject: Subject, receipt_id: str) -> Response:
    body = own_receipt(
        db, subject, receipt_id, controller=runtime.receipt_controller(), now=runtime.clock.now()
    )
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        media_type="application/ld+json",
        headers={"Content-Disposition": f'attachment; filename="consent-{receipt_id}.jsonld"'},
    )
