"""Art. 19 GDPR: the recipients told of a rectification, an erasure or a restriction.

When such a request is completed (``requests.complete_request``), every recipient of the
register that receives the person's data is told, one ``recipient_notifications`` row
each, audited in the same transaction. Which recipients: those registered for a purpose
the person's data are held for (an erasure records them before it deletes anything,
``erasure.erase_contact``); when nothing is held at all, every current recipient but
public authorities, since Sphere cannot tell which of them had the data (telling one too
many does no harm the processing agreement does not cover; missing one breaks Art. 19
sentence 1).

The person learns the recipients on request (Art. 19 sentence 2): the portal's requests
page lists them; the DPO sees them on the request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.storage.repositories.recipients import RecipientNotification, RecipientRepository

# The rights Art. 19 covers: Art. 16, 17(1), 18.
ACTIONS = ("rectification", "erasure", "restriction")
ARTICLE = {"rectification": "art16", "erasure": "art17", "restriction": "art18"}


def notify_recipients(
    session: Session,
    *,
    request_id: str,
    contact_id: str | None,
    action: str,
    at: datetime,
    actor: str,
    purposes: set[str] | None = None,
) -> list[RecipientNotification]:
    """Record the recipients told of ``action`` (one of ``ACTIONS``) for the request."""
    if action not in ACTIONS:
        return []
    repository = RecipientRepository(session)
    done = repository.notifications(request_id=request_id)
    if done:  # an erasure records them before it deletes what says who had the data
        return done
    if purposes is None and contact_id is not None:
        purposes = repository.purposes_held_for(contact_id)
    told = [
        r
        for r in repository.list(active_only=True)
        if r.role != "authority" and (not purposes or purposes & set(r.purposes))
    ]
    if not told:
        return []
    rows = repository.add_notifications(
        [
            {"request_id": request_id, "contact_id": contact_id, "recipient_id": r.id,
             "recipient_name": r.name, "action": action, "notified_at": at, "actor": actor}
            for r in told
        ]
    )  # fmt: skip
    audit(
        session,
        actor=actor,
        action="dsr.recipients_notified",
        subject_id=contact_id,
        object_ids=(request_id, *(r.id for r in told)),
        details={"article": "art19", "right": ARTICLE[action], "recipients": len(told)},
        at=at,
    )
    return rows


def notifications_of(session: Session, request_id: str) -> list[RecipientNotification]:
    return RecipientRepository(session).notifications(request_id=request_id)


def told_per_request(session: Session, request_ids: list[str]) -> dict[str, list[str]]:
    """Recipient names per request (one query for a page of the cockpit's queue)."""
    told: dict[str, list[str]] = {}
    if request_ids:
        for n in RecipientRepository(session).notifications(request_ids=request_ids):
            told.setdefault(n.request_id, []).append(n.recipient_name)
    return told


def notifications_for(session: Session, contact_id: str) -> list[RecipientNotification]:
    """What the person may ask for (Art. 19 sentence 2): every recipient told, per request."""
    return RecipientRepository(session).notifications(contact_id=contact_id)
