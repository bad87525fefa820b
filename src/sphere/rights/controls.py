"""Rectification (Art. 16), restriction (Art. 18) and objection (Art. 21).

* **Rectification** corrects what the person provided: an identity (e-mail, phone,
  handle, customer number) or a provided attribute. The old value is not kept; the
  audit entry names the identity/attribute id and kind, never a value.
* **Restriction** sets ``contacts.restricted``: the data stay but are frozen. The
  pipeline's linker refuses to link new records to a restricted contact (they are
  treated as from an unknown author), and enrichment/marketing must check the flag.
  Lifting it is a separate call (Art. 18(3): the person is told before). The CRM sync
  follows: a restricted contact's records leave the CRM, and come back when lifted.
* **Objection** to direct marketing (Art. 21(2)-(3)) is absolute and permanent; an
  objection to profiling (Art. 21(1)) stops profiling at once. Either way every derived
  attribute held for ``profiling``, ``direct_marketing`` or ``enrichment`` (and whatever
  was built on those) is deleted through provenance, and the flags stop future
  processing (the policy denies derived purposes when ``objection`` is true).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.consent.objection import record_objection
from sphere.domain import AttributeKind, Channel, IdentityKind, LegalBasis
from sphere.errors import InvalidInput, NotFound
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Contact, NewAttribute, SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.crm_sync import queue_contact_pushes, queue_contact_removals


def restrict(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    *,
    at: datetime,
    actor: str,
    lift: bool = False,
    crm_sync: bool = False,
) -> Contact:
    """Set or lift the restriction, with its audit entry and what the CRM sync must be
    told, in the caller's transaction: a restricted contact's records leave the CRM
    (removal entries for those it holds or is receiving); lifting it (``crm_sync``: a
    sync target is configured) queues them all again, since processing resumes
    (Art. 18(3); the person was told before)."""
    contact = ContactRepository(session, keyring).set_flags(contact_id, restricted=not lift)
    details: dict[str, object] = {"article": "art18"}
    if lift and crm_sync:
        details["crm_queued"] = queue_contact_pushes(session, contact_id, at=at)
    elif not lift:
        queue_contact_removals(session, contact_id)
    audit(
        session,
        actor=actor,
        action="subject.restriction_lifted" if lift else "subject.restricted",
        subject_id=contact_id,
        details=details,
        at=at,
    )
    return contact


def object_to_processing(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    *,
    at: datetime,
    actor: str,
    marketing: bool = True,
    profiling: bool = True,
    channel: str = "cli",
) -> list[str]:
    """Record the objection and delete the derived data it covers; returns their ids
    (``sphere.consent.objection``: it takes effect at once, Art. 21(3))."""
    return record_objection(
        session,
        keyring,
        contact_id,
        at=at,
        actor=actor,
        channel=channel,
        marketing=marketing,
        profiling=profiling,
    )


def rectify_identity(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    kind: IdentityKind,
    old_value: str,
    new_value: str,
    *,
    at: datetime,
    actor: str,
    channel: Channel | None = None,
) -> str:
    """Replace an identifier the contact provided; returns the new identity id."""
    contacts = ContactRepository(session, keyring)
    old = contacts.find_identity(kind, old_value, channel=channel)
    if old is None or old.contact_id != contact_id:
        raise NotFound(f"no such {kind.value} identity on file for this subject")
    new = contacts.add_identity(
        contact_id,
        kind,
        new_value,
        channel=channel,
        verified=old.verified,
        verification_method="rectified",
        at=at,
    )
    if new.id != old.id:
        contacts.remove_identity(old.id)
    audit(
        session,
        actor=actor,
        action="subject.rectified",
        subject_id=contact_id,
        object_ids=(old.id, new.id),
        details={"kind": kind.value, "article": "art16"},
        at=at,
    )
    return new.id


def attribute_name(session: Session, keyring: Keyring, contact_id: str, attribute_id: str) -> str:
    """The name of the person's attribute (the key a rectification carries to systems)."""
    attribute = AttributeRepository(session, keyring).get(attribute_id)
    if attribute.contact_id != contact_id:
        raise NotFound(f"attribute {attribute_id} not found for this subject")
    return attribute.name


def rectify_attribute(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    attribute_id: str,
    new_value: str,
    *,
    at: datetime,
    actor: str,
) -> str:
    """Correct a provided or observed attribute: the new value replaces the old one and
    everything derived from the old value is removed (it rested on wrong data)."""
    attributes = AttributeRepository(session, keyring)
    old = attributes.get(attribute_id)
    if old.contact_id != contact_id:
        raise NotFound(f"attribute {attribute_id} not found for this subject")
    if old.kind is AttributeKind.DERIVED:
        raise InvalidInput("derived attributes are not rectified; object or erase instead")
    dependents = attributes.dependents_of([SourceRef(SourceType.ATTRIBUTE, old.id)])
    new = attributes.add(
        NewAttribute(
            contact_id=contact_id,
            kind=old.kind,
            name=old.name,
            value=new_value,
            purpose=old.purpose,
            legal_basis=old.legal_basis or LegalBasis.CONTRACT,
            policy_version=old.policy_version,
            rule_id=old.rule_id,
            explanation="rectified at the data subject's request (Art. 16)",
            consent_id=old.consent_id,
            special_categories=old.special_categories,
            retention_until=old.retention_until,
        ),
        at=at,
    )
    attributes.delete([old.id, *dependents])
    audit(
        session,
        actor=actor,
        action="subject.rectified",
        subject_id=contact_id,
        object_ids=(old.id, new.id, *dependents),
        details={"kind": "attribute", "derived_removed": len(dependents), "article": "art16"},
        at=at,
    )
    return new.id
