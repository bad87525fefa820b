"""Glue between requests and jobs: start a job and wait a moment for it, the live view
of a job (the runner's in-process progress over the stored row), where its result is
shown. No business rules: the kinds live in ``sphere.jobs.kinds``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import JSONResponse

from sphere.errors import InvalidInput
from sphere.i18n import N_, Translator
from sphere.jobs import submit, submit_and_wait
from sphere.jobs.kinds import TITLES
from sphere.marketing.dry_run import list_filter
from sphere.storage.db import session_scope
from sphere.storage.repositories.dry_runs import DryRunRepository
from sphere.storage.repositories.jobs import JobRecord, JobRepository
from sphere.web.runtime import WebRuntime


class JobFailed(InvalidInput):
    """The job a request started failed at once; its error says where and why."""


def start_job(
    db: Session, runtime: WebRuntime, kind: str, params: dict[str, Any], *, actor: str
) -> JobRecord:
    """Commit the request's work so far (SQLite has one writer: the runner must be able
    to write), submit the job and wait up to ``job_wait_seconds`` for it."""
    db.commit()
    return submit_and_wait(
        runtime.core,
        kind,
        params,
        actor=actor,
        runner=runtime.jobs,
        wait=runtime.web.job_wait_seconds,
    )


def start_request_job(
    db: Session, runtime: WebRuntime, request_id: str, *, actor: str
) -> JobRecord:
    """Check that the request may be carried out now (refused at once otherwise), then
    carry it out as a job (an erasure's cascade can be large)."""
    from sphere.rights.requests import RequestType, get_request, require_ready

    request = get_request(db, request_id)
    require_ready(db, request_id, (RequestType(request.type),), at=runtime.clock.now(), actor=actor)
    return start_job(db, runtime, "request", {"request_id": request_id}, actor=actor)


def resume_job(db: Session, runtime: WebRuntime, job_id: str) -> JobRecord:
    """Run a failed job again from its checkpoint (in the background when there is a
    runner; otherwise now)."""
    from sphere.jobs import ProgressBoard, run_job

    db.commit()
    if runtime.jobs is None:
        run_job(runtime.core, ProgressBoard(), job_id)
    else:
        runtime.jobs.resume(job_id)
        runtime.jobs.board.entry(job_id).finished.wait(runtime.web.job_wait_seconds)
    return JobRepository(db).get(job_id)


def accepted(runtime: WebRuntime, job: JobRecord) -> JSONResponse:
    """202 Accepted with the job and where to poll it."""
    return JSONResponse(
        {"job": view(runtime, job).to_dict()},
        status_code=202,
        headers={"Location": f"/api/v1/jobs/{job.id}"},
    )


def raise_if_failed(job: JobRecord) -> None:
    if job.state == "failed":
        raise JobFailed(f"job {job.id} ({job.kind}) failed: {job.error}")


# What the jobs report as their state and phase (``sphere.jobs``), for the pages.
STATE_WORDS = {
    "queued": N_("queued"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
}
PHASES = {
    "starting": N_("starting"),
    "finding what is due": N_("finding what is due"),
    "committing": N_("committing"),
    "carrying out the request": N_("carrying out the request"),
    "reading everything held": N_("reading everything held"),
    "writing the archive": N_("writing the archive"),
    "verifying the hash chain": N_("verifying the hash chain"),
    "changing stored records": N_("changing stored records"),
    "listing the records to change": N_("listing the records to change"),
    "grouping the audience by its facts": N_("grouping the audience by its facts"),
    "grouping stored interactions by their facts": N_(
        "grouping stored interactions by their facts"
    ),
    "grouping stored events by their facts": N_("grouping stored events by their facts"),
    "grouping stored contacts by their facts": N_("grouping stored contacts by their facts"),
}
COUNTED_PHASES = (
    (
        re.compile(r"judging the campaigns \((?P<n>\d+) record groups decided\)"),
        N_("judging the campaigns (%(n)s record groups decided)"),
    ),
    (
        re.compile(r"storing verdicts for (?P<n>\d+) contacts"),
        N_("storing verdicts for %(n)s contacts"),
    ),
)


@dataclass(frozen=True, slots=True)
class JobView:
    """What a page shows of a job: stored state with the runner's live progress."""

    job: JobRecord
    title: str
    done: int
    total: int | None
    phase: str

    @property
    def percent(self) -> int | None:
        if self.job.state == "done":
            return 100
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))

    @property
    def result_link(self) -> str | None:
        return result_link(self.job)

    def title_in(self, tr: Translator) -> str:
        return tr.gettext(self.title)

    def state_in(self, tr: Translator) -> str:
        return tr.gettext(STATE_WORDS.get(self.job.state, self.job.state))

    def phase_in(self, tr: Translator) -> str:
        """The phase the job reports, in ``tr``'s language (the jobs report English)."""
        phase = self.phase or self.job.state
        if phase in PHASES or phase in STATE_WORDS:
            return tr.gettext(PHASES.get(phase) or STATE_WORDS[phase])
        for pattern, words in COUNTED_PHASES:
            found = pattern.fullmatch(phase)
            if found:
                return tr.gettext(words, **found.groupdict())
        return phase

    def to_dict(self) -> dict[str, Any]:
        job = self.job
        return {
            "id": job.id,
            "kind": job.kind,
            "title": self.title,
            "state": job.state,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "error": job.error,
            "result": job.result if job.state == "done" else None,
            "result_link": self.result_link,
            "created_by": job.created_by,
            "created_at": job.created_at.isoformat(),
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "attempts": job.attempts,
            "resumable": job.state == "failed",
        }


