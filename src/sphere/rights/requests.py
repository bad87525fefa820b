"""The data-subject request workflow and its GDPR deadline.

States::

    received ──verify──► identity_verified ──start──► in_progress ──► completed
        └──────────────┴──────────────────────────────┴────────────► rejected(reason)

The answer is due one month after receipt (Art. 12(3)); it may be extended once by
two further months with a reason that is told to the person, within the first month
(``sphere.dsr.deadline``). ``list_requests`` shows the deadline state so overdue
requests are visible. Times come from the caller's clock (a ``FrozenClock`` in tests).

Request records are kept after an erasure (proof of compliance, Art. 5(2)); they hold
the contact's internal id, states, times and counts — no identifier of the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.consent.objection import record_objection
from sphere.dsr.deadline import DeadlineState, Extension, RequestDeadline
from sphere.errors import InvalidInput, NotFound
from sphere.rights.art19 import notify_recipients
from sphere.rights.refusal import refuse
from sphere.rights.subject import find_contacts, resolve_subject
from sphere.storage.crypto import Keyring, SubjectKeyDestroyed
from sphere.storage.repositories.rights import DsrRequest, RightsRepository


class RequestType(StrEnum):
    ACCESS = "access"  # Art. 15
    PORTABILITY = "portability"  # Art. 20
    RECTIFICATION = "rectification"  # Art. 16
    ERASURE = "erasure"  # Art. 17
    RESTRICTION = "restriction"  # Art. 18
    OBJECTION = "objection"  # Art. 21


class RequestState(StrEnum):
    RECEIVED = "received"
    IDENTITY_VERIFIED = "identity_verified"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"


MAX_DETAILS_CHARS = 2000
OPEN_STATES = (RequestState.RECEIVED, RequestState.IDENTITY_VERIFIED, RequestState.IN_PROGRESS)
ARTICLE = {
    RequestType.ACCESS: "art15",
    RequestType.PORTABILITY: "art20",
    RequestType.RECTIFICATION: "art16",
    RequestType.ERASURE: "art17",
    RequestType.RESTRICTION: "art18",
    RequestType.OBJECTION: "art21",
}


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request with its deadline as seen at ``now``."""

    request: DsrRequest
    deadline_state: DeadlineState | None  # None once completed or rejected
    days_left: int
    description: str

    @property
    def is_overdue(self) -> bool:
        return self.deadline_state is DeadlineState.OVERDUE

    def to_dict(self) -> dict[str, Any]:
        r = self.request
        return {
            "id": r.id,
            "contact_id": r.contact_id,
            "type": r.type,
            "state": r.state,
            "channel": r.channel,
            "received_at": r.received_at.isoformat(),
            "due_at": r.due_at.isoformat(),
            "extended_until": r.extended_until.isoformat() if r.extended_until else None,
            "extension_reason": r.extension_reason,
            "verified_at": r.verified_at.isoformat() if r.verified_at else None,
            "verification_method": r.verification_method,
            "rejected_reason": r.rejected_reason,
            "completed_at": r.completed_at.isoformat() if r.completed_at else None,
            "deadline": self.deadline_state.value if self.deadline_state else None,
            "days_left": self.days_left,
            "overdue": self.is_overdue,
            "description": self.description,
            "result": r.result,
        }


def deadline_of(request: DsrRequest) -> RequestDeadline:
    deadline = RequestDeadline(received_at=request.received_at)
    if request.extended_until is not None:
        deadline = RequestDeadline(
            received_at=request.received_at,
            extension=Extension(
                reason=request.extension_reason or "", recorded_at=request.received_at
            ),
        )
    return deadline


def view(request: DsrRequest, *, now: datetime) -> RequestView:
    deadline = deadline_of(request)
    if request.state in (RequestState.COMPLETED, RequestState.REJECTED):
        when = request.completed_at or now
        return RequestView(request, None, deadline.days_left(when), f"{request.state}")
    return RequestView(
        request, deadline.state(now), deadline.days_left(now), deadline.describe(now)
    )


def request_details(session: Session, keyring: Keyring, request: DsrRequest) -> str | None:
    """What the person wrote with the request; None if nothing, or once erased."""
    if request.details_ciphertext is None or request.contact_id is None:
        return None
    try:
        return keyring.decrypt_text(session, request.contact_id, request.details_ciphertext)
    except SubjectKeyDestroyed:
        return None


def get_request(session: Session, request_id: str) -> DsrRequest:
    request = RightsRepository(session).get_request(request_id)
    if request is None:
        raise NotFound(f"request {request_id} not found")
    return request


