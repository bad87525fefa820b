"""Submitting, running and resuming jobs; the background runner of ``sphere serve``.

A job runs in the process that claims it (a conditional UPDATE, so never twice). The
handler does its work in transactions of its own; on success the job is ``done`` with
the handler's result; on an error it is ``failed`` with where (the phase) and why (the
error's type and message — errors of this package carry ids and counts, never
content), and the checkpoint of its last committed step, so ``run_job(job_id)`` resumes
it (kinds that run in one transaction were rolled back and start over). Staff may
cancel: a queued job at once, a running one at its next progress report.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sphere.errors import NotFound, SphereError
from sphere.jobs.context import JobCancelled, JobContext, JobDeps, Listener, ProgressBoard
from sphere.storage.db import read_only_factory, session_scope
from sphere.storage.repositories.jobs import JobRecord, JobRepository

log = logging.getLogger(__name__)
Handler = Callable[[JobContext], dict[str, Any]]
STALE_AFTER = timedelta(minutes=15)  # no heartbeat for this long: the runner is gone
STALE_CHECK_SECONDS = 60.0
SYSTEM_RETRY_SECONDS = 60.0  # how often due erasure tasks of connected systems are tried


def submit(deps: JobDeps, kind: str, params: dict[str, Any], *, actor: str) -> JobRecord:
    """Record a queued job (committed at once, so any runner may start it)."""
    from sphere.jobs.kinds import handler_for

    handler_for(kind)  # refuses an unknown kind before anything is stored
    with session_scope(deps.factory) as session:
        return JobRepository(session).create(kind, params, created_by=actor, at=deps.clock.now())


def run_job(
    deps: JobDeps,
    board: ProgressBoard,
    job_id: str | None = None,
    *,
    listener: Listener | None = None,
) -> JobRecord | None:
    """Claim and run ``job_id`` (queued, or failed: resume), or the oldest queued job.
    Returns the finished job, or None when nothing could be claimed."""
    from sphere.jobs.kinds import handler_for

    with session_scope(deps.factory) as session:
        job = JobRepository(session).claim(job_id, at=deps.clock.now())
    if job is None:
        return None
    context = JobContext(job, deps, board, listener=listener)
    state, result, error = "done", None, None
    try:
        result = handler_for(job.kind)(context)
    except JobCancelled:
        state, error = "cancelled", f"cancelled during '{context.live.phase}'"
    except SphereError as exc:
        state, error = "failed", f"{context.live.phase or 'start'}: {exc}"
    except Exception as exc:  # a bug or a database fault: say where, keep the checkpoint
        log.exception("job %s (%s) failed", job.id, job.kind)
        state = "failed"
        error = f"{context.live.phase or 'start'}: internal error ({type(exc).__name__}); see logs"
    with session_scope(deps.factory) as session:
        repository = JobRepository(session)
        repository.finish(job.id, state=state, at=deps.clock.now(), result=result, error=error)
        if state == "done":
            live = context.live
            repository.progress(
                job.id,
                done=live.total or live.done,
                total=live.total,
                phase="done",
                at=deps.clock.now(),
            )
        finished = repository.get(job.id)
    board.finish(job.id)
    return finished


def submit_and_wait(
    deps: JobDeps,
    kind: str,
    params: dict[str, Any],
    *,
    actor: str,
    runner: JobRunner | None,
    wait: float,
) -> JobRecord:
    """Submit; with a runner, wake it and wait up to ``wait`` seconds for the result
    (small jobs answer at once, large ones return running); without one, run inline."""
    job = submit(deps, kind, params, actor=actor)
    if runner is None:
        return run_job(deps, ProgressBoard(), job.id) or job
    runner.wake()
    runner.board.entry(job.id).finished.wait(wait)
    # Read-only: on SQLite a job still running holds the one write lock (a findings
    # snapshot or a dry run at a million records: longer than the busy timeout), and a
    # BEGIN IMMEDIATE here would fail the request instead of answering "running".
    with session_scope(read_only_factory(deps.factory)) as session:
        return JobRepository(session).get(job.id)


class JobRunner:
    """A daemon thread that runs queued jobs one after the other: woken by ``wake`` when
    this process submits one, and every ``poll`` seconds for jobs others submitted."""

    def __init__(self, deps: JobDeps, *, poll: float = 5.0) -> None:
        self.deps, self.poll = deps, poll
        self.board = ProgressBoard()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._resume: queue.SimpleQueue[str] = queue.SimpleQueue()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sphere-jobs", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def resume(self, job_id: str) -> None:
        """Run the failed job ``job_id`` again from its checkpoint, next."""
        self.board.forget(job_id)
        self._resume.put(job_id)
        self._wake.set()

    def _loop(self) -> None:
        checked_stale = retried = 0.0
        while not self._stop.is_set():
            ran = None
            try:
                try:
                    wanted: str | None = self._resume.get_nowait()
                except queue.Empty:
                    wanted = None
                now = self.deps.clock.now()
                if time.monotonic() - checked_stale > STALE_CHECK_SECONDS:
                    checked_stale = time.monotonic()
                    with session_scope(self.deps.factory) as session:
                        JobRepository(session).fail_stale(before=now - STALE_AFTER, at=now)
                if time.monotonic() - retried > SYSTEM_RETRY_SECONDS:
                    retried = time.monotonic()
                    retry_system_tasks(self.deps, at=now)
                    sync_crm(self.deps, at=now)
                if wanted is not None or self._work_waiting():
                    ran = run_job(self.deps, self.board, wanted)
            except NotFound:
                ran = None
            except Exception:  # keep serving: a broken job must not stop the others
                log.exception("job runner step failed")
                ran = None
            if ran is None:
                self._wake.wait(self.poll)
                self._wake.clear()

    def _work_waiting(self) -> bool:
        """A queued job exists (read without the write lock, so an idle runner never
        makes SQLite writers wait)."""
        with session_scope(read_only_factory(self.deps.factory)) as session:
            return JobRepository(session).has_queued()


def retry_system_tasks(deps: JobDeps, *, at: datetime) -> int:
    """Attempt every task in a connected system whose back-off has passed, one
    transaction each, after marking overdue manual tasks (``sphere.rights.systems``);
    returns how many were attempted. Due tasks are looked up read-only, so an idle
    server never takes the write lock."""
    from sphere.rights.systems import attempt_task, due_task_ids, has_overdue, mark_overdue

    with session_scope(read_only_factory(deps.factory)) as session:
        due = due_task_ids(session, at=at)
        overdue = has_overdue(session, at=at)
    if overdue:  # manual tasks whose owner has not confirmed in time: the DPO's dead letters
        with session_scope(deps.factory) as session:
            mark_overdue(session, at=at, actor="system:retry")
    if not due:
        return 0
    systems = deps.connected_systems()
    for task_id in due:
        with session_scope(deps.factory) as session:
            attempt_task(session, deps.keyring, systems, task_id, at=at, actor="system:retry")
    return len(due)


def sync_crm(deps: JobDeps, *, at: datetime) -> int:
    """Drain the CRM sync's outbox when something is due (looked up read-only, so an
    idle server never takes the write lock); returns the records pushed and removed."""
    from sphere.rights.crm_sync import drain
    from sphere.storage.repositories.crm_sync import CrmSyncRepository

    target: Any = deps.connected_systems()
    if target.sync_target() is None:
        return 0
    with session_scope(read_only_factory(deps.factory)) as session:
        if not CrmSyncRepository(session, deps.keyring).has_due(at=at):
            return 0
    result = drain(deps.factory, deps.keyring, target, now=deps.clock.now, actor="system:crm-sync")
    return result.pushed + result.removed
