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
from sphere.i18n import N_
from sphere.i18n.message import joined, moment, msg

T = TypeVar("T")


def breach_findings(session: Session, now: datetime, finding: Callable[..., T]) -> list[T]:
    """``finding`` is ``finding.make_finding`` (passed in: ``findings`` imports this
    module); title and evidence are messages, shown in the reader's language."""
    found: list[T] = []
    clocks = [(b, clock_of(b, now=now)) for b in list_breaches(session, open_only=True)]
    for code, severity, state, title, words in (
        ("breach.notification-overdue", "high", ClockState.OVERDUE,
         N_("Breach notifications overdue"),
         N_("%(count)s breaches past 72 hours from awareness, authority not notified "
            "(%(refs)s); first deadline %(when)s")),
        ("breach.notification-due-soon", "medium", ClockState.DUE_SOON,
         N_("Breach notifications due within 24 hours"),
         N_("%(count)s breaches due within 24 hours, authority not notified (%(refs)s); "
            "first deadline %(when)s")),
    ):  # fmt: skip
        group = sorted((pair for pair in clocks if pair[1].state is state),
                       key=lambda pair: pair[1].deadline)  # fmt: skip
        if not group:
            continue
        refs = joined(b.reference for b, _ in group)
        found.append(
            finding(
                code=code,
                severity=severity,
                title=title,
                evidence=msg(words, count=len(group), refs=refs, when=moment(group[0][1].deadline)),
                count=len(group),
                link="/cockpit/breaches",
                article="GDPR Art. 33(1)",
                object_ids=tuple(b.id for b, _ in group),
                links=tuple((b.reference, f"/cockpit/breaches/{b.reference}") for b, _ in group),
            )
        )
    return found
