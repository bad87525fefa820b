"""Password log-in shared by the cockpit form and the JSON API."""

from __future__ import annotations

from fastapi import Request

from sphere.accounts import IssuedSession, Principal, authenticate, create_session
from sphere.storage.db import session_scope
from sphere.web.runtime import WebRuntime


def client_address(request: Request) -> str | None:
    """The peer address (behind a proxy: run uvicorn with ``--proxy-headers``)."""
    return request.client.host if request.client else None


def log_in(
    request: Request, runtime: WebRuntime, username: str, password: str
) -> tuple[Principal, IssuedSession]:
    """Check the password and open a session in a unit of work of its own, so that
    failure counters are committed even though the request then fails."""
    with session_scope(runtime.session_factory) as db:
        result = authenticate(
            db,
            username,
            password,
            client_address=client_address(request),
            throttle_secret=runtime.throttle_key,
            limits=runtime.web.login_limits(),
            hasher=runtime.hasher,
            clock=runtime.clock,
        )
        issued = None
        if result.principal is not None and result.principal.user_id is not None:
            issued = create_session(
                db,
                result.principal.user_id,
                limits=runtime.web.session_limits(),
                clock=runtime.clock,
            )
    principal = result.unwrap()
    assert issued is not None
    return principal, issued
