"""A ceiling on request bodies (issue 18, point 6; OWASP ASVS V12.1.1, V13.1.3).

One 8.8 MB measure with 200,000 items once took 45 s and stalled the whole server. Every
request body is now counted as it arrives: more than ``SPHERE_WEB_MAX_BODY_BYTES``
(declared by Content-Length or actually sent, chunked or not) is refused with 413 before
it is parsed, as JSON under ``/api`` and as a page elsewhere (``web/errors.py``). The
webhook intake has its own, larger limit (``intake.max_bytes``) and is left to it.

The refusal is raised from ``receive`` as an ``HTTPException``, i.e. inside the route's
own body reading, so the app's error handlers render it like any other error.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EXEMPT_PREFIXES = ("/api/v1/intake/",)


def too_large(limit: int) -> HTTPException:
    return HTTPException(
        413,
        f"request body too large: at most {limit:,} bytes are accepted; split the data "
        "into smaller requests",
    )


class BodyLimitMiddleware:
    """Pure ASGI middleware counting request body bytes against ``limit``."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        limit = self.limit
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        is_over = declared.isdigit() and int(declared) > limit
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            if is_over:
                raise too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, counted, send)
