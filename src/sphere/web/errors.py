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
from sphere.intake.errors import (
    ChallengeRefused,
    IntakeBusy,
    NotJson,
    PayloadTooLarge,
    SignatureInvalid,
)
from sphere.portal.requests import TooManyRequests
from sphere.rights.refusal import Refused
from sphere.web.runtime import WebRuntime
from sphere.web.security import csrf_token_for

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
    401: "Log-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    400: "Bad request",
    413: "Too large",
    503: "Unavailable",
    422: "Cannot process this input",
    429: "Too many attempts",
    500: "Something went wrong",
}


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
    context = {
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "message": message,
        "correlation_id": correlation_id,
    }
    return _runtime(request).templates.TemplateResponse(
        request,
        "public/error.html",
        context,
        status_code=status,
        headers=_for_htmx(request, headers),
    )


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
        return _json(status, error, headers)
    if isinstance(exc, PasswordChangeRequired) and request.method in ("GET", "HEAD"):
        return RedirectResponse("/cockpit/password", status_code=303)
    if isinstance(exc, NotAuthenticated) and request.method in ("GET", "HEAD"):
        target = "/portal/login" if request.url.path.startswith("/portal") else "/cockpit/login"
        return RedirectResponse(target, status_code=303)
    if status in (401, 429) and request.url.path == "/cockpit/login":
        return _login_page(request, status, message, headers)
    return _html(request, status, message, headers=headers)


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
