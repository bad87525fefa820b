"""Long work as jobs: a persisted state and progress per job, so a page never waits
for a policy apply, a retention run or a large export, and a job that fails halfway
says where and why.

* ``jobs`` — kind, state (queued | running | done | failed | cancelled), parameters,
  progress (done of total, phase), a resume checkpoint written in the same transaction
  as the work it covers, the result summary, the error, who asked and when. Parameters,
  results and errors hold ids, counts, enum values and policy text — never content
  about a person.
* ``job_items`` — a job's work list (e.g. the records a policy apply deletes), written
  set-based when the job plans its work and walked in batches.
* ``job_artifacts`` — a file a job produced (an export), encrypted under the key of the
  person it is about (``key_id``), so an erasure makes it unreadable; deleted after
  ``expires_at`` by the retention run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, KEY_ID, Base, new_ordered_id


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_created_at", "state", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_ordered_id)
    kind: Mapped[str] = mapped_column(ENUM, index=True)
    state: Mapped[str] = mapped_column(ENUM)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(100), default="")
    checkpoint: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class JobItemRow(Base):
    __tablename__ = "job_items"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_type: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(40))


class JobArtifactRow(Base):
    __tablename__ = "job_artifacts"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_ordered_id)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(KEY_ID)
    content_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class FindingStateRow(Base):
    """A finding's life by its code (its stable identity across snapshot recomputations):
    since when it exists (``first_seen_at``; ``gone_at`` once a computation no longer
    finds it, and a later reappearance starts a new life), and what the DPO decided —
    ``open``, ``acknowledged`` (seen, being dealt with) or ``resolved`` — with the count
    at that moment, a note, who and when. No personal data: a code, counts, a staff note."""

    __tablename__ = "finding_states"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    first_seen_at: Mapped[datetime]
    gone_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16), default="open")
    count: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
