"""The DPIA as a gate (GDPR Art. 35(1)): "prior to the processing" the controller carries
out an assessment where the processing is likely to result in a high risk. The policy
marks such purposes ``dpia_required``; processing for them is **held** — the pipeline
stores nothing for the purpose (decision ``needs_review``, rule ``dpia.not-approved``),
enrichment, scores and campaigns refuse — until a DPIA for the purpose is recorded as
approved. Until the compliance workbench brings the DPIA workflow, a recorded approval
with a reference to the DPIA document suffices (``sphere dpia approve``, ``POST
/api/v1/dpia/{purpose}``), with an audit entry in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import Purpose
from sphere.errors import InvalidInput
from sphere.policy import Policy
from sphere.policy.dpia import held_purposes as held_for
from sphere.policy.dpia import hold_text
from sphere.storage.repositories.dpia import DpiaApproval, DpiaRepository

MAX_REFERENCE = 200


def record_dpia_approval(
    session: Session,
    policy: Policy,
    purpose: str,
    reference: str,
    *,
    actor: str,
    at: datetime,
) -> DpiaApproval:
    """Record that the DPIA for ``purpose`` is approved, naming the DPIA document."""
    try:
        value = Purpose(purpose)
    except ValueError:
        known = ", ".join(p.value for p in policy.purposes)
        raise InvalidInput(f"unknown purpose {purpose!r}; choose one of: {known}") from None
    if value not in policy.purposes:
        raise InvalidInput(f"the policy in force does not declare purpose {purpose!r}")
    text = reference.strip()
    if not text or len(text) > MAX_REFERENCE or "\n" in text:
        raise InvalidInput(
            f"reference: one line naming the DPIA document, at most {MAX_REFERENCE} characters"
        )
    approval = DpiaRepository(session).add(value.value, text, approved_by=actor, at=at)
    audit(
        session,
        actor=actor,
        action="dpia.approved",
        object_ids=(approval.id,),
        purpose=value,
        details={"article": "art35", "required": policy.purposes[value].dpia_required},
        at=at,
    )
    return approval


def dpia_approvals(session: Session) -> dict[str, DpiaApproval]:
    return DpiaRepository(session).latest()


def held_purposes(session: Session, policy: Policy) -> frozenset[Purpose]:
    """Purposes the policy marks ``dpia_required`` with no approved DPIA on record."""
    return held_for(policy, DpiaRepository(session).latest())


def dpia_hold(session: Session, policy: Policy, purpose: Purpose) -> str | None:
    """Why processing for ``purpose`` is held (no approved DPIA), or None; the rule id is
    ``policy.dpia.HOLD_RULE``, the article ``HOLD_ARTICLE``."""
    if purpose not in held_purposes(session, policy):
        return None
    return hold_text(purpose)


def dpia_status(session: Session, policy: Policy) -> list[dict[str, Any]]:
    approvals = DpiaRepository(session).latest()
    rows = []
    for purpose, spec in policy.purposes.items():
        approval = approvals.get(purpose.value)
        state = "approved" if approval else ("held" if spec.dpia_required else "not required")
        rows.append(
            {
                "purpose": purpose.value,
                "required": spec.dpia_required,
                "state": state,
                "reference": approval.reference if approval else None,
                "approved_at": approval.approved_at.isoformat() if approval else None,
                "approved_by": approval.approved_by if approval else None,
            }
        )
    return rows
