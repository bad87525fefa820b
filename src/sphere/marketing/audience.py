"""The facts about real, stored contacts that the pure checks need — read from the database.

``planning.check_measure`` and ``recipient.check_recipient`` judge facts; this module
reads them for one contact at one moment, so a dry run and a send see the truth of
their own time:

* relationship: employee (``contacts.is_employee``); verified customer when a customer
  number identity is on file (linked through a provided identity, like the pipeline's
  linker); prospect otherwise;
* consent for the purpose: the consent ledger's current state — counting only consents
  whose scope covers every data item's category and source (Art. 4(11)) — and the
  ledger record it rests on (the derived data's provenance edge);
* objection (Art. 21): ``objected_marketing`` for direct marketing and lead generation,
  ``objected_profiling`` for profiling and enrichment;
* restriction (Art. 18): ``contacts.restricted``;
* special-category involvement (Art. 9): a stored interaction flagged with a special
  category, when the measure uses content (posts, profile attributes, derived data);
* channels: e-mail with an e-mail identity, SMS with a phone number, a social reply
  with a social handle, webhooks always (they reach no person);
* addressed the company: an interaction that was a direct message to, or addressed, the
  company (Recital 47);
* §7(3) UWG: an e-mail identity whose verification method is ``purchase`` was obtained
  with a sale and the customer was informed of the right to object then;
* Art. 14: an open notice duty (``notice_duties``) for the contact;
* Art. 8: the contact's minor flag, and whether the consent it rests on was given by a
  holder of parental responsibility.

``load_facts`` reads them for one contact (a send); ``group_facts`` turns a group of
contacts that share all of them (read in SQL for a whole audience) into the same
facts, so a planning check or dry run decides once per group, never per person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.consent.ledger import state_for
from sphere.domain import (
    Addressing,
    ConsentState,
    DataCategory,
    IdentityKind,
    Purpose,
    Relationship,
)
from sphere.domain.consent import DataUse
from sphere.marketing.channel import OutreachChannel
from sphere.marketing.planning import AudienceFacts, DataItem
from sphere.marketing.recipient import RecipientFacts
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Contact, Identity, Interaction
from sphere.storage.repositories.audience_groups import AudienceGroup
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.marketing import MarketingRepository

CONTENT_CATEGORIES = frozenset(
    {
        DataCategory.PRODUCT_CONTENT,
        DataCategory.GENERAL_CONTENT,
        DataCategory.PROFILE_ATTRIBUTE,
        DataCategory.SPECIAL_CATEGORY,
        DataCategory.SOCIAL_GRAPH,
    }
)
MARKETING_PURPOSES = frozenset({Purpose.DIRECT_MARKETING})
PROFILING_PURPOSES = frozenset({Purpose.PROFILING, Purpose.ENRICHMENT})
PURCHASE_METHOD = "purchase"


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """A contact's facts for one purpose now, plus the consent record they rest on."""

    recipient: RecipientFacts
    consent_id: str | None
    art14_notice_due: bool

    @property
    def contact_id(self) -> str:
        return self.recipient.contact_id

    def as_audience(self) -> AudienceFacts:
        base = self.recipient.as_audience()
        return AudienceFacts(
            count=1,
            relationship=base.relationship,
            consent=base.consent,
            objection=base.objection,
            restricted=base.restricted,
            special_categories=base.special_categories,
            art14_notice_due=self.art14_notice_due,
            addressed_company=base.addressed_company,
            channels=base.channels,
            email_from_purchase=base.email_from_purchase,
            informed_of_objection=base.informed_of_objection,
            provenance_recorded=base.provenance_recorded,
            minor=base.minor,
            guardian_consent=base.guardian_consent,
        )


def relationship_of(contact: Contact, identities: Iterable[Identity]) -> Relationship:
    if contact.is_employee:
        return Relationship.EMPLOYEE
    for identity in identities:
        if identity.kind is IdentityKind.CUSTOMER_NUMBER:
            return Relationship.VERIFIED_CUSTOMER  # provided by the customer (CRM, portal)
    return Relationship.PROSPECT


def objection_for(contact: Contact, purpose: Purpose) -> bool:
    if purpose in MARKETING_PURPOSES:
        return contact.objected_marketing
    if purpose in PROFILING_PURPOSES:
        return contact.objected_profiling
    return False


