"""``/cockpit/password``: a member of staff changes their own password.

An account created with a password others know (``sphere demo`` prints one) must do this
first: until then every other cockpit page redirects here and the API answers 403
``password_change_required`` (``web/deps.py``, issue 18 point 4; ASVS V2.1.x, V2.3.1).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import change_password
from sphere.errors import InvalidInput
from sphere.web.cockpit.pages import landing_for, render
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentStaff, DbSession, Runtime

router = APIRouter(prefix="/cockpit", include_in_schema=False)


@router.get("/password")
def password_form(
    request: Request, runtime: Runtime, staff: CurrentStaff, csrf_token: CsrfToken
) -> Response:
    return render(
        request,
        runtime,
        "password.html",
        principal=staff,
        csrf_token=csrf_token,
        active="",
        error=None,
    )


@router.post("/password", dependencies=[CsrfProtected])
def password_submit(
    request: Request,
    runtime: Runtime,
    staff: CurrentStaff,
    db: DbSession,
    csrf_token: CsrfToken,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    repeat_password: Annotated[str, Form(max_length=1024)],
) -> Response:
    try:
        if new_password != repeat_password:
            raise InvalidInput("repeat_password: the two new passwords differ")
        if staff.user_id is None or staff.via != "session":
            raise InvalidInput("only a signed-in member of staff can change their password")
        change_password(db, staff.user_id, current_password, new_password, hasher=runtime.hasher)
    except InvalidInput as exc:
        return render(
            request,
            runtime,
            "password.html",
            principal=staff,
            csrf_token=csrf_token,
            active="",
            error=str(exc),
            status_code=422,
        )
    return RedirectResponse(landing_for(staff.role), status_code=303)
