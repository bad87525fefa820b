"""Erasure (GDPR Art. 17): the cascade through every table, and crypto-shredding.

What goes, for one contact:

* interactions and events linked to the contact, and those stored under a pseudonym
  of one of its handles (``pseudo:<blind index>``) before the handle was linked;
* every attribute of the contact and every attribute derived from any of those records
  (provenance followed transitively, other contacts' derived data included);
* the contact's marketing rows: segment memberships, scores, campaign sends, service
  tasks, and its id in campaigns' stored dry-run audiences
  (``MarketingRepository.delete_for_contact``; measures hold no per-contact data);
* decision-log rows of those records, identities (e-mail, phone, handles, customer
  number, cookie/device ids), verification challenges, Art. 14 duties, quarantined
  input whose payload mentions one of the identifiers;
* portal log-in links, portal sessions and handle challenges (used or not: kept, they
  would record when the person logged in);
* the subject key (destroyed: a database copy cannot decrypt what it still holds once
  the master key was rotated, see ``sphere.storage.crypto``) and the pseudonym-scope
  keys (deleted outright, so no blind index of a handle remains, and a later post by the
  same account is encrypted under a new key, never the destroyed one).

What stays, and why (reported in ``ErasureResult.kept``):

* attributes with purpose ``legal_obligation`` (e.g. an invoice reference that HGB §257
  and AO §147 require to be kept for ten years): re-encrypted under a key of their own
  so the contact key can be destroyed; deleted by the retention run when due;
* the consent ledger entries (ids, purposes, times — proof of lawful processing in the
  past, Art. 7(1), Art. 17(3)(e)) and the request record (Art. 5(2) accountability),
  until the end of the regular limitation period (§§195, 199 BGB: three years from the
  end of the year);
* for each campaign send, its ``campaign.send-*`` audit entry (send, decision and
  campaign ids, the send's legal basis, code, channel, time — never an address or the
  message): the proof that the advertising was lawful (Art. 5(2), Art. 7(1) GDPR; the
  advertiser bears the burden of proof under §7 UWG). The send row itself is deleted;
  the audit chain cannot be rewritten, so the entry stays with the tombstone's internal
  id as subject. Reported once per send;
* the contact row as a tombstone (internal id, ``erased_at``): its identities are
  gone, so nothing links to it any more; the portal token is replaced.

The audit entry names counts and ids only, never what was erased.

Concurrency: the contact row is locked ``FOR UPDATE`` first; the pipeline share-locks
it before linking a record (``Linker._may_link``), so an ingestion of the same person's
post either commits first (and its record is erased here) or waits and then finds the
contact erased (and stores the post as from an unknown author).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import LegalBasis, Purpose
from sphere.errors import NotFound
from sphere.rights.art19 import notify_recipients
from sphere.storage.crypto import Keyring
from sphere.storage.entities import SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.audit import AuditRepository
from sphere.storage.repositories.consents import ConsentRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.credentials import delete_portal_credentials_of
from sphere.storage.repositories.erasure import ErasureRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.repositories.marketing import MarketingRepository
from sphere.storage.repositories.notice_duties import NoticeDutyRepository
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.repositories.reviews import ReviewRepository
from sphere.storage.repositories.rights import RightsRepository

LEGAL_RETENTION = timedelta(days=3653)  # HGB §257(4), AO §147(3): ten years


@dataclass(frozen=True, slots=True)
class KeptItem:
    """A datum kept despite the erasure, with the legal obligation and its end."""

    table: str
    id: str
    purpose: str
    legal_basis: str
    reason: str
    until: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "id": self.id,
            "purpose": self.purpose,
            "legal_basis": self.legal_basis,
            "reason": self.reason,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass(frozen=True, slots=True)
class ErasureResult:
    contact_id: str
    counts: dict[str, int]
    kept: tuple[KeptItem, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "counts": dict(self.counts),
            "kept": [k.to_dict() for k in self.kept],
        }


@dataclass(frozen=True, slots=True)
class ErasureScope:
    """What an erasure of one contact would delete and keep — read, nothing changed —
    for the confirmation staff see before they carry it out."""

    contact_id: str
    interactions: int
    events: int
    attributes: int  # own and derived from the person's records, other contacts' included
    identities: int
    kept: int  # kept for a legal obligation (re-encrypted under a key of their own)
    consents: int  # ledger entries kept as proof until the limitation period ends
    erased: bool  # already erased: nothing left to delete

    @property
    def records(self) -> int:
        return self.interactions + self.events + self.attributes


def erasure_scope(session: Session, keyring: Keyring, contact_id: str) -> ErasureScope:
    """The counts :func:`erase_contact` would delete now, found the same way."""
    contacts = ContactRepository(session, keyring)
    contact = contacts.get(contact_id)
    if contact.erased_at is not None:
        return ErasureScope(contact_id, 0, 0, 0, 0, 0, 0, erased=True)
    rights = ErasureRepository(session)
    identities = contacts.identities(contact_id)
    pseudo_keys = keyring.handle_subjects(identities)
    interaction_ids = rights.interaction_ids(contact_id=contact_id, key_ids=pseudo_keys)
    event_ids = rights.event_ids(contact_id=contact_id, key_ids=pseudo_keys)
    attributes = AttributeRepository(session, keyring)
    own = attributes.list_for_contact(contact_id)
    kept = {a.id for a in own if a.purpose is Purpose.LEGAL_OBLIGATION}
    consents = ConsentRepository(session).for_contact(contact_id)
    roots = [SourceRef(SourceType.INTERACTION, i) for i in interaction_ids]
    roots += [SourceRef(SourceType.EVENT, i) for i in event_ids]
    roots += [SourceRef(SourceType.ATTRIBUTE, a.id) for a in own]
    roots += [SourceRef(SourceType.CONSENT, c.id) for c in consents]
    doomed = {a.id for a in own} | set(attributes.dependents_of(roots))
    return ErasureScope(
        contact_id=contact_id,
        interactions=len(interaction_ids),
        events=len(event_ids),
        attributes=len(doomed - kept),
        identities=len(identities),
        kept=len(kept),
        consents=len(consents),
        erased=False,
    )


def _limitation_end(at: datetime) -> datetime:
    """End of the regular limitation period: 3 years from the end of the year (§199 BGB)."""
    return datetime(at.year + 3, 12, 31, 23, 59, 59, tzinfo=UTC)


def erase_contact(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    *,
    at: datetime,
    actor: str,
    request_id: str | None = None,
) -> ErasureResult:
    """Erase everything about ``contact_id`` (see module docstring); idempotent."""
    rights = ErasureRepository(session)
    if not rights.lock_contact(contact_id):
        raise NotFound(f"contact {contact_id} not found")
    contacts = ContactRepository(session, keyring)
    contact = contacts.get(contact_id)
    if contact.erased_at is not None:
        return ErasureResult(contact_id, {"already_erased": 1})
    if request_id is not None:  # Art. 19: who had the data, read before it is gone
        notify_recipients(session, request_id=request_id, contact_id=contact_id,
                          action="erasure", at=at, actor=actor)  # fmt: skip

    identities = contacts.identities(contact_id)
    values = [i.value for i in identities if i.value]
    pseudo_keys = keyring.handle_subjects(identities)
    interaction_ids = rights.interaction_ids(contact_id=contact_id, key_ids=pseudo_keys)
    event_ids = rights.event_ids(contact_id=contact_id, key_ids=pseudo_keys)

    attributes = AttributeRepository(session, keyring)
    own = attributes.list_for_contact(contact_id)
    kept_attrs = [a for a in own if a.purpose is Purpose.LEGAL_OBLIGATION]
    kept_ids = {a.id for a in kept_attrs}
    roots = [SourceRef(SourceType.INTERACTION, i) for i in interaction_ids]
    roots += [SourceRef(SourceType.EVENT, i) for i in event_ids]
    roots += [SourceRef(SourceType.ATTRIBUTE, a.id) for a in own]
    roots += [
        SourceRef(SourceType.CONSENT, c.id)
        for c in ConsentRepository(session).for_contact(contact_id)
    ]
    doomed = [a.id for a in own if a.id not in kept_ids]
    doomed += [a for a in attributes.dependents_of(roots) if a not in kept_ids]
    doomed = list(dict.fromkeys(doomed))

    kept: list[KeptItem] = []
    for attribute in kept_attrs:
        # Re-encrypt under a key of its own so the contact key can be destroyed.
        key_id = f"retained:{attribute.id}"
        ciphertext = keyring.encrypt_for(session, key_id, attribute.value or "")
        rights.reassign_attribute_key(attribute.id, key_id=key_id, ciphertext=ciphertext)
        kept.append(
            KeptItem(
                table="attributes",
                id=attribute.id,
                purpose=Purpose.LEGAL_OBLIGATION.value,
                legal_basis=LegalBasis.LEGAL_OBLIGATION.value,
                reason="retention required by HGB §257 and AO §147 (Art. 17(3)(b) GDPR)",
                until=attribute.retention_until or at + LEGAL_RETENTION,
            )
        )

    marketing = MarketingRepository(session)
    send_proofs = _send_proofs(session, marketing, contact_id)
    marketing_counts = marketing.delete_for_contact(contact_id)

    decision_ids = rights.decision_ids_for(
        contact_id=contact_id, interaction_ids=interaction_ids, event_ids=event_ids
    )
    counts = {
        "attributes": attributes.delete(doomed),
        "interactions": rights.delete_interactions(interaction_ids),
        "events": EventRepository(session, keyring).delete(event_ids),
    }
    counts.update(marketing_counts)
    counts["decisions"] = rights.delete_decisions(decision_ids)
    counts["verifications"] = RightsRepository(session).delete_verifications_of_contact(contact_id)
    counts["portal_credentials"] = delete_portal_credentials_of(session, contact_id, at=at)
    counts["notice_duties"] = NoticeDutyRepository(session).delete_duties_of_contact(contact_id)
    counts["quarantine"] = _erase_quarantine(session, keyring, values)
    counts["review_items"] = ReviewRepository(session).delete_for_subjects(
        [contact_id, *pseudo_keys], contact_id=contact_id
    )
    for identity in identities:
        contacts.remove_identity(identity.id)
    counts["identities"] = len(identities)
    keyring.destroy_key(session, contact_id, at=at)
    for key_id in pseudo_keys:
        keyring.destroy_key(session, key_id, at=at)
    counts["pseudonym_keys"] = rights.purge_keys(pseudo_keys)
    counts["keys_destroyed"] = 1 + len(pseudo_keys)
    contacts.set_flags(contact_id, erased_at=at)
    rights.rotate_public_id(contact_id)

    consents = ConsentRepository(session).for_contact(contact_id)
    kept += [
        KeptItem(
            table="consents",
            id=c.id,
            purpose=c.purpose.value,
            legal_basis=LegalBasis.LEGAL_OBLIGATION.value,
            reason="proof of consent for past processing (Art. 7(1), Art. 17(3)(e) GDPR)",
            until=_limitation_end(at),
        )
        for c in consents
    ]
    kept += send_proofs
    if request_id is not None:
        kept.append(
            KeptItem(
                table="dsr_requests",
                id=request_id,
                purpose=Purpose.LEGAL_OBLIGATION.value,
                legal_basis=LegalBasis.LEGAL_OBLIGATION.value,
                reason="proof that the request was answered (Art. 5(2), Art. 12 GDPR)",
                until=_limitation_end(at),
            )
        )
    counts["kept"] = len(kept)
    audit(
        session,
        actor=actor,
        action="subject.erased",
        subject_id=contact_id,
        object_ids=tuple(x for x in (request_id,) if x),
        purpose=None,
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        details={**counts, "kept_ids": [k.id for k in kept]},
        at=at,
    )
    return ErasureResult(contact_id, counts, tuple(kept))


def _send_proofs(
    session: Session, marketing: MarketingRepository, contact_id: str
) -> list[KeptItem]:
    """The audit entries that prove each campaign send's legal basis (kept, see above)."""
    sends = {s.id: s for s in marketing.sends(contact_id=contact_id)}
    if not sends:
        return []
    proofs: list[KeptItem] = []
    for entry in AuditRepository(session).for_subject(contact_id):
        if not entry.action.startswith("campaign.send-"):
            continue
        send = next((sends[i] for i in entry.object_ids if i in sends), None)
        if send is None:
            continue
        proofs.append(
            KeptItem(
                table="audit_entries",
                id=entry.id,
                purpose=entry.purpose or "",
                legal_basis=LegalBasis.LEGAL_OBLIGATION.value,
                reason=(
                    f"proof of campaign send {send.id} ({send.status}, legal basis "
                    f"{send.legal_basis or 'none'}, {send.sent_at.date().isoformat()}): "
                    "Art. 5(2), Art. 7(1) GDPR, §7 UWG; ids, basis and time only"
                ),
                until=None,
            )
        )
    return proofs


def _erase_quarantine(session: Session, keyring: Keyring, values: list[str]) -> int:
    """Quarantined input whose decrypted payload mentions one of the identifiers (read in
    batches with their keys preloaded; the matches are deleted with their own keys)."""
    if not values:
        return 0
    needles = [v.lower() for v in values if len(v) >= 3]
    repository = QuarantineRepository(session, keyring)
    matches = [
        item_id
        for item_id, payload in repository.payloads()
        if payload and any(n in payload.lower() for n in needles)
    ]
    for item_id in matches:
        repository.delete(item_id)
    return len(matches)
