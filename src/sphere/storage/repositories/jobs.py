"""Jobs, their work lists and their artifacts (``jobs_tables.py``).

State changes are conditional UPDATEs (``… WHERE state = 'queued'``), so two runners
never start the same job; on PostgreSQL the next queued job is claimed with ``FOR
UPDATE SKIP LOCKED``. Progress is written by the runner in short transactions of its
own (``sphere.jobs``), so a page sees it while the job's work is still uncommitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from sphere.errors import NotFound
from sphere.storage.jobs_tables import JobArtifactRow, JobItemRow, JobRow
from sphere.storage.tables import new_ordered_id

FINISHED = ("done", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    kind: str
    state: str
    params: dict[str, Any]
    progress_done: int
    progress_total: int | None
    phase: str
    checkpoint: dict[str, Any]
    result: dict[str, Any]
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    attempts: int
    cancel_requested: bool

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.state == "done" else None
        return min(100, round(100 * self.progress_done / self.progress_total))


def _record(row: JobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        kind=row.kind,
        state=row.state,
        params=dict(row.params or {}),
        progress_done=row.progress_done,
        progress_total=row.progress_total,
        phase=row.phase,
        checkpoint=dict(row.checkpoint or {}),
        result=dict(row.result or {}),
        error=row.error,
        created_by=row.created_by,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
        attempts=row.attempts,
        cancel_requested=row.cancel_requested,
    )


@dataclass(frozen=True, slots=True)
class JobArtifact:
    id: str
    job_id: str
    name: str
    media_type: str
    key_id: str
    content_ciphertext: bytes
    created_at: datetime
    expires_at: datetime


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- lifecycle ------------------------------------------------------------------
    def create(
        self, kind: str, params: dict[str, Any], *, created_by: str, at: datetime
    ) -> JobRecord:
        job_id = new_ordered_id()
        self.session.execute(
            insert(JobRow).values(
                id=job_id,
                kind=kind,
                state="queued",
                params=params,
                progress_done=0,
                phase="queued",
                checkpoint={},
                result={},
                created_by=created_by,
                created_at=at,
                attempts=0,
                cancel_requested=False,
            )
        )
        return self.get(job_id)

    def get(self, job_id: str) -> JobRecord:
        row = self.session.get(JobRow, job_id, populate_existing=True)
        if row is None:
            raise NotFound(f"job {job_id} not found")
        return _record(row)

    def claim(self, job_id: str | None, *, at: datetime) -> JobRecord | None:
        """Start ``job_id`` (or the oldest queued job) if it is queued or failed and
        resumable; returns it, or None when there is nothing to start."""
        if job_id is None:
            job_id = self.session.scalar(
                select(JobRow.id)
                .where(JobRow.state == "queued")
                .order_by(JobRow.created_at, JobRow.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job_id is None:
                return None
            states: tuple[str, ...] = ("queued",)
        else:
            states = ("queued", "failed")
        started = self.session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.state.in_(states))
            .values(
                state="running",
                started_at=func.coalesce(JobRow.started_at, at),
                heartbeat_at=at,
                finished_at=None,
                error=None,
                attempts=JobRow.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if started.rowcount != 1:
            return None
        return self.get(job_id)

    def progress(
        self,
        job_id: str,
        *,
        done: int,
        total: int | None,
        phase: str,
        at: datetime,
    ) -> bool:
        """Record progress; returns whether cancelling was requested meanwhile."""
        self.session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.state == "running")
            .values(progress_done=done, progress_total=total, phase=phase[:100], heartbeat_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(self.session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id)))

    def save_checkpoint(self, job_id: str, checkpoint: dict[str, Any], *, done: int) -> None:
        """In the caller's transaction: the checkpoint commits with the work it covers."""
        self.session.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(checkpoint=checkpoint, progress_done=done)
            .execution_options(synchronize_session=False)
        )

    def finish(
        self,
        job_id: str,
        *,
        state: str,
        at: datetime,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"state": state, "finished_at": at, "heartbeat_at": at}
        if result is not None:
            values["result"] = result
        if error is not None:
            values["error"] = error[:2000]
        if state == "done":
            values["phase"] = "done"
        self.session.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    def request_cancel(self, job_id: str, *, at: datetime) -> JobRecord:
        """A queued job is cancelled at once; a running one stops at its next step."""
        self.get(job_id)
        self.session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.state == "queued")
            .values(state="cancelled", finished_at=at, phase="cancelled")
            .execution_options(synchronize_session=False)
        )
        self.session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.state == "running")
            .values(cancel_requested=True)
            .execution_options(synchronize_session=False)
        )
        return self.get(job_id)

    def has_queued(self) -> bool:
        return (
            self.session.scalar(select(JobRow.id).where(JobRow.state == "queued").limit(1))
            is not None
        )

    def fail_stale(self, *, before: datetime, at: datetime) -> list[str]:
        """Running jobs whose runner stopped sending heartbeats: mark them failed (the
        checkpoint stays, so they can be resumed)."""
        ids = list(
            self.session.scalars(
                select(JobRow.id).where(JobRow.state == "running", JobRow.heartbeat_at < before)
            )
        )
        if not ids:
            return []
        for job_id in ids:
            row = self.get(job_id)
            self.finish(
                job_id,
                state="failed",
                at=at,
                error=f"interrupted during '{row.phase}' (the runner stopped); resume it",
            )
        return ids

    def find_open(self, kind: str, key: str) -> JobRecord | None:
        """A queued or running job of ``kind`` whose params carry ``key`` (dedupe)."""
        for row in self.session.scalars(
            select(JobRow).where(JobRow.kind == kind, JobRow.state.in_(("queued", "running")))
        ):
            if (row.params or {}).get("key") == key:
                return _record(row)
        return None

    def latest_done(self, kind: str) -> JobRecord | None:
        """The job of ``kind`` that finished successfully last (a stored snapshot)."""
        row = self.session.scalars(
            select(JobRow)
            .where(JobRow.kind == kind, JobRow.state == "done")
            .order_by(JobRow.finished_at.desc(), JobRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _record(row)

    def page(
        self,
        *,
        limit: int,
        before: str | None = None,
        kind: str | None = None,
        state: str | None = None,
    ) -> list[JobRecord]:
        """Newest first, keyset-paginated on the (time-ordered) id."""
        query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
        if before:
            query = query.where(JobRow.id < before)
        if kind:
            query = query.where(JobRow.kind == kind)
        if state:
            query = query.where(JobRow.state == state)
        return [_record(r) for r in self.session.scalars(query)]

    # --- work lists -----------------------------------------------------------------
    def add_items(self, job_id: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(JobItemRow), [{"job_id": job_id, **row} for row in rows])

    def add_items_from(
        self, job_id: str, rows: Any, *, item_type: str, action: str, offset: int
    ) -> int:
        """Set-based: one item per row of ``rows`` (a subquery with an ``id`` column),
        numbered ``offset + 1 …`` in id order. Returns how many were added."""
        source = rows.subquery("job_source")
        seq = offset + func.row_number().over(order_by=source.c.id)
        self.session.execute(
            insert(JobItemRow).from_select(
                ["job_id", "seq", "item_type", "ref", "action"],
                select(literal(job_id), seq, literal(item_type), source.c.id, literal(action)),
            )
        )
        return self.count_items(job_id) - offset

    def delete_items(self, job_id: str) -> None:
        self.session.execute(
            delete(JobItemRow)
            .where(JobItemRow.job_id == job_id)
            .execution_options(synchronize_session=False)
        )

    def items(self, job_id: str, *, after: int, limit: int) -> list[tuple[int, str, str, str]]:
        """(seq, item type, ref, action) after ``after``, in order."""
        rows = self.session.execute(
            select(JobItemRow.seq, JobItemRow.item_type, JobItemRow.ref, JobItemRow.action)
            .where(JobItemRow.job_id == job_id, JobItemRow.seq > after)
            .order_by(JobItemRow.seq)
            .limit(limit)
        )
        return [(s, t, r, a) for s, t, r, a in rows]

    def count_items(self, job_id: str) -> int:
        return int(
            self.session.scalar(
                select(func.count()).select_from(JobItemRow).where(JobItemRow.job_id == job_id)
            )
            or 0
        )

    # --- artifacts ------------------------------------------------------------------
    def add_artifact(
        self,
        job_id: str,
        *,
        name: str,
        media_type: str,
        key_id: str,
        ciphertext: bytes,
        at: datetime,
        expires_at: datetime,
    ) -> str:
        artifact_id = new_ordered_id()
        self.session.execute(
            insert(JobArtifactRow).values(
                id=artifact_id,
                job_id=job_id,
                name=name,
                media_type=media_type,
                key_id=key_id,
                content_ciphertext=ciphertext,
                created_at=at,
                expires_at=expires_at,
            )
        )
        return artifact_id

    def artifact(self, job_id: str) -> JobArtifact:
        row = self.session.scalar(
            select(JobArtifactRow)
            .where(JobArtifactRow.job_id == job_id)
            .order_by(JobArtifactRow.id)
            .limit(1)
        )
        if row is None:
            raise NotFound(f"job {job_id} has no file")
        return JobArtifact(
            row.id,
            row.job_id,
            row.name,
            row.media_type,
            row.key_id,
            row.content_ciphertext,
            row.created_at,
            row.expires_at,
        )

    def delete_expired_artifacts(self, *, now: datetime) -> int:
        result = self.session.execute(
            delete(JobArtifactRow)
            .where(JobArtifactRow.expires_at <= now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)
