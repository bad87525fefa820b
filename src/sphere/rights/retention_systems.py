"""A contact erased by the retention run, in every connected system too (issue 15).

When the retention run erases a contact past its own deadline (Art. 5(1)(e),
Art. 17(1)(a): no longer necessary), the copies in the connected systems must go as
well, and the recipients of signed webhooks be told (Art. 19). This is an erasure on
the controller's own initiative, recorded as an erasure request of channel
``retention`` — already in progress (nobody's identity needs checking) — and carried
out like any other (``systems.erase_everywhere``): one task per system, tried at once,
retried with back-off, dead-lettered for the DPO, the request completed when every
system is done. Audited ``retention.contact_erased`` with the request and the number of
systems. The CRM sync needs nothing extra: deleting the records queues their removal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.dsr.deadline import RequestDeadline
from sphere.rights.erasure import erase_contact
from sphere.rights.requests import RequestState, RequestType
from sphere.rights.systems import ERASURE, ConnectedSystems, erase_everywhere
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.rights import RightsRepository

CHANNEL = "retention"


def erase_past_retention(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems | None,
    contact_id: str,
    *,
    at: datetime,
    actor: str,
) -> str | None:
    """Erase the contact in Sphere and in every connected system; returns the request
    that tracks the systems (None when no system is connected)."""
    if systems is None or not (systems.names() or systems.recipients(ERASURE)):
        erase_contact(session, keyring, contact_id, at=at, actor=actor)
        return None
    rights = RightsRepository(session)
    request = rights.add_request(
        contact_id=contact_id,
        type=RequestType.ERASURE.value,
        state=RequestState.IN_PROGRESS.value,
        channel=CHANNEL,
        received_at=at,
        due_at=RequestDeadline(received_at=at).due_at,
        opened_by=actor,
    )
    rights.update_request(request.id, verified_at=at, verification_method=CHANNEL)
    done = erase_everywhere(session, keyring, systems, request.id, contact_id, at=at, actor=actor)
    audit(
        session,
        actor=actor,
        action="retention.contact_erased",
        subject_id=contact_id,
        object_ids=(request.id,),
        details={
            "article": "art5_1_e",  # Art. 5(1)(e), Art. 17(1)(a) GDPR
            "systems": len(done.tasks),
            "completed": done.completed,
        },
        at=at,
    )
    return request.id