def open_request(
    session: Session,
    keyring: Keyring,
    subject: str,
    request_type: RequestType,
    *,
    at: datetime,
    actor: str,
    channel: str = "email",
    requester: str | None = None,
    details: str | None = None,
    verified_by: str | None = None,
    marketing: bool = True,
    profiling: bool = True,
) -> DsrRequest:
    """Record a request as received and compute its deadline.

    An **objection** takes effect in this same transaction (Art. 21(2), (3): no review,
    no waiting for staff): the contact's objection flags are set, derived data is
    deleted (``sphere.consent.objection``) and the request is completed — verified by
    ``verified_by`` (the portal log-in) or recorded as needing no verification, because
    stopping processing cannot harm the person. ``marketing``/``profiling`` say what the
    objection covers (both by default).

    ``details`` is what the person told us with it (what to correct, which processing
    they object to); it is stored encrypted under the contact's key, at most
    ``MAX_DETAILS_CHARS`` characters.

    ``requester`` is an identifier of whoever asks (the sender's address, the logged-in
    portal user). If it belongs to a different contact than ``subject`` the request is
    refused: nobody may ask for someone else's data through this path (representatives
    go through the DPO with a written authorisation).
    """
    contact = resolve_subject(session, keyring, subject, actor=actor, at=at)
    if requester is not None:
        others = [c for c in find_contacts(session, keyring, requester) if c.id != contact.id]
        if others:
            raise refuse(
                session,
                "not_own_data",
                "the requester is not the data subject; only the person may ask for their data",
                actor=actor,
                at=at,
                subject_id=contact.id,
            )
    text = (details or "").strip()
    if len(text) > MAX_DETAILS_CHARS:
        raise InvalidInput(f"details: at most {MAX_DETAILS_CHARS} characters, please")
    deadline = RequestDeadline(received_at=at)
    request = RightsRepository(session).add_request(
        contact_id=contact.id,
        type=request_type.value,
        state=RequestState.RECEIVED.value,
        channel=channel,
        received_at=at,
        due_at=deadline.due_at,
        opened_by=actor,
        details_ciphertext=keyring.encrypt_for(session, contact.id, text) if text else None,
    )
    audit(
        session,
        actor=actor,
        action="dsr.received",
        subject_id=contact.id,
        object_ids=(request.id,),
        details={
            "type": request_type.value,
            "article": ARTICLE[request_type],
            "with_details": bool(text),
        },
        at=at,
    )
    if request_type is RequestType.OBJECTION:
        return _object_at_once(
            session,
            keyring,
            request,
            at=at,
            actor=actor,
            verified_by=verified_by or OBJECTION_NEEDS_NO_VERIFICATION,
            marketing=marketing,
            profiling=profiling,
        )
    return request


OBJECTION_NEEDS_NO_VERIFICATION = "not_required_art21"


def _object_at_once(
    session: Session,
    keyring: Keyring,
    request: DsrRequest,
    *,
    at: datetime,
    actor: str,
    verified_by: str,
    marketing: bool,
    profiling: bool,
) -> DsrRequest:
    assert request.contact_id is not None
    RightsRepository(session).update_request(
        request.id, state=RequestState.IN_PROGRESS.value, verified_at=at,
        verification_method=verified_by,
    )  # fmt: skip
    removed = record_objection(
        session,
        keyring,
        request.contact_id,
        at=at,
        actor=actor,
        channel=request.channel,
        marketing=marketing,
        profiling=profiling,
    )
    return complete_request(
        session,
        request.id,
        at=at,
        actor=actor,
        result={
            "derived_removed": len(removed),
            "marketing": marketing,
            "profiling": profiling,
            "effective_at": at.isoformat(),
        },
    )


def extend_request(
    session: Session, request_id: str, reason: str, *, at: datetime, actor: str
) -> DsrRequest:
    """Extend by two months (Art. 12(3)); the reason is stored on the request, not in
    the audit chain (free text stays out of it)."""
    request = get_request(session, request_id)
    if request.extended_until is not None:
        deadline = deadline_of(request)
    else:
        deadline = RequestDeadline(received_at=request.received_at)
    extended = deadline.extend(reason, at=at)  # raises ExtensionNotAllowed
    updated = RightsRepository(session).update_request(
        request_id,
        due_at=extended.due_at,
        extended_until=extended.due_at,
        extension_reason=reason.strip(),
    )
    audit(
        session,
        actor=actor,
        action="dsr.extended",
        subject_id=request.contact_id,
        object_ids=(request_id,),
        details={"months": 2},
        at=at,
    )
    return updated


