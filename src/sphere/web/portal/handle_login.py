"""Portal log-in after a social-handle challenge (``/portal/login/handle``).

``POST /portal/login/handle`` starts a challenge (``sphere.portal.handle_login``): the page
shows the phrase to post and where; the browser secret goes into an HttpOnly,
SameSite=Strict cookie and nowhere else (not in the page, not in a URL). ``GET`` shows
the same page again (reload, back button). ``POST /portal/login/handle/check`` opens a
portal session — as ``pages.login_redeem`` does — once the challenge of this browser's
secret was met, or shows the waiting page with "not seen yet". The page looks the same
whether or not the handle is on file.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from sphere.domain import Channel
from sphere.i18n.glossary import term
from sphere.portal.handle_login import (
    CHALLENGE_TTL,
    MAX_HANDLE_CHARS,
    ChallengeInvalid,
    ChallengeState,
    handle_channel,
    redeem_handle_challenge,
    show_handle_challenge,
    start_handle_challenge,
    throttle_key,
)
from sphere.portal.login_throttle import admit_login_attempt
from sphere.portal.sessions import BY_HANDLE_CHALLENGE, open_portal_session
from sphere.web.deps import DbSession, Runtime
from sphere.web.i18n import request_translator
from sphere.web.portal.pages import PortalCsrf, _render_with_seed, _seed, portal_client_key
from sphere.web.runtime import WebRuntime
from sphere.web.security import (
    delete_cookie,
    new_presession_token,
    set_cookie,
    set_portal_cookie,
)

router = APIRouter(prefix="/portal/login/handle", include_in_schema=False)
TEMPLATE = "handle_login.html"


def challenge_cookie(runtime: WebRuntime) -> str:
    return (
        "__Host-sphere_portal_challenge" if runtime.web.cookie_secure else "sphere_portal_challenge"
    )


def _company_accounts(runtime: WebRuntime, channel: Channel) -> list[str]:
    """The company's handles on ``channel`` to address the post to (ids, DIDs and page
    numbers are left out: nobody types those)."""
    accounts = runtime.core.company_profile().accounts_on(channel)
    return sorted(f"@{a}" for a in accounts if not a.isdigit() and not a.startswith("did:"))


def _waiting_page(
    request: Request, runtime: WebRuntime, state: ChallengeState, *, message: str = ""
) -> Response:
    tr = request_translator(request)
    seed = _seed(request, runtime) or new_presession_token()
    context: dict[str, Any] = {
        "phrase": state.phrase,
        "channel_name": term(tr, "channel", state.channel),
        "accounts": _company_accounts(runtime, state.channel),
        "expires": tr.datetime(state.expires_at),
        "message": message,
    }
    response = _render_with_seed(request, runtime, TEMPLATE, seed, **context)
    if _seed(request, runtime) is None:
        set_cookie(response, runtime, runtime.presession_cookie, seed)
    return response


@router.post("", dependencies=[PortalCsrf])
def start(
    request: Request,
    runtime: Runtime,
    db: DbSession,
    channel: Annotated[str, Form(max_length=40)],
    handle: Annotated[str, Form(max_length=4 * MAX_HANDLE_CHARS)],
) -> Response:
    # The per-client and total limits of every portal log-in (the handle's own limit
    # stays in start_handle_challenge, counted for known and unknown handles alike).
    admit_login_attempt(
        db,
        target_key=throttle_key(runtime.link_throttle_key, handle_channel(channel), handle),
        client_key=portal_client_key(request, runtime),
        at=runtime.clock.now(),
        limits=runtime.web.portal_login_limits(),
    )
    challenge = start_handle_challenge(
        db,
        runtime.keyring,
        channel,
        handle,
        at=runtime.clock.now(),
        throttle_secret=runtime.link_throttle_key,
    )
    state = ChallengeState(challenge.phrase, challenge.channel, challenge.expires_at)
    response = _waiting_page(request, runtime, state)
    response.set_cookie(
        challenge_cookie(runtime),
        challenge.secret,
        max_age=int(CHALLENGE_TTL.total_seconds()),
        httponly=True,
        secure=runtime.web.cookie_secure,
        samesite="strict",
        path="/",
    )
    return response


@router.get("")
def waiting(request: Request, runtime: Runtime, db: DbSession) -> Response:
    secret = request.cookies.get(challenge_cookie(runtime), "")
    try:
        state = show_handle_challenge(db, secret, at=runtime.clock.now())
    except ChallengeInvalid:
        return RedirectResponse("/portal/login", status_code=303)
    return _waiting_page(request, runtime, state)


@router.post("/check", dependencies=[PortalCsrf])
def check(request: Request, runtime: Runtime, db: DbSession) -> Response:
    now = runtime.clock.now()
    secret = request.cookies.get(challenge_cookie(runtime), "")
    state = redeem_handle_challenge(db, runtime.keyring, secret, at=now)
    if state.contact_id is None:
        tr = request_translator(request)
        message = tr.gettext(
            "We have not seen your post yet — posts are read every few minutes. "
            "Please wait a moment, then press the button again."
        )
        return _waiting_page(request, runtime, state, message=message)
    minutes = runtime.web.portal_session_minutes
    token = open_portal_session(
        db,
        state.contact_id,
        at=now,
        ttl=timedelta(minutes=minutes),
        method=BY_HANDLE_CHALLENGE,
    )
    response = RedirectResponse("/portal/overview", status_code=303)
    set_portal_cookie(response, runtime, token, max_age=minutes * 60)
    delete_cookie(response, runtime, runtime.presession_cookie)
    response.delete_cookie(
        challenge_cookie(runtime),
        path="/",
        secure=runtime.web.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response
