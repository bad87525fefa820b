"""Marketing planning as JSON: the planning check on stored data, measures on record and
the DPO's decision, campaign dry runs, and the explanation of a contact's profile.

Roles: ``marketer``, ``dpo`` and ``admin`` check and submit measures and dry-run
campaigns; only ``dpo`` and ``admin`` approve or reject a submitted measure (Art. 35(2):
the DPO's advice; Art. 5(2) accountability); ``auditor`` reads the measures. A dry run
lists contact ids with a reason per person — never names or addresses. The profile
explanation (Art. 15(1)(h)) is open to every staff role.

The measure body is the same JSON the CLI reads (see ``sphere.marketing.measures``);
errors in it are answered with 422 and the path of the bad field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from sphere.accounts import Principal, Role
from sphere.governance.policy_versions import active_policy
from sphere.marketing.campaigns import runnable
from sphere.marketing.dry_run import stored_report
from sphere.marketing.measures import (
    MAX_DATA_ITEMS,
    STATES,
    approve,
    check_stored,
    list_measures,
    measure_dict,
    parse_measure,
    reject,
    result_dict,
    submit,
)
from sphere.marketing.profile_explain import explain_profile
from sphere.storage.repositories.dry_runs import DryRunRepository
from sphere.storage.repositories.marketing import MarketingRepository
from sphere.web._cockpit_service import actor_of
from sphere.web._jobs import accepted, raise_if_failed, start_job
from sphere.web.deps import CsrfProtected, CurrentStaff, DbSession, Runtime, require_roles

router = APIRouter(tags=["marketing"])

PLANNER_ROLES = (Role.MARKETER, Role.DPO, Role.ADMIN)
Planner = Annotated[Principal, Depends(require_roles(*PLANNER_ROLES))]
MeasureReader = Annotated[Principal, Depends(require_roles(*PLANNER_ROLES, Role.AUDITOR))]
Decider = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
NamePath = Annotated[str, Path(min_length=1, max_length=200)]
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Token = Annotated[str, Field(max_length=60)]


class DataItemIn(BaseModel):
    """One kind of data the measure uses (values as for `sphere marketing check`)."""

    model_config = ConfigDict(extra="forbid")
    category: Token
    collection: Token | None = None
    visibility: Token | None = None
    addressing: Token | None = None
    label: str = Field("", max_length=200)


class AudienceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    segment: str | None = Field(None, max_length=200)
    relationship: list[Token] | None = Field(None, max_length=20)


class FlagsIn(BaseModel):
    """What the planners declare (see ``sphere.marketing.planning.Measure``)."""

    model_config = ConfigDict(extra="forbid")
    systematic_profiling: bool | None = None
    large_scale: bool | None = None
    combines_sources: bool | None = None
    special_categories: bool | None = None
    vulnerable_people: bool | None = None
    innovative_technology: bool | None = None
    automated_decision_with_legal_effect: bool | None = None
    human_review_recorded: bool | None = None
    explicit_consent_recorded: bool | None = None
    similar_products_only: bool | None = None
    objection_notice_in_message: bool | None = None
    dpia_reference: str | None = Field(None, max_length=200)


class MeasureIn(BaseModel):
    """A measure (as for `sphere marketing check`); every list and text is bounded."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "spring newsletter",
                    "kind": "campaign",
                    "purpose": "direct_marketing",
                    "channel": "email",
                    "data_items": [{"category": "contact_data", "label": "e-mail address"}],
                    "audience": {},
                }
            ]
        },
    )
    name: str = Field(max_length=200)
    kind: Token
    purpose: Token
    channel: Token
    data_items: list[DataItemIn] = Field(min_length=1, max_length=MAX_DATA_ITEMS)
    audience: AudienceIn | None = None
    flags: FlagsIn | None = None

    def plain(self) -> dict[str, Any]:
        """The measure as the service reads it (unset fields left to its defaults)."""
        return self.model_dump(exclude_none=True)


class DecisionIn(BaseModel):
    """The DPO's recorded reason for approving or rejecting a submitted measure."""

    reason: str = Field(min_length=3, max_length=2000)