def require_ready(
    session: Session,
    request_id: str,
    request_types: tuple[RequestType, ...],
    *,
    at: datetime,
    actor: str,
) -> DsrRequest:
    """The request, if it is verified (or already in progress) and of an expected type;
    moves it to ``in_progress``. Otherwise ``Refused``: nothing is disclosed or changed
    before the person's identity is verified (Art. 12(6))."""
    request = get_request(session, request_id)
    if request.type not in {t.value for t in request_types}:
        raise refuse(
            session,
            "wrong_request_type",
            f"request {request_id} is a {request.type} request",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    if request.state not in (RequestState.IDENTITY_VERIFIED, RequestState.IN_PROGRESS):
        raise refuse(
            session,
            "not_verified",
            f"request {request_id} is {request.state}; the identity must be verified first",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    if request.state != RequestState.IN_PROGRESS:
        request = RightsRepository(session).update_request(
            request_id, state=RequestState.IN_PROGRESS.value
        )
        audit(
            session,
            actor=actor,
            action="dsr.in_progress",
            subject_id=request.contact_id,
            object_ids=(request_id,),
            details={"type": request.type},
            at=at,
        )
    return request


def complete_request(
    session: Session,
    request_id: str,
    *,
    at: datetime,
    actor: str,
    result: Mapping[str, Any] | None = None,
) -> DsrRequest:
    request = get_request(session, request_id)
    notify_recipients(session, request_id=request_id, contact_id=request.contact_id,
                      action=request.type, at=at, actor=actor)  # Art. 19  # fmt: skip
    updated = RightsRepository(session).update_request(
        request_id,
        state=RequestState.COMPLETED.value,
        completed_at=at,
        result=dict(result or {}),
        corrections_ciphertext=None,  # values a correction waited with: no purpose left
    )
    audit(
        session,
        actor=actor,
        action="dsr.completed",
        subject_id=request.contact_id,
        object_ids=(request_id,),
        details={"type": request.type, **_counts(result or {})},
        at=at,
    )
    return updated


def reject_request(
    session: Session, request_id: str, reason: str, *, at: datetime, actor: str, code: str = "other"
) -> DsrRequest:
    """Reject with a reason told to the person (Art. 12(4)); ``code`` goes to the audit."""
    request = get_request(session, request_id)
    if request.state in (RequestState.COMPLETED, RequestState.REJECTED):
        raise refuse(
            session,
            "already_closed",
            f"request {request_id} is already {request.state}",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    updated = RightsRepository(session).update_request(
        request_id,
        state=RequestState.REJECTED.value,
        rejected_reason=reason.strip() or code,
        completed_at=at,
        corrections_ciphertext=None,  # a rejected correction's values are not kept (Art. 5(1)(e))
    )
    audit(
        session,
        actor=actor,
        action="dsr.rejected",
        subject_id=request.contact_id,
        object_ids=(request_id,),
        details={"type": request.type, "reason": code},
        at=at,
    )
    return updated


def list_requests(
    session: Session,
    *,
    now: datetime,
    contact_id: str | None = None,
    open_only: bool = False,
    overdue_only: bool = False,
) -> list[RequestView]:
    states = [s.value for s in OPEN_STATES] if (open_only or overdue_only) else None
    views = [
        view(r, now=now)
        for r in RightsRepository(session).list_requests(contact_id=contact_id, states=states)
    ]
    if overdue_only:
        views = [v for v in views if v.is_overdue]
    return views


@dataclass(frozen=True, slots=True)
class RequestPage:
    views: tuple[RequestView, ...]
    next_after: str | None  # pass back as ``after`` for the next page


STATE_GROUPS = {
    "open": tuple(s.value for s in OPEN_STATES),
    "closed": (RequestState.COMPLETED.value, RequestState.REJECTED.value),
}


def page_requests(
    session: Session,
    *,
    now: datetime,
    state: str | None = None,
    kind: str | None = None,
    deadline: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> RequestPage:
    """One page of the queue, nearest deadline first: ``state`` is a state or ``open`` /
    ``closed``; ``kind`` a request type; ``deadline`` ``overdue`` | ``near`` | ``open``
    (as ``dsr.deadline`` judges it at ``now``); ``after`` the cursor of the last page."""
    states = STATE_GROUPS.get(state or "", (state,) if state else None)
    if deadline and states is None:
        states = STATE_GROUPS["open"]  # only open requests have a deadline state
    cursor: tuple[datetime, str] | None = None
    if after:
        when, _, last_id = after.partition("|")
        try:
            cursor = (datetime.fromisoformat(when), last_id)
        except ValueError:
            raise InvalidInput("after: not a cursor of this list") from None
    repository = RightsRepository(session)
    found: list[RequestView] = []
    while len(found) <= limit:
        batch = repository.page_requests(
            states=states, types=(kind,) if kind else None, after=cursor, limit=200
        )
        for request in batch:
            item = view(request, now=now)
            state_now = item.deadline_state.value if item.deadline_state else None
            if deadline is None or state_now == deadline:
                found.append(item)
        if len(batch) < 200:
            break
        last = batch[-1]
        cursor = (last.extended_until or last.due_at, last.id)
    shown = found[:limit]
    following = None
    if len(found) > limit:
        last = shown[-1].request
        following = f"{(last.extended_until or last.due_at).isoformat()}|{last.id}"
    return RequestPage(tuple(shown), following)


def _counts(result: Mapping[str, Any]) -> dict[str, int]:
    """Only integer counts of a result go into the audit chain."""
    return {
        key: value
        for key, value in result.items()
        if isinstance(value, int) and not isinstance(value, bool)
    }