def view(runtime: WebRuntime, job: JobRecord) -> JobView:
    live = runtime.jobs.board.get(job.id) if runtime.jobs is not None else None
    if live is not None and job.state == "running":
        phase = live.phase or "starting"
        return JobView(job, TITLES.get(job.kind, job.kind), live.done, live.total, phase)
    return JobView(
        job, TITLES.get(job.kind, job.kind), job.progress_done, job.progress_total, job.phase
    )


def get_view(db: Session, runtime: WebRuntime, job_id: str) -> JobView:
    return view(runtime, JobRepository(db).get(job_id))


def result_link(job: JobRecord) -> str | None:
    """Where a finished job's result is read (None: the job page itself shows it)."""
    if job.state != "done":
        return None
    if job.kind == "whatif":
        return f"/cockpit/whatif?job={job.id}"
    if job.kind == "policy_apply":
        return "/cockpit/audit?action=policy.reevaluated"
    if job.kind == "dry_run":
        return "/cockpit/marketing/dry-run?" + urlencode(
            {"campaign": job.params.get("campaign", "")}
        )
    if job.kind == "request":
        return "/cockpit/requests"
    if job.kind == "export":
        return f"/cockpit/jobs/{job.id}/file"
    if job.kind == "audit_verify":
        return "/cockpit/audit"
    return None


def dry_run_csv_lines(
    factory: sessionmaker[Session], campaign_id: str, *, show: str = "", code: str = ""
) -> Iterator[str]:
    """CSV rows of a stored dry run, read in pages in a session of their own (the
    response is streamed after the request's session has closed)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["contact_id", "reached", "code", "reason", "article", "legal_basis"])
    with session_scope(factory) as session:
        for line in DryRunRepository(session).stream(
            campaign_id, code=code or None, **list_filter(show)
        ):
            g = line.group
            writer.writerow([line.contact_id, "yes" if g.allowed else "no", g.code, g.reason,
                             g.article, g.legal_basis or ""])  # fmt: skip
            if out.tell() > 64_000:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()


def start_verification(db: Session, runtime: WebRuntime, *, actor: str) -> JobRecord:
    """The running chain verification, or a new one (never two at once)."""
    running = JobRepository(db).find_open("audit_verify", "chain")
    if running is not None:
        return running
    db.commit()  # SQLite has one writer: release the request's transaction first
    job = submit(runtime.core, "audit_verify", {"key": "chain"}, actor=actor)
    if runtime.jobs is not None:
        runtime.jobs.wake()  # no waiting: a page that starts it answers at once
    return job


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """The audit trail's filters from a query string (validated by ``AuditFilters``)."""

    before: int | None = None
    actor: str = ""
    action: str = ""
    subject: str = ""
    since: date | None = None
    until: date | None = None

    def query(self) -> dict[str, Any]:
        def day(value: date | None) -> datetime | None:
            return None if value is None else datetime.combine(value, time(), tzinfo=UTC)

        return {
            "before": self.before,
            "actor": self.actor or None,
            "action": self.action or None,
            "subject": self.subject or None,
            "since": day(self.since),
            "until": day(self.until + timedelta(days=1)) if self.until else None,
        }

    def link(self, before: int | None) -> str:
        values = {
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "before": str(before) if before else "",
        }
        return urlencode({k: v for k, v in values.items() if v})


def _audit_query(
    before: Annotated[int | None, Query(ge=1)] = None,
    actor: Annotated[str, Query(max_length=100, pattern=r"^[A-Za-z0-9_.:@-]*$")] = "",
    action: Annotated[str, Query(max_length=100, pattern=r"^[a-z0-9_.-]*$")] = "",
    subject: Annotated[str, Query(max_length=80, pattern=r"^[A-Za-z0-9_.:-]*$")] = "",
    since: Annotated[date | None, Query(description="From this UTC day (inclusive).")] = None,
    until: Annotated[date | None, Query(description="Up to this UTC day (inclusive).")] = None,
) -> AuditQuery:
    return AuditQuery(before, actor, action, subject, since, until)


AuditFilters = Annotated[AuditQuery, Depends(_audit_query)]


@dataclass(frozen=True, slots=True)
class RequestQuery:
    state: str = "open"
    kind: str = ""
    deadline: str = ""
    after: str = ""

    def query(self) -> dict[str, Any]:
        return {
            "state": self.state or None,
            "kind": self.kind or None,
            "deadline": self.deadline or None,
            "after": self.after or None,
        }

    def link(self, after: str | None) -> str:
        values = {"state": self.state, "kind": self.kind, "deadline": self.deadline}
        values["after"] = after or ""
        return urlencode({k: v for k, v in values.items() if v})


REQUEST_STATES = ("open", "closed", "received", "identity_verified", "in_progress",
                  "completed", "rejected")  # fmt: skip


def _request_query(
    state: Annotated[str, Query(pattern="^(" + "|".join(REQUEST_STATES) + ")?$")] = "open",
    kind: Annotated[str, Query(pattern=r"^[a-z_]*$", max_length=40)] = "",
    deadline: Annotated[str, Query(pattern="^(overdue|near|open)?$")] = "",
    after: Annotated[str, Query(max_length=120, pattern=r"^[0-9A-Za-z:+.|T-]*$")] = "",
) -> RequestQuery:
    return RequestQuery(state, kind, deadline, after)


RequestFilters = Annotated[RequestQuery, Depends(_request_query)]
