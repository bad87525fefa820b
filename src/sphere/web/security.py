"""Security headers, CSRF tokens and cookie settings.

* **Headers** go on every response (pages, API, static files, errors): a strict
  Content-Security-Policy with no inline script or style, ``nosniff``, no referrer, a
  Permissions-Policy that switches off device APIs, no framing, and HSTS when cookies
  are Secure. Non-static responses are ``Cache-Control: no-store`` (pages show
  personal data).
* **CSRF**: synchronizer tokens bound to the session. The token is
  ``HMAC(csrf_key, session token)`` — nothing extra is stored, it changes with every
  new session, and it cannot be computed without the session cookie (HttpOnly) and
  the server key. Before log-in the same scheme binds the log-in form to a random
  "pre-session" cookie (login CSRF). Forms send it as the field ``csrf_token``; API
  clients that use the session cookie send it as ``X-CSRF-Token``. Requests
  authenticated by a Bearer token need none (the browser never adds that header).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sphere.accounts import AccessDenied
from sphere.web.runtime import WebRuntime

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class CsrfRejected(AccessDenied):
    """An unsafe request without the CSRF token of its session (HTTP: 403)."""

    def __init__(self) -> None:
        super().__init__("missing or wrong CSRF token; reload the page and try again")


def base_headers(*, hsts: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class SecurityHeadersMiddleware:
    """Pure ASGI middleware: adds the headers above unless a response set its own."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = base_headers(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.headers if h[0] not in present)
                if not is_static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token_for(key: bytes, seed: str) -> str:
    """The CSRF token for a session (or pre-session) token ``seed``."""
    return hmac.new(key, seed.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_seed(request: Request, runtime: WebRuntime) -> str | None:
    """The cookie the CSRF token is bound to: the session, else the pre-session cookie."""
    return request.cookies.get(runtime.session_cookie) or request.cookies.get(
        runtime.presession_cookie
    )


def new_presession_token() -> str:
    return secrets.token_urlsafe(32)


async def check_csrf(request: Request, runtime: WebRuntime, *, seed: str | None = None) -> None:
    """Refuse an unsafe request whose CSRF token does not match its cookie (``seed``:
    the cookie to bind to; default the staff session, else the pre-session cookie)."""
    if request.method in SAFE_METHODS:
        return
    if seed is None and request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    seed = seed or csrf_seed(request, runtime)
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached by Starlette; the route reads it again
            value = form.get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    if not seed or not submitted:
        raise CsrfRejected()
    if not hmac.compare_digest(submitted, csrf_token_for(runtime.csrf_key, seed)):
        raise CsrfRejected()


def set_cookie(response: Response, runtime: WebRuntime, name: str, value: str) -> None:
    """Session-lifetime cookie: HttpOnly, SameSite=Lax, Path=/, Secure when configured.
    Lax (not Strict) so a link from an e-mail to the cockpit keeps the session; every
    state change is additionally protected by the CSRF token."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        secure=runtime.web.cookie_secure,
        samesite="lax",
        path="/",
    )


def set_portal_cookie(response: Response, runtime: WebRuntime, value: str, max_age: int) -> None:
    """The portal session cookie: HttpOnly, SameSite=Strict (a portal page is never
    entered with a session from another site), expiring with the session."""
    response.set_cookie(
        runtime.portal_cookie,
        value,
        max_age=max_age,
        httponly=True,
        secure=runtime.web.cookie_secure,
        samesite="strict",
        path="/",
    )


def delete_portal_cookie(response: Response, runtime: WebRuntime) -> None:
    """End the portal session cookie (the server-side session is revoked separately)."""
    response.delete_cookie(
        runtime.portal_cookie,
        path="/",
        secure=runtime.web.cookie_secure,
        httponly=True,
        samesite="strict",
    )


def delete_cookie(response: Response, runtime: WebRuntime, name: str) -> None:
    response.delete_cookie(
        name, path="/", secure=runtime.web.cookie_secure, httponly=True, samesite="lax"
    )
