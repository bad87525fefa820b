"""ORM models (SQLAlchemy 2, ``Mapped[...]``). Only ``sphere.storage`` sees these classes.

Conventions:

* ids are UUID4 strings made in Python; ``contacts.public_id`` is an unguessable token
  for portal links (never the internal id).
* every timestamp is ``UTCDateTime`` (aware UTC, naive refused).
* enum values are stored as their string value (no database enum types, so adding a
  member needs no migration); repositories convert to ``sphere.domain`` enums.
* personal content is stored only as ciphertext (``*_ciphertext``) together with the
  ``key_id`` of the subject key that encrypted it (see ``sphere.storage.crypto``).
  ``key_id`` is a contact id, a pseudonym scope (``pseudo:<blind index>``) for rows
  whose author is known only by a keyed pseudonym, or ``record:<uuid>`` for rows with
  no author at all.
* ``special_categories`` (GDPR Art. 9) is a JSON list of ``SpecialCategory`` values.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(36)
KEY_ID = String(80)
ENUM = String(40)


def new_id() -> str:
    return str(uuid.uuid4())


_ordered_lock = threading.Lock()
_ordered_last = 0  # (unix ms << 12) | counter of the last ordered id


def new_ordered_id() -> str:
    """A UUIDv7 (RFC 9562) whose string order is its creation order within a process:
    48 bits of Unix milliseconds, then a 12-bit counter for ids made in the same
    millisecond, then 62 random bits. Append-only ledgers sort by (time, id), so entries
    recorded at the same instant (a frozen test clock, one import batch) keep the order
    in which they were written. Written here because the standard library has no uuid7
    before Python 3.14."""
    global _ordered_last
    with _ordered_lock:
        stamp = (time.time_ns() // 1_000_000) << 12
        _ordered_last = max(stamp, _ordered_last + 1)
        ms, counter = _ordered_last >> 12, _ordered_last & 0xFFF
    value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62)
    value |= secrets.randbits(62)
    return str(uuid.UUID(int=value))


def new_public_id() -> str:
    """192 random bits, URL-safe: unguessable, so a portal link cannot be enumerated."""
    return secrets.token_urlsafe(24)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class ContactRow(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    public_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_public_id)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_employee: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)  # GDPR Art. 18
    objected_marketing: Mapped[bool] = mapped_column(Boolean, default=False)  # Art. 21(2)
    objected_profiling: Mapped[bool] = mapped_column(Boolean, default=False)  # Art. 21(1)
    erased_at: Mapped[datetime | None]
    # Storage limitation for the contact itself: set on import from the system of record
    # (last import + the import purpose's retention), extended by every re-import. None
    # for contacts not imported (the retention run leaves those alone).
    retention_until: Mapped[datetime | None] = mapped_column(index=True)
    # A minor (GDPR Art. 8, Recital 38): since when, and the evidence (kind of statement
    # and the record it was found in — never the age or the date itself).
    minor_since: Mapped[datetime | None]
    minor_evidence: Mapped[str | None] = mapped_column(String(200))


class SubjectKeyRow(Base):
    """Envelope encryption: one wrapped data key per subject (see ``storage.crypto``)."""

    __tablename__ = "subject_keys"

    subject_id: Mapped[str] = mapped_column(KEY_ID, primary_key=True)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    kek_id: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    destroyed_at: Mapped[datetime | None]


class IdentityRow(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "channel", "blind_index"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(ENUM)
    channel: Mapped[str] = mapped_column(ENUM, default="")  # "" = not channel-scoped
    value_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(KEY_ID)
    blind_index: Mapped[str] = mapped_column(String(64))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verification_method: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    channel: Mapped[str] = mapped_column(ENUM)
    accounts: Mapped[list[Any]] = mapped_column(default=list)
    collection: Mapped[str] = mapped_column(ENUM)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PolicyVersionRow(Base):
    __tablename__ = "policy_versions"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    version: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_by: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)


class DecisionRow(Base):
    """The decision log (invariant 1): every stored datum points at one of these."""

    __tablename__ = "decisions"
    # The latest decision per purpose (record of processing) is an index lookup.
    __table_args__ = (Index("ix_decisions_purpose_decided_at", "purpose", "decided_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    record_type: Mapped[str] = mapped_column(ENUM)
    record_ref: Mapped[str] = mapped_column(String(255), index=True)
    contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    purpose: Mapped[str] = mapped_column(ENUM)
    outcome: Mapped[str] = mapped_column(ENUM)
    legal_basis: Mapped[str | None] = mapped_column(ENUM)
    policy_version: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Art. 9 categories found in what was decided on (None: not recorded / none found)
    special_categories: Mapped[list[Any] | None] = mapped_column()


#: Live posts of known authors: a covering index for the per-contact facts the planning
#: check and the dry run read (addressed the company, Art. 9 involvement) — PostgreSQL
#: reads it alone (index-only) instead of the interactions themselves.
POSTS_OF_CONTACTS = "deleted_at IS NULL AND contact_id IS NOT NULL"
UNOBSERVED = "batch_observed IS NULL"


class InteractionRow(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("channel", "source_id"),
        Index(
            "ix_interactions_contact_posts",
            "contact_id",
            "addressing",
            postgresql_include=["special_categories"],
            postgresql_where=text(POSTS_OF_CONTACTS),
            sqlite_where=text(POSTS_OF_CONTACTS),
        ),
        # Records no batch observer was told of: small once writers are current, so the
        # duty sync's look for them is one index probe (``batch_observed`` below).
        Index(
            "ix_interactions_unobserved",
            "id",
            postgresql_where=text(UNOBSERVED),
            sqlite_where=text(UNOBSERVED),
        ),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    identity_id: Mapped[str | None] = mapped_column(
        ForeignKey("identities.id", ondelete="SET NULL"), index=True
    )
    source_name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(ENUM)
    source_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(ENUM)
    visibility: Mapped[str] = mapped_column(ENUM)
    addressing: Mapped[str] = mapped_column(ENUM)
    language: Mapped[str | None] = mapped_column(String(16))
    text_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(KEY_ID, index=True)
    special_categories: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decision_id: Mapped[str | None] = mapped_column(ForeignKey("decisions.id"), index=True)
    retention_until: Mapped[datetime | None] = mapped_column(index=True)
    deleted_at: Mapped[datetime | None]
    #: Re-identification risk level and the policy's action, for posts stored without a
    #: link to their author (``sphere.analytics.reidentification``); None otherwise.
    reid_risk: Mapped[str | None] = mapped_column(String(10))
    reid_action: Mapped[str | None] = mapped_column(String(12))
    #: True when the pipeline told its batch observers (the Art. 14 duty keeper) of this
    #: record in the transaction that stored it (or a sync looked at it since); NULL when
    #: a writer did not — a worker of an older version during a rolling upgrade, any other
    #: path — which ``rights.notices.sync_duties`` looks for; false: stored before
    #: revision 0042 (covered by the full sync that follows the upgrade).
    batch_observed: Mapped[bool | None]


class EventRow(Base):
    """Web and mobile behaviour (GDPR: observed data; TTDSG §25 for device access)."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("channel", "source_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(ENUM)
    source_id: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    payload_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(KEY_ID, index=True)
    occurred_at: Mapped[datetime]
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision_id: Mapped[str | None] = mapped_column(ForeignKey("decisions.id"), index=True)
    retention_until: Mapped[datetime | None] = mapped_column(index=True)


