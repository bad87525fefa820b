"""A finding's life by its code (``sphere.cockpit.finding_states``): since when it
exists, acknowledged across recomputations, resolved until new evidence, a new life
after it was gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from sphere.cockpit.finding_states import decide_finding, observe_findings, with_state
from sphere.cockpit.findings import Finding

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _finding(count: int, code: str = "retention.expired") -> Finding:
    return Finding(code, "high", "Data held past its retention deadline", "", count, "/", "")


def _state(session: Session, finding: Finding) -> tuple[str, datetime | None]:
    (stated,) = with_state(session, [finding])
    return stated.state, stated.since


def test_life_of_a_finding(session: Session) -> None:
    observe_findings(session, [_finding(3)], at=T0)
    assert _state(session, _finding(3)) == ("open", T0)

    decide_finding(session, _finding(3), state="acknowledged", note="", actor="dpo:1", at=T0)
    observe_findings(session, [_finding(5)], at=T0 + timedelta(hours=1))  # recomputed
    assert _state(session, _finding(5)) == ("acknowledged", T0), "kept, whatever the count"

    decide_finding(session, _finding(5), state="resolved", note="fixed", actor="dpo:1", at=T0)
    assert _state(session, _finding(5))[0] == "resolved"
    assert _state(session, _finding(4))[0] == "resolved", "fewer affected: still resolved"
    assert _state(session, _finding(6))[0] == "open", "more affected: new evidence reopens it"

    later = T0 + timedelta(days=1)
    observe_findings(session, [], at=later)  # no longer found: its life ends
    observe_findings(session, [_finding(1)], at=later + timedelta(days=1))
    assert _state(session, _finding(1)) == ("open", later + timedelta(days=1)), "a new life"
