"""Tables for consent-gated marketing: measures, segments, scores, campaigns, sends, tasks.

Where personal data lives, and how the cascade works (DESIGN invariant 2):

* A score or a segment membership is personal data derived from other derived data. Each
  one is stored as a derived ``attributes`` row (encrypted value, purpose, legal basis,
  the consent relied on) with provenance edges to the attributes it was computed from
  and to that consent record. ``scores`` and ``segment_memberships`` are thin indexes
  that point at that attribute row with ``ON DELETE CASCADE``. So whatever removes the
  attribute — ``consent.ledger.withdraw``, an interaction's deletion, an erasure —
  removes the score or membership in the same statement, with no code that has to
  remember to do so.
* ``measures`` and ``campaigns`` describe processing, not people: names, purposes, data
  categories, declared flags, verdict counts, the DPO's decision. Free text (a
  measure's name, a DPO's reason, an offer) is written by staff and must not hold
  personal data.
* ``campaign_sends`` is the evidence of each send attempt: contact id, legal basis,
  decision id, transport and status — never the address or the message text.
* ``service_tasks`` points at a contact and the interaction that triggered it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


class MeasureRow(Base):
    """A planned measure and its approval (state draft | submitted | approved | rejected)."""

    __tablename__ = "measures"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(ENUM)
    purpose: Mapped[str] = mapped_column(ENUM)
    channel: Mapped[str] = mapped_column(ENUM)
    data_items: Mapped[list[Any]] = mapped_column(default=list)
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    flags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(ENUM, index=True)
    verdict: Mapped[str | None] = mapped_column(ENUM)
    eligible: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    check_result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    policy_version: Mapped[str] = mapped_column(String(64), default="")
    checked_at: Mapped[datetime | None]
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
    submitted_at: Mapped[datetime | None]
    dpo_decision: Mapped[str | None] = mapped_column(ENUM)
    dpo_reason: Mapped[str | None] = mapped_column(Text)
    dpo_actor: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    processing_activity_id: Mapped[str | None] = mapped_column(
        ForeignKey("processing_activities.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SegmentRow(Base):
    """A rule-based segment definition (``sphere.marketing.segment`` JSON form)."""

    __tablename__ = "segments"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    purpose: Mapped[str] = mapped_column(ENUM)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_at: Mapped[datetime | None]


class SegmentMembershipRow(Base):
    """Contact ``contact_id`` is in segment ``segment_id``; ``attribute_id`` is the derived
    attribute that carries the membership's provenance (deleted with it)."""

    __tablename__ = "segment_memberships"
    __table_args__ = (UniqueConstraint("segment_id", "contact_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    segment_id: Mapped[str] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    attribute_id: Mapped[str] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), unique=True
    )
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreRow(Base):
    """A contact's score under one model. Total and contributions are in the encrypted
    value of the derived attribute ``attribute_id`` (deleted with it)."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("contact_id", "model"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(100))
    attribute_id: Mapped[str] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), unique=True
    )
    drives_automated_decision: Mapped[bool] = mapped_column(Boolean, default=False)
    human_review_by: Mapped[str | None] = mapped_column(String(100))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignRow(Base):
    """A campaign under an approved measure (state draft | dry_run | done | refused)."""

    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    measure_id: Mapped[str] = mapped_column(ForeignKey("measures.id"), index=True)
    segment_id: Mapped[str | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    offer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channel: Mapped[str] = mapped_column(ENUM)
    max_sends: Mapped[int] = mapped_column(Integer, default=3)
    cap_window_days: Mapped[int] = mapped_column(Integer, default=7)
    quiet_start: Mapped[str] = mapped_column(String(5), default="20:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    # People whose Art. 14 information is still due: "attach" it to the message, or
    # "hold" them until it is sent (GDPR Art. 14(3)(b)).
    art14_mode: Mapped[str] = mapped_column(String(10), default="hold", server_default="hold")
    state: Mapped[str] = mapped_column(ENUM, index=True)
    refusal: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dry_run_at: Mapped[datetime | None]
    dry_run_audience: Mapped[list[Any]] = mapped_column(default=list)
    last_run_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignSendRow(Base):
    """One send attempt: sent | refused | failed, with legal basis and decision."""

    __tablename__ = "campaign_sends"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(ENUM)
    code: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str | None] = mapped_column(ENUM)
    decision_id: Mapped[str | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL"), index=True
    )
    transport: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(ENUM)
    sent_at: Mapped[datetime] = mapped_column(index=True)


class ServiceTaskRow(Base):
    """A service task opened by a trigger rule for a contact's interaction."""

    __tablename__ = "service_tasks"
    __table_args__ = (UniqueConstraint("rule", "interaction_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    rule: Mapped[str] = mapped_column(String(100))
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(ENUM, default="open")
    reason: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str | None] = mapped_column(ENUM)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
