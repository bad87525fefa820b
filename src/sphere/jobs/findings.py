"""Findings at scale: computed inline on a small installation, from a snapshot job on a
large one, so a cockpit page never waits for a scan of every stored row.

Most findings are set-based SQL over whole tables (identities without a basis, derived
data without valid consent, consent lapses, Art. 14 duties): a few milliseconds at a
thousand records, seconds at a million. Above ``inline_max`` held records (the held read
model says how many, in one read) the findings come from the newest ``findings`` job;
one older than ``max_age``, or made under another policy version, is shown with its time
while a new one runs in the background (never two at once). The first view on a large
installation waits ``wait`` seconds for the first snapshot. Each fresh computation
records which findings it found (``observe_findings``: since when each exists), so an
acknowledged finding stays acknowledged across recomputations. Art. 39(1)(b) asks the DPO to
monitor compliance, not for a figure to the second; the pages say when it was computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sphere.cockpit.dashboard import Trends, compute_trends
from sphere.cockpit.finding_states import observe_findings
from sphere.cockpit.findings import Finding, compute_findings
from sphere.cockpit.record import ProcessingRecord
from sphere.jobs.context import JobDeps
from sphere.jobs.runner import JobRunner, submit, submit_and_wait
from sphere.policy import Policy
from sphere.storage.crypto import Keyring
from sphere.storage.repositories import readmodel
from sphere.storage.repositories.jobs import JobRecord, JobRepository

KIND = "findings"
KEY = "findings"


@dataclass(frozen=True, slots=True)
class FindingsView:
    """The findings a page shows and how current they are: ``as_of`` None means the
    first snapshot is still being computed (``refreshing``)."""

    findings: list[Finding]
    as_of: datetime | None
    snapshot: bool = False
    refreshing: bool = False
    trends: Trends | None = None  # the home's figures, stored with a snapshot


@dataclass(frozen=True, slots=True)
class FindingsSettings:
    inline_max: int
    max_age: timedelta
    wait: float


def held_total(session: Session) -> int:
    """Held records of every type, from the read model's counters."""
    return sum(row.n for row in readmodel.held_rows(session))


def snapshot_result(
    session: Session, record: ProcessingRecord, policy: Policy, *, now: datetime,
    keyring: Keyring, company_handles: frozenset[str],
) -> tuple[list[Finding], dict[str, Any]]:  # fmt: skip
    """What a ``findings`` job stores: every finding, when and under which policy; and
    the findings, for ``observe_findings``. Only reads: the job syncs the Art. 14 duties
    before, in a short writing transaction, and observes the findings after."""
    found = compute_findings(
        session, keyring, record, now=now, company_handles=company_handles, policy=policy,
        sync=False,
    )  # fmt: skip
    return found, {
        "computed_at": now.isoformat(),
        "policy_hash": record.policy_hash,
        "findings": [f.to_dict() for f in found],
        "trends": compute_trends(session, now=now).to_dict(),
    }


def _view(job: JobRecord, *, refreshing: bool) -> FindingsView:
    result = job.result
    return FindingsView(
        [Finding.from_dict(f) for f in result.get("findings", [])],
        datetime.fromisoformat(result["computed_at"]),
        snapshot=True,
        refreshing=refreshing,
        trends=Trends.from_dict(result["trends"]) if "trends" in result else None,
    )


def snapshot_trends(session: Session, settings: FindingsSettings) -> Trends | None:
    """The home's figures from the newest findings snapshot on a large installation
    (the chart images read them here); None: compute them now."""
    if held_total(session) <= settings.inline_max:
        return None
    latest = JobRepository(session).latest_done(KIND)
    if latest is None or "trends" not in latest.result:
        return None
    return Trends.from_dict(latest.result["trends"])


def current_findings(
    session: Session,
    deps: JobDeps,
    runner: JobRunner | None,
    record: ProcessingRecord,
    policy: Policy,
    *,
    now: datetime,
    company_handles: frozenset[str],
    settings: FindingsSettings,
    actor: str,
) -> FindingsView:
    """The findings to show now (see the module docstring)."""
    if held_total(session) <= settings.inline_max:
        found = compute_findings(
            session, deps.keyring, record, now=now, company_handles=company_handles, policy=policy
        )
        observe_findings(session, found, at=now)
        return FindingsView(found, now)
    jobs = JobRepository(session)
    latest = jobs.latest_done(KIND)
    fresh = (
        latest is not None
        and latest.result.get("policy_hash") == record.policy_hash
        and now - datetime.fromisoformat(latest.result["computed_at"]) <= settings.max_age
    )
    if latest is not None and fresh:
        return _view(latest, refreshing=False)
    if jobs.find_open(KIND, KEY) is not None:
        return _refreshing(latest)
    session.commit()  # SQLite has one writer: release the request's transaction first
    params = {"key": KEY, "company_handles": sorted(company_handles)}
    if latest is None or runner is None:  # the first snapshot (or no runner): wait for it
        job = submit_and_wait(deps, KIND, params, actor=actor, runner=runner, wait=settings.wait)
        return _view(job, refreshing=False) if job.state == "done" else _refreshing(latest)
    submit(deps, KIND, params, actor=actor)
    runner.wake()
    return _view(latest, refreshing=True)


def _refreshing(latest: JobRecord | None) -> FindingsView:
    if latest is None:
        return FindingsView([], None, snapshot=True, refreshing=True)
    return _view(latest, refreshing=True)
