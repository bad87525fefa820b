"""The audit trail for the cockpit: one page of entries, newest first, filtered by
actor, action, subject and time range and paged by ``seq`` (keyset), with the state of
the hash chain's verification.

Verifying a chain of millions of entries takes minutes, so a page does not do it: the
``audit_verify`` job (``sphere.jobs``) walks the whole chain against the signed
checkpoints and records where it ended; a page then verifies only what was appended
since (at most ``TAIL_LIMIT`` entries, a few milliseconds each thousand) and says so.
A chain that never had a full run is verified here when it is small; otherwise the page
says a run is needed (the web layer starts one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import verify
from sphere.errors import InvalidInput
from sphere.storage.entities import AuditEntry
from sphere.storage.repositories.audit import AuditRepository
from sphere.storage.repositories.jobs import JobRepository

MAX_PER_PAGE = 200
TAIL_LIMIT = 10_000  # entries verified on a page load; beyond this a job does it


@dataclass(frozen=True, slots=True)
class Verification:
    """What is known about the chain: ``ok`` None means not (fully) verified yet."""

    ok: bool | None
    checked: int
    head: int
    first_broken_seq: int | None = None
    reason: str | None = None
    verified_at: datetime | None = None  # the last full run; None: verified on this load
    job_id: str | None = None  # the last full run, or the one running now
    running: bool = False

    @property
    def needs_run(self) -> bool:
        return self.ok is None and not self.running

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head": self.head,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
            "job_id": self.job_id,
            "running": self.running,
        }


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    per_page: int
    next_before: int | None  # pass as ``before`` for the next (older) page
    filters: dict[str, str]
    verification: Verification

    @property
    def total(self) -> int:
        return self.verification.head

    def to_dict(self) -> dict[str, Any]:
        return {
            "per_page": self.per_page,
            "total": self.total,
            "next_before": self.next_before,
            "filters": self.filters,
            "verification": self.verification.as_dict(),
            "entries": [e.as_dict() for e in self.entries],
        }


def verification(session: Session) -> Verification:
    repository = AuditRepository(session)
    head = repository.head()[0]
    jobs = JobRepository(session)
    running = jobs.find_open("audit_verify", "chain")
    last = next(iter(jobs.page(limit=1, kind="audit_verify", state="done")), None)
    if last is not None and not last.result.get("ok"):
        return Verification(
            False, int(last.result.get("checked", 0)), head, last.result.get("first_broken_seq"),
            last.result.get("reason"), last.finished_at, last.id, running is not None,
        )  # fmt: skip
    start = (0, "0" * 64, None)
    if last is not None:
        start = (
            int(last.result["verified_seq"]),
            str(last.result["verified_hash"]),
            last.result.get("first_keyed_seq"),
        )
    if head - start[0] > TAIL_LIMIT:
        return Verification(
            None, start[0], head, verified_at=last.finished_at if last else None,
            job_id=running.id if running else (last.id if last else None),
            running=running is not None,
        )  # fmt: skip
    result = verify(session, start=start)
    return Verification(
        result.ok,
        start[0] + result.checked,
        head,
        result.first_broken_seq,
        result.reason,
        last.finished_at if last else None,
        running.id if running else (last.id if last else None),
        running is not None,
    )


def audit_trail(
    session: Session,
    *,
    per_page: int = 50,
    before: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditPage:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"per_page must be 1..{MAX_PER_PAGE}")
    entries = AuditRepository(session).page(
        limit=per_page + 1, before=before, actor=actor, action=action, subject_id=subject,
        since=since, until=until,
    )  # fmt: skip
    filters = {
        k: v
        for k, v in (
            ("actor", actor),
            ("action", action),
            ("subject", subject),
            ("since", since.isoformat() if since else None),
            ("until", until.isoformat() if until else None),
        )
        if v
    }
    return AuditPage(
        entries=tuple(entries[:per_page]),
        per_page=per_page,
        next_before=entries[per_page - 1].seq if len(entries) > per_page else None,
        filters=filters,
        verification=verification(session),
    )
