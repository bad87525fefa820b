"""The data subject's portal as JSON (``/api/v1/portal/me/…``), for apps and scripts.

Everything a person can do on the portal pages (``sphere.web.portal.pages``) is here
too, calling the same services of ``sphere.portal`` and ``sphere.rights``.

* **Who**: the portal session cookie, and nothing else. A person gets it by opening
  the one-time log-in link from the e-mail and pressing "Log in"; a data subject never
  has a Bearer token, and no route takes a contact or subject id — "me" is always the
  session's subject. Ids of requests and receipts are checked against that subject in
  the service: someone else's id answers 404, exactly like an unknown one.
* **CSRF**: unsafe methods need ``X-CSRF-Token`` = HMAC of the portal cookie (the same
  token the pages embed in their forms; ``GET /me/session`` returns it). A Bearer
  header does not exempt these routes.
* **Language**: wording a person reads (the consent notice, group titles, the legal
  basis in plain words) comes from the portal's catalogue in ``de`` or ``en``; ``lang``
  picks it, else the ``sphere_lang`` cookie or ``Accept-Language`` as on the pages.
  Granting a consent records the exact notice text in the language given.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field, model_validator
from starlette.responses import Response

from sphere.accounts import NotAuthenticated
from sphere.domain import Purpose
from sphere.domain.consent import notice_hash
from sphere.errors import InvalidInput
from sphere.governance.policy_versions import active_policy
from sphere.i18n import Translator, translator
from sphere.i18n.glossary import article
from sphere.portal.consents import (
    ConsentSwitch,
    consent_notice,
    consent_switches,
    give_own_consent,
    own_receipt,
    own_receipts,
    withdraw_own_consent,
)
from sphere.portal.holdings import group_by_purpose
from sphere.portal.requests import PORTAL_TYPES, export_own_data, open_own_request, own_request
from sphere.portal.requests import own_requests as list_own_requests
from sphere.portal.sessions import LivePortalSession, end_portal_session, live_portal_session
from sphere.rights.access import access_report
from sphere.rights.requests import MAX_DETAILS_CHARS, RequestType, RequestView
from sphere.web.deps import DbSession, Runtime
from sphere.web.i18n import request_translator
from sphere.web.security import check_csrf, csrf_token_for, delete_portal_cookie

JSONLD = "application/ld+json"
ZIP = "application/zip"
PORTAL_TYPE_VALUES = tuple(t.value for t in PORTAL_TYPES)
Lang = Literal["de", "en"]


# --- errors, as errors.py renders them under /api ----------------------------------


class ProblemOut(BaseModel):
    """One invalid field of a request that failed validation."""

    location: list[str] = Field(description="Where: e.g. ['body', 'action'].")
    message: str


class ErrorBodyOut(BaseModel):
    code: str = Field(
        description="Stable error code: not_authenticated, forbidden, not_found, "
        "invalid_input, refused, too_many_attempts, …"
    )
    message: str = Field(description="What went wrong, for a person to read.")
    problems: list[ProblemOut] | None = Field(
        None, description="Field-by-field problems (validation errors only)."
    )


class ErrorOut(BaseModel):
    """Every error of the JSON API has this shape."""

    ok: Literal[False] = False
    error: ErrorBodyOut


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


Responses = dict[int | str, dict[str, Any]]
# Every route: no session, or too many requests.
AUTH_ERRORS: Responses = {
    401: _error(
        "No portal session: the portal cookie is missing, expired, logged out, or its "
        "subject was erased. Log in again with a one-time link."
    ),
    429: _error(
        "Too many attempts (the shape used whenever a rate limit applies); wait the "
        "seconds given in Retry-After."
    ),
}
INVALID: Responses = {
    422: _error(
        "Invalid input (a path, query or body field, or a refused purpose), with the "
        "problems listed for validation errors."
    )
}
CSRF: Responses = {
    403: _error("Missing or wrong X-CSRF-Token (get it from GET /api/v1/portal/me/session).")
}
NOT_FOUND: Responses = {
    404: _error("No such id among your own (someone else's id answers the same).")
}

router = APIRouter(prefix="/portal/me", tags=["portal"], responses=AUTH_ERRORS)

RecordId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Id from the list of your own requests or receipts.",
    ),
]
LangQuery = Annotated[
    Lang | None,
    Query(description="Language of the texts (de, en); default: cookie or Accept-Language."),
]


# --- who am I ------------------------------------------------------------------------


def current_portal_session(request: Request, runtime: Runtime, db: DbSession) -> LivePortalSession:
    """The portal session of the cookie — the only source of "who am I"."""
    token = request.cookies.get(runtime.portal_cookie, "")
    if not token:
        raise NotAuthenticated("portal log-in required; open your one-time log-in link first")
    return live_portal_session(db, token, at=runtime.clock.now())


Me = Annotated[LivePortalSession, Depends(current_portal_session)]


async def portal_api_csrf(request: Request, runtime: Runtime, _me: Me) -> None:
    """After the session (so no session answers 401): the token bound to the portal
    cookie, never to a staff session or a Bearer header."""
    await check_csrf(request, runtime, seed=request.cookies.get(runtime.portal_cookie, ""))


PortalCsrf = Depends(portal_api_csrf)


def _translator(request: Request, lang: str | None) -> Translator:
    found = request_translator(request)
    return translator(lang, found.tz) if lang else found


def _lang(tr: Translator) -> Lang:
    return "de" if tr.lang == "de" else "en"


# --- session -------------------------------------------------------------------------


class SessionOut(BaseModel):
    """The live portal session: what a script needs for unsafe requests."""

    csrf_token: str = Field(description="Send as the X-CSRF-Token header on POST and DELETE.")
    csrf_header: str = Field(description="The header name to send it in.")
    expires_at: datetime = Field(
        description="When the session ends (UTC); log in again with a new link."
    )


@router.get("/session")
def get_session(request: Request, runtime: Runtime, me: Me) -> SessionOut:
    """The CSRF token of this portal session and when the session expires."""
    token = request.cookies.get(runtime.portal_cookie, "")
    return SessionOut(
        csrf_token=csrf_token_for(runtime.csrf_key, token),
        csrf_header="X-CSRF-Token",
        expires_at=me.expires_at,
    )


@router.delete("/session", status_code=204, dependencies=[PortalCsrf], responses=CSRF)
def delete_session(
    request: Request, response: Response, runtime: Runtime, db: DbSession, _me: Me
) -> None:
    """Log out: the session is revoked on the server (a copied cookie dies too)."""
    end_portal_session(db, request.cookies.get(runtime.portal_cookie, ""), at=runtime.clock.now())
    delete_portal_cookie(response, runtime)


# --- what we hold ------------------------------------------------------------------


class HeldItemOut(BaseModel):
    """One datum held about you."""

    item: str = Field(description="What it is, in words (e.g. 'E-mail address: …').")
    label: str = Field(description="The words part of `item` (e.g. 'Mastodon, Post').")
    value: str = Field(description="The data part of `item`, as held ('' for events).")
    category: str = Field(description="provided, observed, or the kind of derived datum.")
    source: str = Field(description="Where it came from ('' when not recorded).")
    basis: str = Field(description="Legal basis: article and plain words ('' when none).")
    legal_basis: str | None = Field(description="Legal-basis code, e.g. art6_1_a.")
    article: str | None = Field(
        description="The article as `lang` cites it: 'Art. 6(1)(a) GDPR' or "
        "'Art. 6 Abs. 1 lit. a DSGVO'."
    )
    deleted: str = Field(description="Local deletion date in `lang`, or words for no fixed date.")
    retention_until: datetime | None = Field(description="Retention deadline (UTC), if fixed.")
    explanation: str = Field(description="How a derived datum was derived ('' for others).")


class PurposeGroupOut(BaseModel):
    """The data held for one purpose ('provided': your contact details)."""

    purpose: str = Field(description="Purpose id, or 'provided'.")
    title: str
    description: str = Field(description="What the purpose is, from the policy in force.")
    items: list[HeldItemOut]


class DataOut(BaseModel):
    """Everything held about you, grouped by why it is used (as on the overview page)."""

    lang: Lang
    generated_at: datetime
    groups: list[PurposeGroupOut]
    profiling: dict[str, Any] = Field(
        description="Art. 15(1)(h): whether profiling or automated decisions take place, "
        "the logic (data, scores, what they change) and the consequences, in `lang`; "
        "facts (interests, scores with contributions, segments) for clients."
    )


@router.get("/data", responses=INVALID)
def get_data(
    request: Request, runtime: Runtime, db: DbSession, me: Me, lang: LangQuery = None
) -> DataOut:
    """Everything held about you, grouped by purpose, with source, legal basis and the
    deletion date of each item (Art. 15). The complete machine-readable copy is
    ``POST /me/export``."""
    tr = _translator(request, lang)
    now = runtime.clock.now()
    report = access_report(db, runtime.keyring, active_policy(db), me.contact_id, now=now)
    return DataOut(
        lang=_lang(tr),
        generated_at=now,
        groups=[
            PurposeGroupOut.model_validate(g, from_attributes=True)
            for g in group_by_purpose(report, tr)
        ],
        profiling={
            **{k: v for k, v in report["profiling"].items() if k != "text"},
            "text": report["profiling"]["text"][_lang(tr)],
        },
    )


# --- consents ------------------------------------------------------------------------


class ConsentOut(BaseModel):
    """A consent switch: a purpose based on consent, or one you have a ledger entry for."""

    purpose: Purpose
    description: str = Field(description="What the purpose is, from the policy in force.")
    legal_basis: str = Field(description="The policy's legal basis for the purpose (code).")
    article: str
    retention_days: int = Field(description="How long data for this purpose is kept.")
    is_on: bool = Field(description="Whether a valid consent is in force now.")
    state: str = Field(description="none, given, explicit (Art. 9(2)(a)) or withdrawn.")
    since: datetime | None = Field(description="When the current state began.")
    notice: str = Field(description="The notice to show before granting (in `lang`).")
    notice_sha256: str = Field(description="SHA-256 of the notice (NFC), as recorded on grant.")

    @classmethod
    def of(cls, switch: ConsentSwitch, tr: Translator) -> ConsentOut:
        text = consent_notice(tr, switch)
        return cls(
            purpose=switch.purpose,
            description=switch.description,
            legal_basis=switch.legal_basis.value,
            article=article(tr, switch.legal_basis),
            retention_days=switch.retention_days,
            is_on=switch.is_on,
            state=switch.state,
            since=switch.since,
            notice=text,
            notice_sha256=notice_hash(text),
        )


class ConsentsOut(BaseModel):
    lang: Lang
    consents: list[ConsentOut]


class ConsentChangeIn(BaseModel):
    """Switch a purpose on (grant) or off (withdraw)."""

    action: Literal["grant", "withdraw"]
    lang: Lang | None = Field(
        None,
        description="Language of the notice the person was shown (required to grant; the "
        "exact text in this language is recorded with the consent).",
    )
    notice_sha256: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[0-9a-f]{64}$",
        description="Optional: notice_sha256 of the notice shown. If the notice has changed "
        "since (a new policy), the grant is refused so the new text can be shown first.",
    )

    @model_validator(mode="after")
    def _grant_needs_lang(self) -> ConsentChangeIn:
        if self.action == "grant" and self.lang is None:
            raise ValueError(
                "lang is required to grant: the language of the notice the person was shown"
            )
        return self


class ConsentChangeOut(BaseModel):
    """The switch after the change."""

    action: Literal["grant", "withdraw"]
    consent: ConsentOut
    derived_removed: int = Field(
        description="Derived data (interests, scores, segments) deleted with a withdrawal; "
        "0 for a grant."
    )
    receipt_id: str | None = Field(
        description="The new ledger entry of a grant (GET /me/receipts/{id}); null for a "
        "withdrawal (it appears in GET /me/receipts)."
    )
    message: str = Field(description="The confirmation the page shows, in `lang`.")


@router.get("/consents", responses=INVALID)
def get_consents(
    request: Request, runtime: Runtime, db: DbSession, me: Me, lang: LangQuery = None
) -> ConsentsOut:
    """Your consent switches with the notice to show before granting."""
    tr = _translator(request, lang)
    switches = consent_switches(db, active_policy(db), me.contact_id, now=runtime.clock.now())
    return ConsentsOut(lang=_lang(tr), consents=[ConsentOut.of(s, tr) for s in switches])


def _switch(switches: list[ConsentSwitch], purpose: Purpose) -> ConsentSwitch:
    for switch in switches:
        if switch.purpose is purpose:
            return switch
    raise InvalidInput(
        f"no consent switch for purpose {purpose.value!r}; see GET /api/v1/portal/me/consents"
    )


@router.post("/consents/{purpose}", dependencies=[PortalCsrf], responses={**CSRF, **INVALID})
def post_consent(
    purpose: Annotated[Purpose, Path(description="The purpose to switch.")],
    body: ConsentChangeIn,
    request: Request,
    runtime: Runtime,
    db: DbSession,
    me: Me,
) -> ConsentChangeOut:
    """Grant (recording the exact notice text shown) or withdraw consent for a purpose.
    A withdrawal deletes every datum derived from that consent at once (Art. 7(3))."""
    tr = _translator(request, body.lang)
    policy = active_policy(db)
    now = runtime.clock.now()
    receipt_id: str | None = None
    removed = 0
    if body.action == "grant":
        switch = _switch(consent_switches(db, policy, me.contact_id, now=now), purpose)
        text = consent_notice(tr, switch)
        if body.notice_sha256 is not None and body.notice_sha256 != notice_hash(text):
            raise InvalidInput(
                "the notice has changed since it was shown; show the current notice "
                "(GET /api/v1/portal/me/consents) and ask again"
            )
        receipt_id = give_own_consent(
            db, policy, me.contact_id, purpose.value, notice_text=text, lang=tr.lang, at=now
        )
        message = tr.gettext("Consent recorded.")
    else:
        removed = withdraw_own_consent(
            db, runtime.keyring, policy, me.contact_id, purpose.value, at=now
        )
        message = tr.ngettext(
            "Consent withdrawn; %(num)s derived item deleted.",
            "Consent withdrawn; %(num)s derived items deleted.",
            removed,
        )
    switch = _switch(consent_switches(db, policy, me.contact_id, now=now), purpose)
    return ConsentChangeOut(
        action=body.action,
        consent=ConsentOut.of(switch, tr),
        derived_removed=removed,
        receipt_id=receipt_id,
        message=message,
    )


# --- requests --------------------------------------------------------------------------


class RequestOut(BaseModel):
    """One of your data-subject requests with its deadline (Art. 12(3))."""

    id: str
    type: str = Field(description="access, portability, erasure, objection, …")
    state: str = Field(description="received, identity_verified, in_progress, completed, rejected.")
    channel: str = Field(description="Where it was made (portal, e-mail, …).")
    received_at: datetime
    due_at: datetime = Field(description="The answer is due by then (one month).")
    extended_until: datetime | None = Field(description="Extended deadline (Art. 12(3)).")
    extension_reason: str | None
    verified_at: datetime | None
    verification_method: str | None = Field(
        description="How your identity was verified: portal_login_link (e-mail link), "
        "portal_handle_challenge (social account), or a method of the staff (Art. 12(6))."
    )
    completed_at: datetime | None
    rejected_reason: str | None = Field(description="Why it was refused (Art. 12(4)).")
    deadline: str | None = Field(
        description="open, near or overdue while open; null once answered."
    )
    days_left: int
    overdue: bool
    description: str = Field(description="The deadline in words.")
    merged: bool = Field(
        False,
        description="True when this answer to POST /requests is your open request of the "
        "same kind, which the new one (and its details) was added to.",
    )

    @classmethod
    def of(cls, v: RequestView) -> RequestOut:
        r = v.request
        return cls(
            id=r.id,
            type=r.type,
            state=r.state,
            channel=r.channel,
            received_at=r.received_at,
            due_at=r.due_at,
            extended_until=r.extended_until,
            extension_reason=r.extension_reason,
            verified_at=r.verified_at,
            verification_method=r.verification_method,
            completed_at=r.completed_at,
            rejected_reason=r.rejected_reason,
            deadline=v.deadline_state.value if v.deadline_state else None,
            days_left=v.days_left,
            overdue=v.is_overdue,
            description=v.description,
        )


class RequestsOut(BaseModel):
    requests: list[RequestOut]
    types: list[str] = Field(description="Request types you may open with POST /me/requests.")


class RequestIn(BaseModel):
    """Open a request. A copy of your data (Art. 20) is POST /me/export instead."""

    type: str = Field(
        pattern="^(" + "|".join(PORTAL_TYPE_VALUES) + ")$",
        json_schema_extra={"enum": list(PORTAL_TYPE_VALUES)},
        description="One of: " + ", ".join(PORTAL_TYPE_VALUES) + ".",
    )
    details: str | None = Field(
        None,
        max_length=MAX_DETAILS_CHARS,
        description="What we should know, e.g. for a correction what is wrong and what is "
        "right. Stored encrypted; shown to the data-protection team only.",
    )


@router.get("/requests")
def get_requests(runtime: Runtime, db: DbSession, me: Me) -> RequestsOut:
    """Your requests, each with its state and answer deadline."""
    views = list_own_requests(db, me.contact_id, now=runtime.clock.now())
    return RequestsOut(requests=[RequestOut.of(v) for v in views], types=list(PORTAL_TYPE_VALUES))


@router.post("/requests", status_code=201, dependencies=[PortalCsrf], responses={**CSRF, **INVALID})
def post_request(body: RequestIn, runtime: Runtime, db: DbSession, me: Me) -> RequestOut:
    """Open a request (access, erasure, objection, rectification, restriction). Your
    log-in with the one-time link verifies your identity; the DPO handles it. A request
    of a kind you already have open is added to that one (``merged``: true); more than
    20 requests within 24 hours are refused with 429 (Art. 12(5) GDPR)."""
    now = runtime.clock.now()
    opened = open_own_request(
        db,
        runtime.keyring,
        me.contact_id,
        RequestType(body.type),
        at=now,
        method=me.method,
        details=body.details,
    )
    out = RequestOut.of(own_request(db, me.contact_id, opened.request.id, now=now))
    return out.model_copy(update={"merged": opened.merged})


@router.get("/requests/{request_id}", responses={**NOT_FOUND, **INVALID})
def get_request(request_id: RecordId, runtime: Runtime, db: DbSession, me: Me) -> RequestOut:
    """One of your requests."""
    return RequestOut.of(own_request(db, me.contact_id, request_id, now=runtime.clock.now()))


@router.post(
    "/export",
    dependencies=[PortalCsrf],
    response_class=Response,
    responses={
        **CSRF,
        200: {
            "description": "A zip: data.json (everything), one CSV per kind of datum, "
            "summary.html.",
            "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                "X-Sphere-Request-Id": {
                    "description": "The completed portability request (GET /me/requests/{id}).",
                    "schema": {"type": "string"},
                }
            },
        },
    },
)
def post_export(request: Request, runtime: Runtime, db: DbSession, me: Me) -> Response:
    """A copy of all your data at once (Art. 20), recorded as a completed request; its
    summary.html in the portal's language (the `sphere_lang` cookie, Accept-Language)."""
    now = runtime.clock.now()
    request_id, archive = export_own_data(
        db,
        runtime.keyring,
        active_policy(db),
        me.contact_id,
        at=now,
        method=me.method,
        tr=request_translator(request),
        controller=runtime.company_contact(),
        systems=runtime.core.connected_systems(),
    )
    return Response(
        archive,
        media_type=ZIP,
        headers={
            "Content-Disposition": f'attachment; filename="my-data-{now:%Y-%m-%d}.zip"',
            "X-Sphere-Request-Id": request_id,
        },
    )


