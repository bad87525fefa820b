"""Findings of the breach register (GDPR Art. 33(1)), beside those of ``findings.py``:

``breach.notification-overdue``   open breaches past 72 hours from awareness whose
                                  notification to the authority is not recorded (high)
``breach.notification-due-soon``  the same within the last 24 hours (medium)

A breach decided "unlikely to result in a risk" has no clock (the reasons are on
record); a recorded notification stops it. The register is small: one read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from sphere.domain.breach import ClockState
from sphere.governance.breach import clock_of, list_breaches

T = TypeVar("T")


def breach_findings(session: Session, now: datetime, finding: Callable[..., T]) -> list[T]:
    """``finding`` is ``findings.Finding`` (passed in: that module imports this one)."""
    found: list[T] = []
    clocks = [(b, clock_of(b, now=now)) for b in list_breaches(session, open_only=True)]
    for code, severity, state, title, words in (
        ("breach.notification-overdue", "high", ClockState.OVERDUE,
         "Breach notifications overdue", "past 72 hours from awareness"),
        ("breach.notification-due-soon", "medium", ClockState.DUE_SOON,
         "Breach notifications due within 24 hours", "due within 24 hours"),
    ):  # fmt: skip
        group = sorted((pair for pair in clocks if pair[1].state is state),
                       key=lambda pair: pair[1].deadline)  # fmt: skip
        if not group:
            continue
        refs = ", ".join(b.reference for b, _ in group)
        first = group[0][1].deadline.isoformat(timespec="minutes")
        found.append(
            finding(
                code=code,
                severity=severity,
                title=title,
                evidence=f"{len(group)} breaches {words}, authority not notified ({refs}); "
                f"first deadline {first}",
                count=len(group),
                link="/cockpit/breaches",
                article="GDPR Art. 33(1)",
                object_ids=tuple(b.id for b, _ in group),
                links=tuple((b.reference, f"/cockpit/breaches/{b.reference}") for b, _ in group),
            )
        )
    return found
