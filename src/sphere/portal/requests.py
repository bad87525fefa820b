"""Data-subject requests as the portal and the cockpit need them, over ``sphere.rights``.

* **Portal** (``*_own_*``): the subject comes from the portal session, never from the
  request. A request opened in the portal is verified at once — the person proved
  control of the address on file by redeeming a one-time link, or of the account on
  file by a handle challenge (Art. 12(6)); the portal session's method
  (``portal_login_link`` / ``portal_handle_challenge``) is recorded. Export (Art. 20)
  is carried out at once and returned as the zip; every other request waits for the
  DPO, who sees it in the cockpit queue with its deadline — except an objection, which
  takes effect at once and is completed in the same transaction (Art. 21(3)). Asking
  for someone else's request id answers ``NotFound`` — exactly as for an id that does not exist.
* **Cockpit** (``verify_request``, ``carry_out``): a DPO confirms an identity checked
  by other means, or carries out a verified request of a type that needs no further
  input (access, export, restriction, objection, erasure), or a rectification with its
  corrections (field and new value: recorded by the person in the portal or by the DPO
  in the cockpit, ``rights.rectification``): Sphere is corrected and the values carried
  to every connected system; the request completes with the last one. A rectification
  without recorded values only records that it was done and tells the recipients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain.controller import ControllerProfile
from sphere.domain.time import ensure_utc
from sphere.errors import InvalidInput, NotFound, SphereError
from sphere.i18n import Translator
from sphere.policy import Policy
from sphere.rights.access import access_report, export_archive
from sphere.rights.controls import object_to_processing, restrict
from sphere.rights.rectification import (
    as_corrections,
    record_corrections,
    recorded_corrections,
    rectify_everywhere,
)
from sphere.rights.requests import (
    MAX_DETAILS_CHARS,
    OPEN_STATES,
    RequestState,
    RequestType,
    RequestView,
    complete_request,
    get_request,
    list_requests,
    open_request,
    require_ready,
    view,
)
from sphere.rights.systems import (
    RESTRICTION,
    ConnectedSystems,
    carry_everywhere,
    complete_unless_open,
    erase_everywhere,
    notify_everywhere,
    subject_identifiers,
)
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.rights import DsrRequest, RightsRepository

PORTAL_METHOD = "portal_login_link"
STAFF_METHOD = "checked_by_staff"
# Requests a person may open from the portal (export is carried out at once).
PORTAL_TYPES = (
    RequestType.ACCESS,
    RequestType.ERASURE,
    RequestType.OBJECTION,
    RequestType.RECTIFICATION,
    RequestType.RESTRICTION,
)


MAX_PORTAL_REQUESTS_PER_DAY = 20
DAY = timedelta(hours=24)


class TooManyRequests(SphereError):
    """More portal requests within 24 hours than any person needs (HTTP: 429)."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            f"you have made {MAX_PORTAL_REQUESTS_PER_DAY} requests within 24 hours; further "
            f"ones are refused as excessive (Art. 12(5) GDPR) until {until:%Y-%m-%d %H:%M} "
            "UTC. Your open requests are being handled; you can see them on this page."
        )


@dataclass(frozen=True, slots=True)
class OwnRequest:
    """The request opened, or the open one of the same kind it was merged into."""

    request: DsrRequest
    merged: bool


def _admit(repo: RightsRepository, contact_id: str, at: datetime) -> list[DsrRequest]:
    """The subject's requests; ``TooManyRequests`` past the daily limit."""
    mine = repo.list_requests(contact_id=contact_id)
    recent = sorted(ensure_utc(r.received_at) for r in mine if ensure_utc(r.received_at) > at - DAY)
    if len(recent) >= MAX_PORTAL_REQUESTS_PER_DAY:
        raise TooManyRequests(recent[-MAX_PORTAL_REQUESTS_PER_DAY] + DAY)
    return mine


def portal_actor(contact_id: str) -> str:
    return f"subject:{contact_id}"


def _verify(
    session: Session, request: DsrRequest, *, method: str, at: datetime, actor: str
) -> DsrRequest:
    if request.state != RequestState.RECEIVED:
        raise InvalidInput(f"request {request.id} is {request.state}; nothing to verify")
    updated = RightsRepository(session).update_request(
        request.id,
        state=RequestState.IDENTITY_VERIFIED.value,
        verified_at=at,
        verification_method=method,
    )
    audit(
        session,
        actor=actor,
        action="dsr.identity_verified",
        subject_id=request.contact_id,
        object_ids=(request.id,),
        details={"method": method},
        at=at,
    )
    return updated


