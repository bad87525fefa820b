"""The ONLY place where errors become HTTP responses.

Status by category (first match along the exception's MRO):

=====================================  ======  ==================================
error                                  status  note
=====================================  ======  ==================================
``LoginThrottled``                     429     ``Retry-After`` header
``AuthenticationError``                401     HTML GET → redirect to log-in page
``AccessDenied`` (incl. CSRF)          403
``NotFound``                           404
``SignatureInvalid`` (intake)          401     bad/missing signature or replay
``ChallengeRefused`` (intake)          403     webhook verify token mismatch
``PayloadTooLarge`` (intake)           413
``NotJson`` (intake)                   400
``IntakeBusy`` (intake)                503     ``Retry-After`` header
``Refused`` (sphere.rights)            422     reason code, nothing disclosed
``InvalidInput`` (incl. PolicyError)   422     policy errors carry file/line/column
``PolicyViolation``                    422
``ConsentError``                       409
anything else                          500     correlation id only, no internals
=====================================  ======  ==================================

Requests under ``/api/`` get JSON ``{"ok": false, "error": {...}}``; everything else an
HTML page. An HTML error answering an htmx request (``HX-Request``) is retargeted to the
page's ``<main>`` (``HX-Retarget``/``HX-Reselect``), so the message replaces the content
the person was working on instead of vanishing into a fragment swap.

Unexpected exceptions are logged with the correlation id, the exception
type and the stack frames — never the exception message, which (for database errors)
can quote personal data.
"""

from __future__ import annotations

import logging
import math
import traceback
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sphere.accounts import (
    AccessDenied,
    AuthenticationError,
    LoginThrottled,
    NotAuthenticated,
    PasswordChangeRequired,
)
from sphere.errors import (
    ConsentError,
    InvalidInput,
    NotFound,
    PolicyError,
    PolicyViolation,
    SphereError,
)
from sphere.i18n import N_, Translator
from sphere.intake.errors import (
    ChallengeRefused,
    IntakeBusy,
    NotJson,
    PayloadTooLarge,
    SignatureInvalid,
)
from sphere.portal.handle_login import ChallengeInvalid
from sphere.portal.links import LinkInvalid
from sphere.portal.requests import TooManyRequests
from sphere.portal.sessions import SubjectErased
from sphere.rights.refusal import Refused
from sphere.web.i18n import request_translator
from sphere.web.runtime import WebRuntime
from sphere.web.security import csrf_token_for, delete_portal_cookie

logger = logging.getLogger("sphere.web")

