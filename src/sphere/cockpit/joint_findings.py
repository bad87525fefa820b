"""Finding of the joint-controllership register (GDPR Art. 26(1)), beside ``findings.py``:

``joint.arrangement-missing``  a source on a platform that gives the company page
                               statistics (Facebook, X) with no arrangement recorded
                               (CJEU C-210/16 Wirtschaftsakademie) — medium.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from sphere.governance.joint import joint_overview
from sphere.i18n import N_
from sphere.i18n.message import joined, msg

T = TypeVar("T")


def joint_findings(session: Session, finding: Callable[..., T]) -> list[T]:
    """``finding`` is ``finding.make_finding`` (passed in, as for the breach findings)."""
    missing = [s for s in joint_overview(session) if s.state == "missing"]
    if not missing:
        return []
    return [
        finding(
            code="joint.arrangement-missing",
            severity="medium",
            title=N_("Page statistics without a joint-controller arrangement"),
            evidence=msg(
                N_("sources with page insights and no arrangement (Art. 26): %(sources)s"),
                sources=joined(f"{s.source} ({s.platform})" for s in missing),
            ),
            count=len(missing),
            link="/cockpit/joint-controllers",
            article="GDPR Art. 26(1)",
            object_ids=tuple(s.source for s in missing),
        )
    ]
