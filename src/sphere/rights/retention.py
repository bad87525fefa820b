"""Purpose-bound retention (GDPR Art. 5(1)(e)): delete what is past ``retention_until``.

Every stored interaction, event and attribute carries the deadline computed from its
purpose when it was stored. A derived attribute inherits the *shortest* retention of
its sources: when any record it was derived from is due, the attribute goes with it
(provenance, followed transitively), even if its own deadline is later.

The run deletes the records, their decision-log rows, and crypto-shreds per-record and
pseudonym keys that no remaining row uses. It also deletes quarantined inputs past
their deadline (``SPHERE_QUARANTINE_RETENTION_DAYS``; their per-record keys are
destroyed) and log-in credentials a day after they expired (one-time links, portal and
staff sessions, handle challenges: hashes only, but a record of who logged in when),
and keyed conversation marks past their expiry (``thread_marks``, customer-care
retention from their last use), and review-queue items past theirs (30 days).
Last, contacts past their own deadline (set by the CRM import: last import + the
import purpose's retention; every re-import extends it) are erased like an Art. 17
request (``erasure.erase_contact``, crypto-shredding their key) when nothing else keeps
them: not restricted, no open request, no stored record left, no valid consent — and,
given the connected systems, there too (``retention_systems``: a request of channel
``retention`` with a task per system). Deleted records leave the CRM sync's target
through the removal entries their deletion queues (``rights.crm_sync``).

It is idempotent (a second run finds nothing) and writes one audit entry with counts
when it removed something; ``dry_run`` reports the same counts and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.consent.ledger import states
from sphere.rights.retention_systems import erase_past_retention
from sphere.rights.systems import ConnectedSystems
from sphere.storage.crypto import Keyring
from sphere.storage.entities import SourceRef, SourceType
from sphere.storage.intake_tables import STREAM_RECEIPT_RETENTION
from sphere.storage.repositories import credentials
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.counted import CountedPostRepository
from sphere.storage.repositories.erasure import ErasureRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.repositories.intake import StreamReceiptRepository
from sphere.storage.repositories.jobs import JobRepository
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.repositories.retention import RetentionRepository
from sphere.storage.repositories.reviews import ReviewRepository
from sphere.storage.repositories.threads import ThreadMarkRepository

_SHREDDABLE = ("record:", "pseudo:", "retained:")
CREDENTIAL_GRACE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RetentionResult:
    dry_run: bool
    interactions: int
    events: int
    attributes: int
    inherited: int  # attributes removed because a source expired first
    decisions: int
    keys_destroyed: int
    ids: dict[str, list[str]] = field(default_factory=dict)
    quarantine: int = 0
    credentials: dict[str, int] = field(default_factory=dict)
    contacts: int = 0  # erased: past their own deadline and kept by nothing
    contacts_consenting: int = 0  # past their deadline but kept by a valid consent

    @property
    def removed_anything(self) -> bool:
        return bool(
            self.interactions
            or self.events
            or self.attributes
            or self.inherited
            or self.quarantine
            or self.contacts
            or any(self.credentials.values())
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "interactions": self.interactions,
            "events": self.events,
            "attributes": self.attributes,
            "inherited": self.inherited,
            "decisions": self.decisions,
            "keys_destroyed": self.keys_destroyed,
            "quarantine": self.quarantine,
            "credentials": sum(self.credentials.values()),
            "contacts": self.contacts,
            "contacts_consenting": self.contacts_consenting,
        }


def run_retention(
    session: Session,
    keyring: Keyring,
    *,
    now: datetime,
    actor: str,
    dry_run: bool = False,
    systems: ConnectedSystems | None = None,
) -> RetentionResult:
    """See the module docstring; ``systems``: the connected systems an erased contact is
    erased in too (``retention_systems``)."""
    retention, rights = RetentionRepository(session), ErasureRepository(session)
    interactions = retention.expired("interactions", now=now)
    events = retention.expired("events", now=now)
    attributes = retention.expired("attributes", now=now)
    own = {i for i, _ in attributes}
    roots = [SourceRef(SourceType.INTERACTION, i) for i, _ in interactions]
    roots += [SourceRef(SourceType.EVENT, i) for i, _ in events]
    roots += [SourceRef(SourceType.ATTRIBUTE, i) for i in own]
    repo = AttributeRepository(session, keyring)
    inherited = [a for a in repo.dependents_of(roots) if a not in own]
    interaction_ids = [i for i, _ in interactions]
    event_ids = [i for i, _ in events]
    decision_ids = rights.decision_ids_for(
        contact_id=None, interaction_ids=interaction_ids, event_ids=event_ids
    )
    keys = sorted(
        {k for _, k in (*interactions, *events, *attributes) if k and k.startswith(_SHREDDABLE)}
    )
    quarantine = QuarantineRepository(session, keyring)
    quarantined = quarantine.expired(now=now)
    due_contacts, consenting = _contacts_due(session, retention, now=now)
    ids = {
        "interactions": interaction_ids,
        "events": event_ids,
        "attributes": [*own, *inherited],
        "quarantine": quarantined,
    }
    if dry_run:
        return RetentionResult(
            True,
            len(interaction_ids),
            len(event_ids),
            len(own),
            len(inherited),
            len(decision_ids),
            0,
            ids,
            quarantine=len(quarantined),
            credentials={
                **credentials.count_expired(session, before=now - CREDENTIAL_GRACE),
                "thread_marks": ThreadMarkRepository(session).count_expired(now=now),
                "counted_posts": CountedPostRepository(session).count_expired(now=now),
                "review_items": ReviewRepository(session).count_expired(now=now),
                "stream_receipts": StreamReceiptRepository(session).count_before(
                    now - STREAM_RECEIPT_RETENTION
                ),
            },
            contacts=len(due_contacts),
            contacts_consenting=consenting,
        )
    repo.delete([*own, *inherited])
    rights.delete_interactions(interaction_ids)
    EventRepository(session, keyring).delete(event_ids)
    rights.delete_decisions(decision_ids)
    destroyed = 0
    for key_id in keys:
        if retention.key_users(key_id) == 0:
            keyring.destroy_key(session, key_id, at=now)
            destroyed += 1
    for item_id in quarantined:
        quarantine.delete(item_id)  # destroys the item's own payload key
    # Contacts that held no record before this run (the dry run counts the same ones; a
    # contact whose last record went just now is due in the next run).
    for contact_id in due_contacts:  # in the connected systems too (retention_systems)
        erase_past_retention(session, keyring, systems, contact_id, at=now, actor=actor)
    result = RetentionResult(
        False,
        len(interaction_ids),
        len(event_ids),
        len(own),
        len(inherited),
        len(decision_ids),
        destroyed,
        ids,
        quarantine=len(quarantined),
        credentials={
            **credentials.purge_expired(session, before=now - CREDENTIAL_GRACE),
            "job_artifacts": JobRepository(session).delete_expired_artifacts(now=now),
            "thread_marks": ThreadMarkRepository(session).purge_expired(now=now),
            "counted_posts": CountedPostRepository(session).purge_expired(now=now),
            "review_items": ReviewRepository(session).purge_expired(now=now),
            "stream_receipts": StreamReceiptRepository(session).prune(
                before=now - STREAM_RECEIPT_RETENTION
            ),
        },
        contacts=len(due_contacts),
        contacts_consenting=consenting,
    )
    if result.removed_anything:
        audit(
            session,
            actor=actor,
            action="retention.run",
            details=result.to_dict(),
            at=now,
        )
    return result


def _contacts_due(
    session: Session, retention: RetentionRepository, *, now: datetime
) -> tuple[list[str], int]:
    """Contacts to erase now, and how many more are past their deadline but consented
    (processing based on a valid consent keeps the contact until it is withdrawn)."""
    due, consenting = [], 0
    for contact_id in retention.contacts_past_retention(now=now):
        if any(s.is_valid for s in states(session, contact_id, now=now).values()):
            consenting += 1
        else:
            due.append(contact_id)
    return due, consenting