_STATUS: tuple[tuple[type[BaseException], int, str], ...] = (
    (LoginThrottled, 429, "too_many_attempts"),
    (TooManyRequests, 429, "too_many_requests"),
    (AuthenticationError, 401, "not_authenticated"),
    (PasswordChangeRequired, 403, "password_change_required"),
    (AccessDenied, 403, "forbidden"),
    (SignatureInvalid, 401, "signature_invalid"),
    (ChallengeRefused, 403, "challenge_refused"),
    (PayloadTooLarge, 413, "payload_too_large"),
    (NotJson, 400, "not_json"),
    (IntakeBusy, 503, "unavailable"),
    (NotFound, 404, "not_found"),
    (Refused, 422, "refused"),
    (PolicyError, 422, "policy_error"),
    (InvalidInput, 422, "invalid_input"),
    (PolicyViolation, 422, "policy_violation"),
    (ConsentError, 409, "consent_error"),
)
_TITLES = {
    401: N_("Log-in required"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    400: N_("Bad request"),
    413: N_("Too large"),
    503: N_("Unavailable"),
    422: N_("Cannot process this input"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
}
# Shown in the person's language when the error's own message has no translation there.
_EXPLANATIONS = {
    401: N_("Please log in first."),
    403: N_("You may not do this."),
    404: N_("There is no such page, or it is not yours to see."),
    405: N_("This page cannot be used this way."),
    409: N_("This does not fit the current state; reload the page and try again."),
    400: N_("We could not read this request."),
    413: N_("This is more than we accept at once."),
    503: N_("This is not available right now; please try again in a moment."),
    422: N_("We could not process this input. Please check it and try again."),
    429: N_("Too many attempts. Please wait a while and try again."),
    500: N_("Something went wrong on our side. Please try again later."),
}
# Messages a person may see, translated on the pages (the API keeps the English text).
_PERSON_MESSAGES: tuple[tuple[type[BaseException], str], ...] = (
    (
        ChallengeInvalid,
        N_(
            "This log-in phrase is not valid any more (used, expired or started in another "
            "browser). Please start again on the log-in page."
        ),
    ),
    (LinkInvalid, N_("This log-in link is not valid any more; ask for a new one.")),
    (
        TooManyRequests,
        N_(
            "You have made many requests within 24 hours; further ones are refused as "
            "excessive for now (Art. 12(5) GDPR). Your open requests are being handled."
        ),
    ),
)


def status_for(exc: BaseException) -> tuple[int, str]:
    """HTTP status and a stable error code for ``exc`` (500 for anything unmapped)."""
    for cls, status, code in _STATUS:
        if isinstance(exc, cls):
            return status, code
    return 500, "internal_error"


def is_api(request_path: str) -> bool:
    return request_path == "/api" or request_path.startswith("/api/")


def _runtime(request: Request) -> WebRuntime:
    runtime: WebRuntime = request.app.state.runtime
    return runtime


def _json(status: int, error: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"ok": False, "error": error}, status_code=status, headers=headers)


def _for_htmx(request: Request, headers: dict[str, str] | None) -> dict[str, str] | None:
    """Error headers plus, for an htmx request, where htmx should put the error page."""
    if request.headers.get("hx-request") != "true":
        return headers
    return {
        **(headers or {}),
        "HX-Retarget": "#main",
        "HX-Reselect": "#main",
        "HX-Reswap": "outerHTML",
    }


def _html(
    request: Request,
    status: int,
    message: str,
    *,
    correlation_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    tr = request_translator(request)
    context = {
        "title": tr.gettext(_TITLES.get(status, N_("Error"))),
        "status": status,
        "message": _in_language(tr, status, message),
        "correlation_id": correlation_id,
        "area": "cockpit" if request.url.path.startswith("/cockpit") else "public",
    }
    return _runtime(request).templates.TemplateResponse(
        request,
        "public/error.html",
        context,
        status_code=status,
        headers=_for_htmx(request, headers),
    )


def _erased_page(request: Request) -> Response:
    """After an erasure: what happened, in the person's language; the cookie goes."""
    runtime = _runtime(request)
    response = runtime.templates.TemplateResponse(
        request, "portal/erased.html", {"active": "", "here": "/portal/", "csrf_token": ""}
    )
    response.status_code = 410
    delete_portal_cookie(response, runtime)
    return response


def _in_language(tr: Translator, status: int, message: str) -> str:
    """The error's message in the person's language: its translation, else (when the
    language is not English) the status's general explanation."""
    translated = tr.gettext(message.replace("%", "%%"))
    if translated != message or tr.lang == "en":
        return translated
    return tr.gettext(_EXPLANATIONS.get(status, _EXPLANATIONS[500]))


def _person_message(exc: BaseException, message: str) -> str:
    for cls, text in _PERSON_MESSAGES:
        if isinstance(exc, cls):
            return text
    return message


def _login_page(request: Request, status: int, message: str, headers: dict[str, str]) -> Response:
    runtime = _runtime(request)
    seed = request.cookies.get(runtime.presession_cookie)  # as the form (cockpit/pages.py)
    context = {
        "error": message,
        "csrf_token": csrf_token_for(runtime.csrf_key, seed) if seed else "",
        "next": "",
        "principal": None,
    }
    return runtime.templates.TemplateResponse(
        request,
        "cockpit/login.html",
        context,
        status_code=status,
        headers=_for_htmx(request, headers),
    )


async def handle_sphere_error(request: Request, exc: Exception) -> Response:
    status, code = status_for(exc)
    if status == 500:
        return _internal(request, exc)
    message = str(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, LoginThrottled):
        now = _runtime(request).clock.now()
        seconds = max(1, math.ceil((exc.until - now).total_seconds()))
        headers["Retry-After"] = str(seconds)
    if isinstance(exc, TooManyRequests):
        now = _runtime(request).clock.now()
        headers["Retry-After"] = str(max(1, math.ceil((exc.until - now).total_seconds())))
    if isinstance(exc, IntakeBusy):
        headers["Retry-After"] = "5"
    if status == 401 and is_api(request.url.path) and not isinstance(exc, SignatureInvalid):
        headers["WWW-Authenticate"] = "Bearer"
    if is_api(request.url.path):
        error: dict[str, Any] = {"code": code, "message": message}
        if isinstance(exc, PolicyError):
            error.update(message=exc.detail, file=exc.file, line=exc.line, column=exc.column)
        if isinstance(exc, InvalidInput) and isinstance(getattr(exc, "field", None), str):
            error["field"] = exc.field  # type: ignore[attr-defined]  # the refused form field
        return _json(status, error, headers)
    if isinstance(exc, PasswordChangeRequired) and request.method in ("GET", "HEAD"):
        return RedirectResponse("/cockpit/password", status_code=303)
    if isinstance(exc, SubjectErased) and not is_api(request.url.path):
        return _erased_page(request)
    if isinstance(exc, NotAuthenticated) and request.method in ("GET", "HEAD"):
        target = "/portal/login" if request.url.path.startswith("/portal") else "/cockpit/login"
        return RedirectResponse(target, status_code=303)
    if status in (401, 429) and request.url.path == "/cockpit/login":
        return _login_page(request, status, message, headers)
    return _html(request, status, _person_message(exc, message), headers=headers)


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"location": [str(part) for part in err.get("loc", ())], "message": err.get("msg", "")}
        for err in exc.errors()
    ]
    if is_api(request.url.path):
        error = {"code": "invalid_input", "message": "invalid request", "problems": problems}
        return _json(422, error)
    text = "; ".join(f"{'.'.join(p['location'])}: {p['message']}" for p in problems)
    return _html(request, 422, text or "invalid request")


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = {404: "no such page", 405: "method not allowed"}.get(status, str(exc.detail))
    headers = dict(exc.headers or {})
    if is_api(request.url.path):
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            status, "http_error"
        )
        return _json(status, {"code": code, "message": message}, headers)
    return _html(request, status, message, headers=headers)


def _internal(request: Request, exc: BaseException) -> Response:
    correlation_id = uuid.uuid4().hex
    log_internal_error(exc, correlation_id)
    message = "an internal error occurred; quote the correlation id when reporting it"
    if is_api(request.url.path):
        return _json(
            500, {"code": "internal_error", "message": message, "correlation_id": correlation_id}
        )
    return _html(request, 500, message, correlation_id=correlation_id)


def log_internal_error(exc: BaseException, correlation_id: str) -> None:
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(
        "internal error %s: %s (message withheld)\n%s",
        correlation_id,
        type(exc).__qualname__,
        frames,
    )


class InternalErrorMiddleware:
    """Turns an unexpected exception into the 500 page/JSON (inside the security-header
    middleware, so the error response carries the headers too)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            request = Request(scope, receive)
            response = _internal(request, exc)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SphereError, handle_sphere_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_middleware(InternalErrorMiddleware)
