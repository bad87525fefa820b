"""DPIAs (GDPR Art. 35) as JSON: every declared purpose with its state (approved with
the reference, held, or not required), and recording an approval (DPO or admin). Until
one is recorded, processing for a purpose the policy marks ``dpia_required`` is held."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from sphere.accounts import Principal, Role
from sphere.governance.dpia import dpia_status, record_dpia_approval
from sphere.governance.policy_versions import active_policy
from sphere.web._cockpit_service import actor_of
from sphere.web.deps import CsrfProtected, CurrentDpo, DbSession, Runtime, require_roles

router = APIRouter(tags=["dpia"])
DpiaApprover = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
PurposeName = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]


class DpiaOut(BaseModel):
    purpose: str
    required: bool = Field(description="The policy marks the purpose dpia_required.")
    state: str = Field(description="approved, held (required, none approved) or not required.")
    reference: str | None = Field(description="The approved DPIA document.")
    approved_at: datetime | None
    approved_by: str | None


class ApprovalIn(BaseModel):
    """The approved DPIA, named by its document reference (one line, no personal data)."""

    reference: str = Field(min_length=1, max_length=200)


@router.get("/dpia")
def get_dpias(db: DbSession, _who: CurrentDpo) -> list[DpiaOut]:
    """Every declared purpose: is a DPIA required, approved, or is processing held?"""
    return [DpiaOut(**row) for row in dpia_status(db, active_policy(db))]


@router.post("/dpia/{purpose}/approval", status_code=201, dependencies=[CsrfProtected])
def approve_dpia(
    purpose: PurposeName, body: ApprovalIn, db: DbSession, runtime: Runtime, who: DpiaApprover
) -> DpiaOut:
    """Record the DPIA for ``purpose`` as approved (audited); held processing may start."""
    policy = active_policy(db)
    record_dpia_approval(
        db, policy, purpose, body.reference, actor=actor_of(who), at=runtime.clock.now()
    )
    return next(DpiaOut(**row) for row in dpia_status(db, policy) if row["purpose"] == purpose)