# --- receipts --------------------------------------------------------------------------


class ReceiptOut(BaseModel):
    """One entry of your consent ledger."""

    id: str
    purpose: str
    status: str = Field(description="DPV status term, e.g. dpv:ConsentGiven.")
    indicated_at: datetime = Field(description="When it was recorded (UTC).")
    record: dict[str, Any] = Field(
        description="The full W3C DPV JSON-LD consent record (as GET /me/receipts/{id})."
    )

    @classmethod
    def of(cls, receipt: dict[str, Any]) -> ReceiptOut:
        return cls(
            id=str(receipt["dct:identifier"]),
            purpose=str(receipt["dpv:hasPurpose"]["dct:identifier"]),
            status=str(receipt["dpv:hasConsentStatus"]["@id"]),
            indicated_at=receipt["dpv:isIndicatedAtTime"]["@value"],
            record=receipt,
        )


class ReceiptsOut(BaseModel):
    receipts: list[ReceiptOut] = Field(description="Oldest first.")


@router.get("/receipts")
def get_receipts(runtime: Runtime, db: DbSession, me: Me) -> ReceiptsOut:
    """Every entry of your consent ledger as a machine-readable receipt."""
    items = own_receipts(
        db, me.contact_id, controller=runtime.receipt_controller(), now=runtime.clock.now()
    )
    return ReceiptsOut(receipts=[ReceiptOut.of(r) for r in items])


@router.get(
    "/receipts/{receipt_id}",
    response_class=Response,
    responses={
        **NOT_FOUND,
        **INVALID,
        200: {
            "description": "The W3C DPV JSON-LD consent record.",
            "content": {JSONLD: {"schema": {"type": "object"}}},
        },
    },
)
def get_receipt(receipt_id: RecordId, runtime: Runtime, db: DbSession, me: Me) -> Response:
    """One receipt as JSON-LD (the page's download)."""
    body = own_receipt(
        db,
        me.contact_id,
        receipt_id,
        controller=runtime.receipt_controller(),
        now=runtime.clock.now(),
    )
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        media_type=JSONLD,
        headers={"Content-Disposition": f'attachment; filename="consent-{receipt_id}.jsonld"'},
    )
