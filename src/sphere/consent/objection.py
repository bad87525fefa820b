"""Objections to direct marketing and profiling (GDPR Art. 21), from whatever channel.

An objection to direct marketing is absolute (Art. 21(2), (3)): from the moment it is
received the data may no longer be processed for direct marketing, *including the
profiling related to it* — no review, no verification of identity (stopping processing
cannot harm the person), no waiting for staff. An objection to profiling (Art. 21(1))
stops profiling at once as well. Either way every derived attribute held for
``profiling``, ``direct_marketing`` or ``enrichment`` (and whatever was built on those:
scores, segment memberships) is deleted through provenance, and the contact's flags make
the policy deny those purposes from now on (rule ``objection.derived-denied``).

Channels that carry an objection and call :func:`record_objection`: the portal and its
API, the staff API and CLI (``sphere.rights``), a Global Privacy Control or ATT refusal on
an event of a known person (Art. 21(5): "by automated means using technical
specifications", ``sphere.pipeline.records``), and a reply keyword such as "STOP" or
"Abmelden" sent to the company (``sphere.marketing.opt_out``).

It lives in ``consent`` (beside the ledger) because the pipeline, the rights workflow and
marketing all need it, and none of them may import another.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.consent.events import OBJECTED, ConsentChange, announce
from sphere.domain import AttributeKind, Purpose
from sphere.errors import InvalidInput
from sphere.storage.crypto import Keyring
from sphere.storage.entities import SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.contacts import ContactRepository

MARKETING_PURPOSES = frozenset({Purpose.DIRECT_MARKETING, Purpose.ENRICHMENT, Purpose.PROFILING})
PROFILING_PURPOSES = frozenset({Purpose.PROFILING, Purpose.ENRICHMENT})
# How an objection reached us; goes into the audit entry (never the text itself).
CHANNELS = frozenset({"portal", "api", "cli", "email", "letter", "phone", "gpc", "reply-keyword"})


def record_objection(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    *,
    at: datetime,
    actor: str,
    channel: str = "cli",
    marketing: bool = True,
    profiling: bool = True,
) -> list[str]:
    """Set the objection flags and delete the derived data they cover, in the caller's
    transaction with one audit entry; returns the ids of the removed attributes."""
    if not (marketing or profiling):
        raise InvalidInput("an objection must cover marketing, profiling or both")
    ContactRepository(session, keyring).set_flags(
        contact_id,
        objected_marketing=True if marketing else None,
        objected_profiling=True if profiling else None,
    )
    purposes = (MARKETING_PURPOSES if marketing else frozenset()) | (
        PROFILING_PURPOSES if profiling else frozenset()
    )
    attributes = AttributeRepository(session, keyring)
    direct = [
        a.id
        for a in attributes.list_for_contact(contact_id)
        if a.kind is AttributeKind.DERIVED and a.purpose in purposes
    ]
    removed = list(
        dict.fromkeys(
            [*direct, *attributes.dependents_of(SourceRef(SourceType.ATTRIBUTE, i) for i in direct)]
        )
    )
    attributes.delete(removed)
    audit(
        session,
        actor=actor,
        action="subject.objected",
        subject_id=contact_id,
        object_ids=removed,
        details={
            "marketing": marketing,
            "profiling": profiling,
            "derived_removed": len(removed),
            "channel": channel if channel in CHANNELS else "other",
            "article": "art21",
        },
        at=at,
    )
    purpose_ids = tuple(sorted(p.value for p in purposes))
    change = ConsentChange(str(uuid.uuid4()), contact_id, OBJECTED, purpose_ids, at, actor)
    announce(session, change)
    return removed