def open_own_request(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    request_type: RequestType,
    *,
    at: datetime,
    method: str = PORTAL_METHOD,
    details: str | None = None,
    corrections: dict[str, str] | None = None,
) -> OwnRequest:
    """Open a request for the logged-in subject; verified by the portal log-in.
    ``details``: what the person wants us to know (stored encrypted); ``corrections``:
    a rectification's values, validated (``rights.rectification``), stored encrypted
    for the DPO to carry out. A request of a kind still open is merged into that one
    (see the module doc; its corrections are replaced by the newer ones)."""
    if request_type not in PORTAL_TYPES:
        raise InvalidInput(f"request type {request_type.value!r} is not offered here")
    if corrections and request_type is not RequestType.RECTIFICATION:
        raise InvalidInput("corrections belong to a rectification request")
    opened = _open_own(session, keyring, contact_id, request_type, at=at, method=method,
                       details=details)  # fmt: skip
    if corrections:
        record_corrections(session, keyring, opened.request.id, corrections, at=ensure_utc(at),
                           actor=portal_actor(contact_id))  # fmt: skip
    return opened


def _open_own(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    request_type: RequestType,
    *,
    at: datetime,
    method: str,
    details: str | None,
) -> OwnRequest:
    at = ensure_utc(at)
    actor = portal_actor(contact_id)
    repo = RightsRepository(session)
    mine = _admit(repo, contact_id, at)
    states = {s.value for s in OPEN_STATES}
    for earlier in mine:
        if earlier.type == request_type.value and earlier.state in states:
            return OwnRequest(
                _merge(session, keyring, earlier, details, at=at, actor=actor), merged=True
            )
    request = open_request(
        session,
        keyring,
        contact_id,
        request_type,
        at=at,
        actor=actor,
        channel="portal",
        details=details,
        verified_by=method,
    )
    if request.state != RequestState.RECEIVED:
        return OwnRequest(request, merged=False)  # an objection: carried out at once (Art. 21(3))
    return OwnRequest(_verify(session, request, method=method, at=at, actor=actor), merged=False)


def _merge(
    session: Session,
    keyring: Keyring,
    request: DsrRequest,
    details: str | None,
    *,
    at: datetime,
    actor: str,
) -> DsrRequest:
    """Append new details to the open request (one text, still encrypted, still within
    ``MAX_DETAILS_CHARS``) and record that the person asked again."""
    added = (details or "").strip()
    if added:
        assert request.contact_id is not None
        before = (
            keyring.decrypt_text(session, request.contact_id, request.details_ciphertext)
            if request.details_ciphertext
            else ""
        )
        text = f"{before}\n\n{added}" if before else added
        if len(text) > MAX_DETAILS_CHARS:
            raise InvalidInput(
                f"details: your open request already holds {len(before)} of "
                f"{MAX_DETAILS_CHARS} characters; shorten what you add"
            )
        request = RightsRepository(session).update_request(
            request.id,
            details_ciphertext=keyring.encrypt_for(session, request.contact_id, text),
        )
    audit(
        session,
        actor=actor,
        action="dsr.request_merged",
        subject_id=request.contact_id,
        object_ids=(request.id,),
        details={"type": request.type, "details_added": bool(added)},
        at=at,
    )
    return request


def own_request(
    session: Session, contact_id: str, request_id: str, *, now: datetime
) -> RequestView:
    """One of the subject's own requests; any other id is ``NotFound``."""
    try:
        request = get_request(session, request_id)
    except NotFound:
        request = None
    if request is None or request.contact_id != contact_id:
        raise NotFound("request not found")
    return view(request, now=now)


def own_requests(session: Session, contact_id: str, *, now: datetime) -> list[RequestView]:
    return list_requests(session, now=now, contact_id=contact_id)