@router.post("/measures/check", dependencies=[CsrfProtected])
def post_check(body: MeasureIn, db: DbSession, runtime: Runtime, _who: Planner) -> dict[str, Any]:
    """The planning check against the stored contacts; stores nothing."""
    spec = parse_measure(body.plain())
    result = check_stored(db, runtime.keyring, active_policy(db), spec, now=runtime.clock.now())
    return result_dict(result)


@router.post("/measures", dependencies=[CsrfProtected])
def post_measure(body: MeasureIn, db: DbSession, runtime: Runtime, who: Planner) -> dict[str, Any]:
    """Check and store a measure; the verdict decides its state (see the module doc)."""
    record, result = submit(
        db,
        runtime.keyring,
        active_policy(db),
        body.plain(),
        actor=actor_of(who),
        now=runtime.clock.now(),
    )
    return {"measure": measure_dict(record), "check": result_dict(result)}


@router.get("/measures")
def get_measures(
    db: DbSession,
    _who: MeasureReader,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(STATES) + ")$")] = None,
) -> dict[str, Any]:
    """Measures on record, optionally of one state."""
    return {"measures": [measure_dict(m) for m in list_measures(db, state=state)]}


@router.post("/measures/{name}/approve", dependencies=[CsrfProtected])
def post_approve(
    name: NamePath, body: DecisionIn, db: DbSession, runtime: Runtime, who: Decider
) -> dict[str, Any]:
    """The DPO approves a submitted measure; it enters the record of processing."""
    record = approve(
        db,
        active_policy(db),
        name,
        actor=actor_of(who),
        reason=body.reason,
        now=runtime.clock.now(),
    )
    return {"measure": measure_dict(record)}


@router.post("/measures/{name}/reject", dependencies=[CsrfProtected])
def post_reject(
    name: NamePath, body: DecisionIn, db: DbSession, runtime: Runtime, who: Decider
) -> dict[str, Any]:
    """The DPO rejects a submitted measure."""
    record = reject(
        db,
        active_policy(db),
        name,
        actor=actor_of(who),
        reason=body.reason,
        now=runtime.clock.now(),
    )
    return {"measure": measure_dict(record)}


@router.post(
    "/campaigns/{name}/dry-run",
    dependencies=[CsrfProtected],
    responses={202: {"description": "Still running: the job; poll GET /api/v1/jobs/{id}."}},
)
def post_dry_run(name: NamePath, db: DbSession, runtime: Runtime, who: Planner) -> Any:
    """Who would be reached now and who not, with the reason per contact id; sends
    nothing. Runs as a job; done within a moment, the counts per reason and the first
    1,000 lines (``truncated`` says whether there are more: page them with
    ``GET …/dry-run/lines``); else 202 with the job."""
    runnable(db, name)
    job = start_job(db, runtime, "dry_run", {"campaign": name}, actor=actor_of(who))
    raise_if_failed(job)
    if job.state != "done":
        return accepted(runtime, job)
    return stored_report(db, MarketingRepository(db).get_campaign(name)).as_dict()


@router.get("/campaigns/{name}/dry-run/lines")
def get_dry_run_lines(
    name: NamePath,
    db: DbSession,
    _who: Planner,
    code: Annotated[str | None, Query(max_length=100)] = None,
    reached: bool | None = None,
    after: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9-]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The last dry run's lines by contact id, filtered by reason code and outcome;
    pass ``next`` back as ``after``."""
    record = MarketingRepository(db).get_campaign(name)
    page = DryRunRepository(db).page(
        record.id, code=code, allowed=reached, after=after, limit=limit + 1
    )
    return {
        "lines": [
            {
                "contact_id": line.contact_id,
                "allowed": line.group.allowed,
                "code": line.group.code,
                "reason": line.group.reason,
                "article": line.group.article,
                "legal_basis": line.group.legal_basis,
            }
            for line in page[:limit]
        ],
        "next": page[limit - 1].contact_id if len(page) > limit else None,
    }


@router.get("/contacts/{contact_id}/profile")
def get_profile(
    contact_id: IdPath, db: DbSession, runtime: Runtime, _who: CurrentStaff
) -> dict[str, Any]:
    """Everything derived about a contact, with explanations, scores and segment traces."""
    return explain_profile(db, runtime.keyring, contact_id)
