"""What a job handler gets: its job, sessions, the keyring and clock, and a way to
report progress and to checkpoint.

Progress lives in two places. The ``ProgressBoard`` of the process running the job is
updated on every call (the cockpit of the same process and the CLI's Rich bar read it
live). The ``jobs`` row is updated at checkpoints — in the job's own transaction, so a
checkpoint never claims work that was rolled back — and, where the database allows a
second writer during the job's transaction (PostgreSQL), every few hundred
milliseconds from a short transaction of its own, so other processes see it too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from sphere.domain.time import Clock
from sphere.errors import SphereError
from sphere.rights.systems import ConnectedSystems
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import allows_concurrent_writers, read_only_factory, session_scope
from sphere.storage.repositories.jobs import JobRecord, JobRepository

WRITE_EVERY = 0.5  # seconds between progress writes to the database


class JobCancelled(SphereError):
    """Staff asked the job to stop; what it committed so far stays (and is audited)."""


class JobDeps(Protocol):
    """The parts of ``sphere.runtime.Runtime`` a job needs."""

    @property
    def settings(self) -> Settings: ...
    @property
    def factory(self) -> sessionmaker[Session]: ...
    @property
    def keyring(self) -> Keyring: ...
    @property
    def clock(self) -> Clock: ...
    def connected_systems(self) -> ConnectedSystems: ...


@dataclass(slots=True)
class Live:
    done: int = 0
    total: int | None = None
    phase: str = ""
    finished: threading.Event = field(default_factory=threading.Event)


class ProgressBoard:
    """In-process live progress per job id, and an event set when a job ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Live] = {}

    def entry(self, job_id: str) -> Live:
        with self._lock:
            return self._jobs.setdefault(job_id, Live())

    def get(self, job_id: str) -> Live | None:
        with self._lock:
            return self._jobs.get(job_id)

    def finish(self, job_id: str) -> None:
        self.entry(job_id).finished.set()

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)


Listener = Callable[[int, int | None, str], None]


class JobContext:
    def __init__(
        self,
        job: JobRecord,
        deps: JobDeps,
        board: ProgressBoard,
        *,
        listener: Listener | None = None,
    ) -> None:
        self.job, self.deps, self.board = job, deps, board
        self.keyring, self.clock = deps.keyring, deps.clock
        self.listener = listener
        self.live = board.entry(job.id)
        self.live.done, self.live.total = job.progress_done, job.progress_total
        self._written = 0.0
        self._concurrent = allows_concurrent_writers(deps.factory)

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.deps.factory) as session:
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A unit of work that only reads (on SQLite it holds no write lock)."""
        with session_scope(read_only_factory(self.deps.factory)) as session:
            yield session

    def progress(self, done: int, total: int | None = None, phase: str | None = None) -> None:
        """Report progress; raises ``JobCancelled`` when staff asked the job to stop."""
        live = self.live
        live.done = done
        if total is not None:
            live.total = total
        if phase is not None:
            live.phase = phase
        if self.listener is not None:
            self.listener(live.done, live.total, live.phase)
        if not self._concurrent or time.monotonic() - self._written < WRITE_EVERY:
            return
        self._written = time.monotonic()
        with session_scope(self.deps.factory) as session:
            cancel = JobRepository(session).progress(
                self.job.id, done=live.done, total=live.total, phase=live.phase, at=self.now
            )
        if cancel:
            raise JobCancelled(f"job {self.job.id} was cancelled during '{live.phase}'")

    def checkpoint(self, session: Session, data: dict[str, Any], *, done: int) -> None:
        """Save ``data`` (where to resume) in ``session``'s transaction, with its work."""
        JobRepository(session).save_checkpoint(self.job.id, data, done=done)
        self.job = JobRecord(**{**_fields(self.job), "checkpoint": dict(data)})

    def cancel_requested(self) -> bool:
        with session_scope(self.deps.factory) as session:
            return JobRepository(session).get(self.job.id).cancel_requested


def _fields(job: JobRecord) -> dict[str, Any]:
    return {name: getattr(job, name) for name in job.__slots__}
