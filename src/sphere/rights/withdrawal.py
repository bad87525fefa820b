"""What a withdrawal of consent does to stored records (issue 13, point 7).

The ledger (``consent.ledger.withdraw``) deletes the derived data that relied on the
consent. The records themselves — posts and events whose decision rests on consent for
that purpose (Art. 6(1)(a), or Art. 9(2)(a) for special categories) — have no other
legal ground (the decision names the one ground they were stored on) and are deleted
too, at once: Art. 7(3) (processing stops) and Art. 17(1)(b) (erasure when consent is
withdrawn and there is no other ground). With them go their decisions and the derived
data built on them, and the held read model follows in the same transaction — so the
portal, the access export, the record of processing and the transparency page all stop
showing them as held "with your consent" at the same moment. Records the same person
has under another purpose or another ground (customer care on legitimate interest,
enrichment under Art. 6(1)(f)) are not touched: their decision says why they are held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import LegalBasis, Purpose
from sphere.storage.crypto import Keyring
from sphere.storage.entities import SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.erasure import ErasureRepository
from sphere.storage.repositories.events import EventRepository

CONSENT_BASES = (LegalBasis.CONSENT.value, LegalBasis.EXPLICIT_CONSENT.value)


@dataclass(frozen=True, slots=True)
class WithdrawnRecords:
    interactions: int
    events: int
    attributes: int
    decisions: int


def delete_consent_based_records(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    purpose: Purpose,
    *,
    at: datetime,
    actor: str,
) -> WithdrawnRecords:
    """Delete the contact's records stored on consent for ``purpose`` (see module doc);
    audited ``consent.records_deleted`` with counts and ids when anything went."""
    rights = ErasureRepository(session)
    interaction_ids, event_ids = rights.consent_based_records(
        contact_id, purpose.value, CONSENT_BASES
    )
    if not interaction_ids and not event_ids:
        return WithdrawnRecords(0, 0, 0, 0)
    attributes = AttributeRepository(session, keyring)
    roots = [SourceRef(SourceType.INTERACTION, i) for i in interaction_ids]
    roots += [SourceRef(SourceType.EVENT, i) for i in event_ids]
    dependent = attributes.dependents_of(roots)
    decision_ids = rights.decision_ids_for(
        contact_id=None, interaction_ids=interaction_ids, event_ids=event_ids
    )
    removed_attributes = attributes.delete(dependent)  # derived data first, then sources
    result = WithdrawnRecords(
        interactions=rights.delete_interactions(interaction_ids),
        events=EventRepository(session, keyring).delete(event_ids),
        attributes=removed_attributes,
        decisions=rights.delete_decisions(decision_ids),
    )
    audit(
        session,
        actor=actor,
        action="consent.records_deleted",
        subject_id=contact_id,
        object_ids=(*interaction_ids, *event_ids, *dependent),
        purpose=purpose,
        legal_basis=LegalBasis.CONSENT,
        details={
            "interactions": result.interactions,
            "events": result.events,
            "attributes": result.attributes,
            "decisions": result.decisions,
        },
        at=at,
    )
    return result