def export_own_data(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    contact_id: str,
    *,
    at: datetime,
    method: str = PORTAL_METHOD,
    tr: Translator | None = None,
    controller: ControllerProfile | None = None,
    systems: ConnectedSystems | None = None,
) -> tuple[str, bytes]:
    """Art. 20 at once: a portability request, verified by the log-in, carried out and
    completed in this transaction. Returns the request id and the zip (its summary in
    ``tr``'s language)."""
    actor = portal_actor(contact_id)
    _admit(RightsRepository(session), contact_id, ensure_utc(at))
    request = open_request(
        session, keyring, contact_id, RequestType.PORTABILITY, at=at, actor=actor, channel="portal"
    )
    _verify(session, request, method=method, at=at, actor=actor)
    require_ready(session, request.id, (RequestType.PORTABILITY,), at=at, actor=actor)
    report = access_report(
        session, keyring, policy, contact_id, now=at, controller=controller, systems=systems
    )
    archive = export_archive(report, tr)
    complete_request(session, request.id, at=at, actor=actor, result={"bytes": len(archive)})
    return request.id, archive


def verify_request(session: Session, request_id: str, *, at: datetime, actor: str) -> DsrRequest:
    """A DPO confirms the identity was checked by other means (in person, by letter)."""
    return _verify(
        session, get_request(session, request_id), method=STAFF_METHOD, at=at, actor=actor
    )


@dataclass(frozen=True, slots=True)
class Fulfilment:
    request_id: str
    type: str
    counts: dict[str, int]
    open_systems: tuple[str, ...] = ()  # connected systems not done yet: request stays open


def carry_out(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    request_id: str,
    *,
    at: datetime,
    actor: str,
    systems: ConnectedSystems | None = None,
) -> Fulfilment:
    """Carry out a verified request and complete it (see module docstring). With
    ``systems``, access reads and erasure and restriction reach every connected system;
    such a request completes only once every system is done (``rights.systems``), so its
    deadline (Art. 12(3)) counts the slowest system."""
    request = get_request(session, request_id)
    kind = RequestType(request.type)
    request = require_ready(session, request_id, (kind,), at=at, actor=actor)
    contact_id = request.contact_id
    if contact_id is None:
        raise InvalidInput(f"request {request_id} has no subject any more")
    counts: dict[str, Any]
    if kind in (RequestType.ACCESS, RequestType.PORTABILITY):
        report = access_report(session, keyring, policy, contact_id, now=at, systems=systems)
        counts = {k: len(report[k]) for k in ("identities", "interactions", "events", "attributes")}
        if "connected_systems" in report:
            counts["systems"] = len(report["connected_systems"])
    elif kind is RequestType.RESTRICTION:  # Sphere, then every system that can (Art. 18)
        restrict(session, keyring, contact_id, at=at, actor=actor)
        counts = {"restricted": 1}
        identifiers = subject_identifiers(session, keyring, contact_id)
        carry_everywhere(session, keyring, systems, request_id, identifiers, RESTRICTION,
                         params={"restricted": True}, at=at, actor=actor)  # fmt: skip
        waiting = complete_unless_open(session, keyring, request_id, counts, at=at, actor=actor)
        return Fulfilment(request_id, kind.value, dict(counts), waiting)
    elif kind is RequestType.OBJECTION:  # the systems are told by the consent observer
        removed = object_to_processing(session, keyring, contact_id, at=at, actor=actor)
        counts = {"derived_removed": len(removed)}
    elif kind is RequestType.ERASURE:
        done = erase_everywhere(
            session, keyring, systems, request_id, contact_id, at=at, actor=actor
        )
        counts = {k: v for k, v in done.sphere.counts.items() if isinstance(v, int)}
        waiting = tuple(t.system for t in done.tasks if t.state != "done")
        return Fulfilment(request_id, kind.value, counts, waiting)  # completed there if all done
    elif corrections := recorded_corrections(session, keyring, request_id):  # Art. 16, 19
        done = rectify_everywhere(session, keyring, systems, request_id,
                                  as_corrections(corrections), at=at, actor=actor)  # fmt: skip
        counts = done.counts()
        waiting = complete_unless_open(session, keyring, request_id, counts, at=at, actor=actor)
        return Fulfilment(request_id, kind.value, dict(counts), waiting)
    else:  # a rectification without values: recorded as done, the recipients told
        counts = {"recorded": 1}
    complete_request(session, request_id, at=at, actor=actor, result=counts)
    if kind is RequestType.RECTIFICATION:
        notify_everywhere(session, keyring, systems, request_id, contact_id, at=at, actor=actor)
    return Fulfilment(request_id, kind.value, dict(counts))
