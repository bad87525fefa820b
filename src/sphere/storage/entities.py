"""What repositories return: frozen, detached values (never ORM rows).

Fields holding personal data in clear (identity values, post text, quarantined
payloads) are excluded from ``repr`` so they cannot leak into logs or tracebacks.
A ``None`` text on a stored record means its subject key was destroyed (erasure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sphere.domain import (
    Addressing,
    AttributeKind,
    Channel,
    Collection,
    IdentityKind,
    LegalBasis,
    ObservationKind,
    Outcome,
    Purpose,
    SpecialCategory,
    Visibility,
)


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    public_id: str = field(repr=False)
    created_at: datetime
    is_employee: bool = False
    restricted: bool = False
    objected_marketing: bool = False
    objected_profiling: bool = False
    erased_at: datetime | None = None
    retention_until: datetime | None = None
    minor_since: datetime | None = None  # GDPR Art. 8: flagged as a minor since then
    minor_evidence: str | None = None

    @property
    def is_minor(self) -> bool:
        return self.minor_since is not None


@dataclass(frozen=True, slots=True)
class Identity:
    id: str
    contact_id: str
    kind: IdentityKind
    channel: str  # "" when not channel-scoped (e-mail, phone)
    value: str | None = field(repr=False)  # None once the subject key is destroyed
    verified: bool
    verification_method: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    name: str
    channel: Channel
    collection: Collection
    accounts: tuple[str, ...]
    description: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewInteraction:
    """Input for ``InteractionRepository.insert_if_absent``.

    ``key_subject`` chooses the subject key for ``text`` when there is no contact:
    pass ``crypto.pseudonym_subject(blind_index)`` for a pseudonymised author; leave it
    None for a per-record key. With ``contact_id`` set, the contact's key is used.
    """

    source_name: str
    channel: Channel
    source_id: str
    kind: ObservationKind
    created_at: datetime
    visibility: Visibility = Visibility.PUBLIC
    addressing: Addressing = Addressing.NOT_APPLICABLE
    text: str | None = field(default=None, repr=False)
    contact_id: str | None = None
    identity_id: str | None = None
    key_subject: str | None = None
    language: str | None = None
    special_categories: frozenset[SpecialCategory] = frozenset()
    decision_id: str | None = None
    retention_until: datetime | None = None
    reid_risk: str | None = None
    reid_action: str | None = None


@dataclass(frozen=True, slots=True)
class Interaction:
    id: str
    contact_id: str | None
    identity_id: str | None
    source_name: str
    channel: Channel
    source_id: str
    kind: ObservationKind
    visibility: Visibility
    addressing: Addressing
    language: str | None
    text: str | None = field(repr=False)
    key_id: str | None
    special_categories: frozenset[SpecialCategory]
    created_at: datetime
    ingested_at: datetime
    decision_id: str | None
    retention_until: datetime | None
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One row of the decision log."""

    id: str
    record_type: str
    record_ref: str
    contact_id: str | None
    purpose: Purpose
    outcome: Outcome
    legal_basis: LegalBasis | None
    policy_version: str
    rule_id: str
    reason: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    id: str
    version: str
    sha256: str
    text: str = field(repr=False)
    applied_at: datetime
    applied_by: str
    is_active: bool


@dataclass(frozen=True, slots=True)
class QuarantineItem:
    id: str
    source_name: str
    file: str
    line: int | None
    reason: str
    payload: str | None = field(repr=False)  # decrypted on get(); None in listings
    created_at: datetime
    retried_at: datetime | None


@dataclass(frozen=True, slots=True)
class Aggregate:
    day: date
    channel: str
    addressing: str
    outcome: str
    topic: str
    count: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One link of the audit hash chain. ``details`` holds ids, counts and enum values."""

    seq: int
    id: str
    at: datetime
    actor: str
    action: str
    subject_id: str | None
    object_ids: tuple[str, ...]
    purpose: str | None
    legal_basis: str | None
    details: Mapping[str, Any]
    prev_hash: str
    hash: str
    key_id: str | None = None  # the HMAC key that keyed ``hash``; None: plain SHA-256

    def as_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready values (ids, tokens and counts only — never PII)."""
        return {
            "seq": self.seq,
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject_id": self.subject_id,
            "object_ids": list(self.object_ids),
            "purpose": self.purpose,
            "legal_basis": self.legal_basis,
            "details": dict(self.details),
            "hash": self.hash,
            "key_id": self.key_id,
        }


class SourceType(StrEnum):
    """What a derived attribute can be derived from (a provenance edge's far end)."""

    INTERACTION = "interaction"
    EVENT = "event"
    ATTRIBUTE = "attribute"
    CONSENT = "consent"


@dataclass(frozen=True, slots=True)
class SourceRef:
    type: SourceType
    id: str


@dataclass(frozen=True, slots=True)
class NewEvent:
    """Input for ``EventRepository.insert_if_absent``; ``payload`` is encrypted as JSON."""

    channel: Channel
    kind: str
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict, repr=False)
    source_id: str | None = None  # idempotency key, unique per channel when given
    contact_id: str | None = None
    key_subject: str | None = None
    decision_id: str | None = None
    retention_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    contact_id: str | None
    channel: Channel
    kind: str
    source_id: str | None
    payload: Mapping[str, Any] | None = field(repr=False)  # None after crypto-shredding
    key_id: str | None
    occurred_at: datetime
    ingested_at: datetime
    decision_id: str | None
    retention_until: datetime | None


@dataclass(frozen=True, slots=True)
class NewAttribute:
    """Input for ``AttributeRepository.add``: the datum, its legal footing and provenance."""

    contact_id: str
    kind: AttributeKind
    name: str
    value: str = field(repr=False)
    purpose: Purpose
    legal_basis: LegalBasis
    policy_version: str
    rule_id: str
    explanation: str = ""
    consent_id: str | None = None
    derived_from: tuple[SourceRef, ...] = ()
    special_categories: frozenset[SpecialCategory] = frozenset()
    retention_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Attribute:
    id: str
    contact_id: str
    kind: AttributeKind
    name: str
    value: str | None = field(repr=False)  # None after crypto-shredding
    purpose: Purpose
    legal_basis: LegalBasis
    policy_version: str
    rule_id: str
    explanation: str
    consent_id: str | None
    derived_from: tuple[SourceRef, ...]
    special_categories: frozenset[SpecialCategory]
    retention_until: datetime | None
    created_at: datetime
