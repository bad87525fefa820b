"""Findings of the DPIA register (GDPR Art. 35(11)), beside those of ``findings.py``:

``dpia.review-overdue``  signed-off DPIAs whose review date has passed (medium; high
                         when the DPIA is the one releasing a purpose the policy marks
                         ``dpia_required``: processing goes on under an assessment
                         nobody has looked at again)

The register is small: one read. ``dpia.missing`` (a required DPIA not signed off) is
computed from the record of processing in ``findings.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from sphere.governance.dpia import list_dpias, review_overdue
from sphere.i18n import N_
from sphere.i18n.message import day, joined, msg
from sphere.policy import Policy

T = TypeVar("T")


def dpia_findings(
    session: Session, policy: Policy, now: datetime, finding: Callable[..., T]
) -> list[T]:
    """``finding`` is ``finding.make_finding`` (passed in, as for the breach findings)."""
    today = now.date()
    overdue = [d for d in list_dpias(session) if review_overdue(d, today)]
    if not overdue:
        return []
    overdue.sort(key=lambda d: (d.approved.review_on if d.approved else today, d.reference))
    required = {p.value for p, spec in policy.purposes.items() if spec.dpia_required}
    gating = any(d.measure is None and d.purpose in required for d in overdue)
    first = overdue[0].approved
    assert first is not None and first.review_on is not None
    return [
        finding(
            code="dpia.review-overdue",
            severity="high" if gating else "medium",
            title=N_("DPIA reviews overdue"),
            evidence=msg(
                N_(
                    "%(count)s signed-off DPIAs past their review date (%(refs)s); "
                    "first due %(day)s"
                ),
                count=len(overdue),
                refs=joined(d.reference for d in overdue),
                day=day(first.review_on),
            ),  # fmt: skip
            count=len(overdue),
            link="/cockpit/dpia",
            article="GDPR Art. 35(11)",
            object_ids=tuple(d.id for d in overdue),
            links=tuple((d.reference, f"/cockpit/dpia/{d.reference}") for d in overdue),
        )
    ]