class NoticeRow(Base):
    """A privacy notice text as shown when consent was asked (hash = SHA-256 of text)."""

    __tablename__ = "notices"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)


class ConsentRow(Base):
    """Append-only consent ledger (GDPR Art. 7(1): the controller must prove consent)."""

    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_contact_purpose", "contact_id", "purpose", "recorded_at"),
        Index("ix_consents_recorded_at", "recorded_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    purpose: Mapped[str] = mapped_column(ENUM)
    action: Mapped[str] = mapped_column(ENUM)  # given | withdrawn
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)  # Art. 9(2)(a)
    notice_hash: Mapped[str | None] = mapped_column(ForeignKey("notices.hash"))
    channel: Mapped[str] = mapped_column(ENUM)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    # What the consent covers (Art. 4(11)): ",crm," / ",contact_data," — NULL = not narrowed.
    sources: Mapped[str | None] = mapped_column(String(400))
    data_categories: Mapped[str | None] = mapped_column(String(400))
    # Given or authorised by a holder of parental responsibility (Art. 8(1)).
    guardian: Mapped[bool] = mapped_column(Boolean, default=False)


class AttributeRow(Base):
    """Provided, observed or derived facts about a contact, with their legal footing."""

    __tablename__ = "attributes"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(ENUM)
    name: Mapped[str] = mapped_column(String(100))
    value_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(KEY_ID)
    purpose: Mapped[str] = mapped_column(ENUM)
    legal_basis: Mapped[str] = mapped_column(ENUM)
    consent_id: Mapped[str | None] = mapped_column(ForeignKey("consents.id"), index=True)
    policy_version: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(100))
    explanation: Mapped[str] = mapped_column(Text, default="")
    special_categories: Mapped[list[Any]] = mapped_column(default=list)
    retention_until: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttributeSourceRow(Base):
    """Provenance edge: attribute ``attribute_id`` was derived from ``source_type:source_id``.

    ``source_type`` is one of interaction, event, attribute, consent. The index on
    (source_type, source_id) lets an erasure or withdrawal find every dependent datum.
    """

    __tablename__ = "attribute_sources"
    __table_args__ = (Index("ix_attribute_sources_source", "source_type", "source_id"),)

    attribute_id: Mapped[str] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), primary_key=True
    )
    source_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    source_id: Mapped[str] = mapped_column(ID, primary_key=True)


