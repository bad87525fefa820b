"""The life of a finding: since when it exists, and what the DPO decided about it.

A finding's identity is its code, so it keeps its state across recomputations (inline on
a small installation, every few minutes in the snapshot job on a large one). States:
``open``; ``acknowledged`` (seen and being dealt with; stays so while the finding
exists, whatever its count); ``resolved`` (dealt with; reopens as ``open`` when its count
rises above the one it was resolved at — new evidence). A finding no longer found ends
its life; found again later, it starts a new one, open. Every decision is audited in the
same transaction (``finding.acknowledged`` / ``finding.resolved`` / ``finding.reopened``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.cockpit.findings import Finding
from sphere.errors import InvalidInput
from sphere.storage.repositories.finding_states import FindingState, FindingStateRepository

FINDING_STATES = ("open", "acknowledged", "resolved")


@dataclass(frozen=True, slots=True)
class StatedFinding:
    """A finding with its life: ``since`` it exists (its code is its identity across
    recomputations) and its state — ``open``; ``acknowledged`` (the DPO has seen it and
    deals with it; stays so while the finding exists, whatever its count); ``resolved``
    (dealt with; reopens as ``open`` when its count rises above the resolved one: new
    evidence)."""

    finding: Finding
    state: str
    since: datetime | None
    decision: FindingState | None

    @property
    def reopened(self) -> bool:
        return self.state == "open" and self.decision is not None and self.decision.state != "open"

    def to_dict(self) -> dict[str, Any]:
        decision = self.decision
        return {
            **self.finding.to_dict(),
            "state": self.state,
            "since": self.since.isoformat() if self.since else None,
            "decision": None
            if decision is None or decision.decided_at is None
            else {
                "state": decision.state,
                "count": decision.count,
                "note": decision.note,
                "by": decision.decided_by,
                "at": decision.decided_at.isoformat(),
            },
        }


def _effective(finding: Finding, row: FindingState | None) -> str:
    if row is None or row.gone_at is not None:
        return "open"
    if row.state == "resolved" and finding.count > row.count:
        return "open"  # new evidence since it was resolved
    return row.state


def with_state(
    session: Session,
    findings: list[Finding],
    *,
    severity: str | None = None,
    state: str | None = None,
) -> list[StatedFinding]:
    """Findings with their life and state, filtered by severity and state."""
    rows = FindingStateRepository(session).all()
    out = []
    for finding in findings:
        row = rows.get(finding.code)
        current = _effective(finding, row)
        if (severity and finding.severity != severity) or (state and current != state):
            continue
        alive = row is not None and row.gone_at is None
        out.append(StatedFinding(finding, current, row.first_seen_at if alive else None, row))
    return out


def observe_findings(session: Session, findings: list[Finding], *, at: datetime) -> None:
    """Record which findings a fresh computation found (``FindingStateRepository.observe``)."""
    FindingStateRepository(session).observe({f.code: f.count for f in findings}, at=at)


def decide_finding(
    session: Session, finding: Finding, *, state: str, note: str, actor: str, at: datetime
) -> FindingState:
    """The DPO acknowledged, resolved or reopened ``finding`` (Art. 39(1)(b): monitoring
    compliance), with a note; audited in the same transaction."""
    if state not in FINDING_STATES:
        raise InvalidInput(f"a finding is open, acknowledged or resolved, not {state!r}")
    decided = FindingStateRepository(session).decide(
        finding.code, state=state, count=finding.count, note=note[:2000], by=actor, at=at
    )
    audit(
        session,
        actor=actor,
        action=f"finding.{'reopened' if state == 'open' else state}",
        object_ids=(finding.code,),
        details={
            "code": finding.code,
            "count": finding.count,
            "severity": finding.severity,
            "note": bool(note),
        },
        at=at,
    )
    return decided
