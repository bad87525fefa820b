"""Dependencies as ``Annotated`` aliases, so route signatures read as prose:
``def me(principal: CurrentStaff) -> MeOut``.

Authentication order: ``Authorization: Bearer sph_…`` (API token) first, else the
session cookie. An auditor (read-only role) is refused every non-GET request except
ending their own session. CSRF is checked for every unsafe request by
``CsrfProtected`` (routers add it as a dependency).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from sphere.accounts import (
    AccessDenied,
    NotAuthenticated,
    PasswordChangeRequired,
    Principal,
    Role,
    resolve_session,
    verify_api_token,
)
from sphere.domain.time import Clock
from sphere.storage.db import session_scope
from sphere.web.runtime import WebRuntime
from sphere.web.security import SAFE_METHODS, check_csrf, csrf_seed, csrf_token_for

# Ending your own session changes no data, so the read-only role may do it.
READ_ONLY_EXEMPT_PATHS = frozenset({"/cockpit/logout", "/api/v1/auth/logout"})
# What a session that must change its password may still reach (issue 18: demo accounts).
PASSWORD_CHANGE_PATHS = READ_ONLY_EXEMPT_PATHS | {"/cockpit/password", "/api/v1/auth/password"}


def get_runtime(request: Request) -> WebRuntime:
    runtime: WebRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[WebRuntime, Depends(get_runtime)]


def get_clock(runtime: Runtime) -> Clock:
    return runtime.clock


AppClock = Annotated[Clock, Depends(get_clock)]


def get_session_factory(runtime: Runtime) -> sessionmaker[Session]:
    return runtime.session_factory


SessionFactory = Annotated[sessionmaker[Session], Depends(get_session_factory)]


def get_db(runtime: Runtime) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns, else rolled back."""
    with session_scope(runtime.session_factory) as db:
        yield db


DbSession = Annotated[Session, Depends(get_db)]


async def csrf_protect(request: Request, runtime: Runtime) -> None:
    await check_csrf(request, runtime)


CsrfProtected = Depends(csrf_protect)


def get_csrf_token(request: Request, runtime: Runtime) -> str:
    """The token to embed in forms on this page ("" when the visitor has no cookie yet)."""
    seed = csrf_seed(request, runtime)
    return csrf_token_for(runtime.csrf_key, seed) if seed else ""


CsrfToken = Annotated[str, Depends(get_csrf_token)]


def get_principal(request: Request, db: DbSession, runtime: Runtime) -> Principal:
    authorization = request.headers.get("authorization", "")
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        principal = verify_api_token(db, credential.strip(), clock=runtime.clock)
    else:
        token = request.cookies.get(runtime.session_cookie)
        if not token:
            raise NotAuthenticated("log-in required")
        principal = resolve_session(
            db, token, limits=runtime.web.session_limits(), clock=runtime.clock
        )
    if (
        principal.role.is_read_only
        and request.method not in SAFE_METHODS
        and request.url.path not in READ_ONLY_EXEMPT_PATHS
    ):
        raise AccessDenied(f"role {principal.role.value!r} is read-only")
    if principal.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired()
    request.state.principal = principal
    return principal


CurrentStaff = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    allowed = frozenset(roles)

    def check(principal: CurrentStaff) -> Principal:
        if principal.role not in allowed:
            raise AccessDenied(f"role {principal.role.value!r} may not do this")
        return principal

    return check


COCKPIT_ROLES = (Role.DPO, Role.ADMIN, Role.AUDITOR)
POLICY_EDITOR_ROLES = (Role.DPO, Role.ADMIN)

# DPO cockpit: DPO, admin and (read-only) auditor.
CurrentDpo = Annotated[Principal, Depends(require_roles(*COCKPIT_ROLES))]
# May check and compare policy drafts (POST): DPO and admin.
PolicyEditor = Annotated[Principal, Depends(require_roles(*POLICY_EDITOR_ROLES))]
