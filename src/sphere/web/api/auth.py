"""Log-in, log-out and "who am I" for API clients that use a session cookie.

Machines should prefer API tokens (``Authorization: Bearer sph_…``, created with
``sphere staff token``). ``POST /auth/login`` only accepts ``application/json`` (a
cross-site HTML form cannot send that without a CORS preflight, which is never
granted), so it needs no CSRF token; it returns the CSRF token to send as
``X-CSRF-Token`` on later unsafe requests that use the cookie.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from sphere.accounts import Principal, change_password, revoke_session
from sphere.errors import InvalidInput
from sphere.web._login import log_in
from sphere.web.deps import CsrfProtected, CurrentStaff, DbSession, Runtime
from sphere.web.security import csrf_token_for, delete_cookie, set_cookie

router = APIRouter(tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class MeOut(BaseModel):
    username: str
    display_name: str
    role: str
    via: str
    must_change_password: bool = Field(
        False,
        description="True for an account created with a password others know (the demo's): "
        "every other call answers 403 password_change_required until it is changed.",
    )

    @classmethod
    def of(cls, principal: Principal) -> MeOut:
        return cls(
            username=principal.username,
            display_name=principal.display_name,
            role=principal.role.value,
            via=principal.via,
            must_change_password=principal.must_change_password,
        )


class LoginOut(BaseModel):
    user: MeOut
    csrf_token: str
    expires_at: datetime


@router.post("/auth/login")
def login(body: LoginIn, request: Request, response: Response, runtime: Runtime) -> LoginOut:
    """Log in with user name and password; sets the session cookie."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise InvalidInput("send the credentials as application/json")
    principal, issued = log_in(request, runtime, body.username, body.password)
    set_cookie(response, runtime, runtime.session_cookie, issued.token)
    return LoginOut(
        user=MeOut.of(principal),
        csrf_token=csrf_token_for(runtime.csrf_key, issued.token),
        expires_at=issued.expires_at,
    )


@router.post("/auth/logout", status_code=204, dependencies=[CsrfProtected])
def logout(
    request: Request, response: Response, principal: CurrentStaff, db: DbSession, runtime: Runtime
) -> None:
    """End the current session (cookie clients). API tokens are revoked with the CLI."""
    if principal.via != "session":
        raise InvalidInput("API tokens are not logged out; revoke them with 'sphere staff revoke'")
    revoke_session(db, request.cookies.get(runtime.session_cookie, ""), clock=runtime.clock)
    delete_cookie(response, runtime, runtime.session_cookie)


@router.post("/auth/password", status_code=204, dependencies=[CsrfProtected])
def password(body: PasswordIn, principal: CurrentStaff, db: DbSession, runtime: Runtime) -> None:
    """Change the password of the signed-in member of staff (the current one must match;
    the new one needs 12 characters). Clears a forced change."""
    if principal.via != "session" or principal.user_id is None:
        raise InvalidInput("API tokens have no password; sign in with a session to change it")
    change_password(
        db, principal.user_id, body.current_password, body.new_password, hasher=runtime.hasher
    )


@router.get("/me")
def me(principal: CurrentStaff) -> MeOut:
    """Who the request is authenticated as."""
    return MeOut.of(principal)