def channels_of(identities: Iterable[Identity]) -> frozenset[OutreachChannel]:
    found = {OutreachChannel.WEBHOOK}
    for identity in identities:
        if identity.kind is IdentityKind.EMAIL:
            found.add(OutreachChannel.EMAIL)
        elif identity.kind is IdentityKind.PHONE:
            found.add(OutreachChannel.SMS)
        elif identity.kind is IdentityKind.HANDLE:
            found.add(OutreachChannel.SOCIAL_REPLY)
    return frozenset(found)


def addressed(interaction: Interaction) -> bool:
    """The author wrote to the company (a direct message, a mention or reply to it)."""
    return interaction.addressing in (Addressing.DIRECT, Addressing.ADDRESSED)


def load_facts(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    purpose: Purpose,
    *,
    now: datetime,
    data_items: Iterable[DataItem] = (),
) -> ContactFacts:
    """Read the contact's facts for ``purpose`` at ``now`` (see the module docstring)."""
    contacts = ContactRepository(session, keyring)
    contact = contacts.get(contact_id)
    identities = contacts.identities(contact_id)
    interactions = [
        i
        for i in InteractionRepository(session, keyring).list_for_contact(contact_id)
        if i.deleted_at is None
    ]
    items = tuple(data_items)
    status = state_for(
        session,
        contact_id,
        purpose,
        now=now,
        uses=[DataUse(item.category, item.source) for item in items],
    )
    consent = status.state
    consent_id = status.record_id if status.is_valid else None
    uses_content = any(item.category in CONTENT_CATEGORIES for item in items)
    special = uses_content and any(i.special_categories for i in interactions)
    email_from_purchase = any(
        i.kind is IdentityKind.EMAIL and i.verification_method == PURCHASE_METHOD
        for i in identities
    )
    notice_due = MarketingRepository(session).notice_due(contact_id)
    recipient = RecipientFacts(
        contact_id=contact_id,
        relationship=relationship_of(contact, identities),
        consent=consent,
        objection=objection_for(contact, purpose),
        restricted=contact.restricted,
        special_categories=special,
        addressed_company=any(addressed(i) for i in interactions),
        channels=channels_of(identities),
        email_from_purchase=email_from_purchase,
        informed_of_objection=email_from_purchase,
        minor=contact.is_minor,
        guardian_consent=status.is_valid and status.guardian,
        art14_notice_due=notice_due,
    )
    return ContactFacts(
        recipient=recipient,
        consent_id=consent_id,
        art14_notice_due=notice_due,
    )


def group_facts(
    group: AudienceGroup, purpose: Purpose, data_items: Iterable[DataItem]
) -> ContactFacts:
    """The facts of every contact of an ``AudienceGroup`` (read in SQL for all contacts
    at once by ``storage.repositories.fact_groups``), as ``load_facts`` reads them for
    one: the same relationship, objection and special-category rules."""
    if group.is_employee:
        relationship = Relationship.EMPLOYEE
    elif group.is_customer:
        relationship = Relationship.VERIFIED_CUSTOMER
    else:
        relationship = Relationship.PROSPECT
    if purpose in MARKETING_PURPOSES:
        objection = group.objected_marketing
    elif purpose in PROFILING_PURPOSES:
        objection = group.objected_profiling
    else:
        objection = False
    channels = {OutreachChannel.WEBHOOK}
    for present, channel in (
        (group.email, OutreachChannel.EMAIL),
        (group.phone, OutreachChannel.SMS),
        (group.handle, OutreachChannel.SOCIAL_REPLY),
    ):
        if present:
            channels.add(channel)
    uses_content = any(item.category in CONTENT_CATEGORIES for item in data_items)
    recipient = RecipientFacts(
        contact_id=f"group:{group.key[:16]}",
        relationship=relationship,
        consent=ConsentState(group.consent) if group.consent else ConsentState.NONE,
        objection=objection,
        restricted=group.restricted,
        special_categories=uses_content and group.special,
        addressed_company=group.addressed,
        channels=frozenset(channels),
        email_from_purchase=group.email_from_purchase,
        informed_of_objection=group.email_from_purchase,
        minor=group.minor,
        guardian_consent=group.guardian,
        art14_notice_due=group.notice_due,
    )
    return ContactFacts(recipient=recipient, consent_id=None, art14_notice_due=group.notice_due)