class ProcessingActivityRow(Base):
    """One entry of the record of processing activities (GDPR Art. 30)."""

    __tablename__ = "processing_activities"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(ENUM)
    legal_basis: Mapped[str] = mapped_column(ENUM)
    data_categories: Mapped[list[Any]] = mapped_column(default=list)
    subject_categories: Mapped[list[Any]] = mapped_column(default=list)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    retention_days: Mapped[int | None] = mapped_column(Integer)
    dpia_required: Mapped[bool] = mapped_column(Boolean, default=False)  # Art. 35
    dpia_status: Mapped[str | None] = mapped_column(ENUM)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_run_at: Mapped[datetime | None]


class QuarantineRow(Base):
    """Input that could not be processed. The payload is encrypted, never kept in clear."""

    __tablename__ = "quarantine"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    source_name: Mapped[str] = mapped_column(String(100), index=True)
    file: Mapped[str] = mapped_column(String(500))
    line: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    payload_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(KEY_ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retried_at: Mapped[datetime | None]
    # Deleted (key destroyed) by the retention run after this; None only for rows
    # written before migration 0008 gave every row a deadline.
    retention_until: Mapped[datetime | None] = mapped_column(index=True)


class AggregateRow(Base):
    """Anonymous counters for social monitoring: no ids, no text, only counts."""

    __tablename__ = "aggregates"
    __table_args__ = (UniqueConstraint("day", "channel", "addressing", "outcome", "topic"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(ENUM)
    addressing: Mapped[str] = mapped_column(ENUM)
    outcome: Mapped[str] = mapped_column(ENUM)
    topic: Mapped[str] = mapped_column(String(100), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntryRow(Base):
    """One link of the hash chain (invariant 3). ``seq`` is assigned by ``sphere.audit``
    from the chain head, not by a database sequence: sequences skip values on rollback,
    and a gap must mean a deleted entry."""

    __tablename__ = "audit_entries"
    # The cockpit's audit trail filters by actor and time range, newest first.
    __table_args__ = (
        Index("ix_audit_entries_actor_seq", "actor", "seq"),
        Index("ix_audit_entries_at", "at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(ID, unique=True, default=new_id)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject_id: Mapped[str | None] = mapped_column(KEY_ID, index=True)
    object_ids: Mapped[list[Any]] = mapped_column(default=list)
    purpose: Mapped[str | None] = mapped_column(ENUM)
    legal_basis: Mapped[str | None] = mapped_column(ENUM)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Id of the HMAC key that keyed ``hash``; NULL for entries written before migration
    # 0013 (plain SHA-256). See sphere.audit.chain.
    key_id: Mapped[str | None] = mapped_column(String(16))


class AuditHeadRow(Base):
    """The single chain-head row (id = 1): last seq and hash.

    Writers lock it (``SELECT … FOR UPDATE``) so concurrent transactions append one after
    the other instead of forking the chain; verify compares it with the last entry, so a
    truncated tail is detected too.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
