"""Cockpit endpoints: record of processing (JSON, DPV JSON-LD, PDF), findings, inventories,
audit trail, policy versions with diffs, what-if over stored data and apply, and the
contact timeline.

Roles: reading the cockpit needs ``dpo``, ``admin`` or ``auditor``; what-if and apply
need ``dpo`` or ``admin`` (the auditor is read-only); the timeline is open to every
staff role and filters by role in the service.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from sphere.cockpit.audit_trail import MAX_PER_PAGE, audit_trail
from sphere.cockpit.finding_states import decide_finding, with_state
from sphere.cockpit.inventory import build_inventories
from sphere.cockpit.policy_history import policy_versions, version_diff
from sphere.cockpit.record import record_to_jsonld
from sphere.cockpit.record_pdf import record_to_pdf
from sphere.cockpit.timeline import contact_timeline
from sphere.errors import NotFound
from sphere.web._cockpit_service import actor_of, make_draft, record_and_findings, record_only
from sphere.web._jobs import (
    AuditFilters,
    accepted,
    raise_if_failed,
    start_job,
    start_verification,
)
from sphere.web.api.policy import MAX_POLICY_CHARS
from sphere.web.deps import (
    CsrfProtected,
    CurrentDpo,
    CurrentStaff,
    DbSession,
    PolicyEditor,
    Runtime,
)
from sphere.web.i18n import request_translator

router = APIRouter(tags=["cockpit"])

JSONLD = "application/ld+json"
PDF = "application/pdf"
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class DraftIn(BaseModel):
    """A draft policy: YAML text, or the rule of the policy in force to switch off."""

    yaml: str | None = Field(None, max_length=MAX_POLICY_CHARS, description="Policy YAML.")
    disable_rule: str | None = Field(
        None,
        max_length=100,
        description="Id of a rule of the policy in force to switch off, e.g. "
        "'customer-care.addressed'.",
    )


class ExampleOut(BaseModel):
    record_type: str = Field(description="interaction | event | contact")
    record_id: str
    facts: dict[str, Any] = Field(description="The record's policy facts (enum values only).")


class ShiftOut(BaseModel):
    """Stored records decided by ``old_rule`` that the draft decides by ``new_rule``."""

    old_rule: str
    new_rule: str
    old_outcome: str
    new_outcome: str
    no_longer_stored: bool
    count: int
    by_type: dict[str, int]
    examples: list[ExampleOut]


class CampaignShiftOut(BaseModel):
    """A stored campaign whose recipients the draft judges differently."""

    campaign_id: str
    name: str
    state: str = Field(description="draft | dry_run | done")
    audience: int = Field(description="Contacts in the campaign's audience now.")
    old_outcome: str = Field(description="can_run | can_run_for_subset | must_not_run")
    new_outcome: str
    old_reached: int
    new_reached: int
    recipients_affected: int = Field(description="Recipients whose send-time verdict changes.")
    new_codes: dict[str, int] = Field(description="The draft's verdict codes for them.")


class WhatIfOut(BaseModel):
    """How a draft decides the stored data and the stored campaigns; nothing changed."""

    old_version: str
    new_version: str
    new_hash: str
    records: int
    changed: int
    no_longer_stored: int
    contacts_affected: int
    activities_affected: list[str]
    campaigns: int = Field(description="Stored campaigns whose outcome changes.")
    campaigns_checked: int = Field(description="Stored campaigns that can still be sent.")
    campaign_shifts: list[CampaignShiftOut] = Field(
        description="The changing campaigns, most recipients affected first (at most 20)."
    )
    not_reproduced: int
    shifts: list[ShiftOut]
    diff: dict[str, Any] = Field(description="Policy diff: purposes, rules, outcome shifts.")


class ApplyOut(BaseModel):
    """What applying the draft did; campaigns are only counted (re-checked at send time)."""

    policy_version_id: str
    version: str
    deleted_interactions: int
    deleted_events: int
    derived_removed: int
    decisions_appended: int
    contacts_to_review: int
    campaigns_changed: int
    whatif: WhatIfOut


@router.get("/record")
def get_record(db: DbSession, runtime: Runtime, _dpo: CurrentDpo) -> dict[str, Any]:
    """The record of processing activities (GDPR Art. 30), built live."""
    record = record_only(db, runtime)
    return {**record.to_dict(), "controller": runtime.company_contact().to_dict()}


@router.get(
    "/record.jsonld",
    response_class=Response,
    responses={200: {"content": {JSONLD: {"schema": {"type": "object"}}}}},
)
def get_record_jsonld(db: DbSession, runtime: Runtime, _dpo: CurrentDpo) -> Response:
    """The record in the W3C Data Privacy Vocabulary (DPV) as JSON-LD."""
    record = record_only(db, runtime)
    document = record_to_jsonld(record, controller=runtime.company_contact())
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type=JSONLD,
        headers={"Content-Disposition": 'attachment; filename="record-of-processing.jsonld"'},
    )


@router.get(
    "/record.pdf",
    response_class=Response,
    responses={200: {"content": {PDF: {"schema": {"type": "string", "format": "binary"}}}}},
)
def get_record_pdf(request: Request, db: DbSession, runtime: Runtime, _dpo: CurrentDpo) -> Response:
    """The record as a PDF for a supervisory authority, in the language of the one who
    asks (``sphere_lang`` cookie, then Accept-Language)."""
    record = record_only(db, runtime)
    tr = request_translator(request)
    return Response(
        record_to_pdf(record, controller=runtime.company_contact(), tr=tr),
        media_type=PDF,
        headers={"Content-Disposition": 'attachment; filename="record-of-processing.pdf"'},
    )


@router.get("/findings")
def get_findings(
    db: DbSession,
    runtime: Runtime,
    _dpo: CurrentDpo,
    severity: Annotated[str, Query(pattern="^(high|medium|low|info)?$")] = "",
    state: Annotated[str, Query(pattern="^(open|acknowledged|resolved)?$")] = "",
) -> dict[str, Any]:
    """Risk findings computed from the data, most severe first, with evidence, link,
    since when each exists and its state (``open``, ``acknowledged``, or ``resolved``
    until its count rises); filtered by ``severity`` and ``state``."""
    view = record_and_findings(db, runtime)[1]
    shown = with_state(db, view.findings, severity=severity or None, state=state or None)
    return {
        "findings": [f.to_dict() for f in shown],
        "computed_at": view.as_of.isoformat() if view.as_of else None,
        "refreshing": view.refreshing,
    }


class FindingStateIn(BaseModel):
    """What the DPO decided, with a note for colleagues (no personal data)."""

    state: Literal["open", "acknowledged", "resolved"] = "acknowledged"
    note: str = Field("", max_length=2000)


@router.post("/findings/{code}/state", dependencies=[CsrfProtected])
def post_finding_state(
    code: Annotated[str, Path(max_length=100, pattern=r"^[a-z0-9.-]+$")],
    body: FindingStateIn,
    db: DbSession,
    runtime: Runtime,
    editor: PolicyEditor,
) -> dict[str, Any]:
    """Acknowledge, resolve or reopen a current finding (audited)."""
    findings = record_and_findings(db, runtime)[1].findings
    finding = next((f for f in findings if f.code == code), None)
    if finding is None:
        raise NotFound(f"no current finding {code!r}")
    decide_finding(
        db, finding, state=body.state, note=body.note, actor=actor_of(editor),
        at=runtime.clock.now(),
    )  # fmt: skip
    return with_state(db, [finding])[0].to_dict()


@router.get("/inventories")
def get_inventories(db: DbSession, runtime: Runtime, _dpo: CurrentDpo) -> dict[str, Any]:
    """Processes, data flows and infrastructure, each with the codes of its findings."""
    record, view = record_and_findings(db, runtime)
    return build_inventories(db, record, view.findings).to_dict()


@router.get("/audit")
def get_audit(
    db: DbSession,
    runtime: Runtime,
    dpo: CurrentDpo,
    filters: AuditFilters,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    """One page of the audit trail, newest first, filtered by actor (exact, or a prefix
    ending in ``:``), action (exact, or a prefix ending in ``.``), subject and UTC days;
    pass ``next_before`` back as ``before``. ``verification`` is the last full run of
    the chain check plus what was appended since (a run is started when none covers a
    large chain)."""
    trail = audit_trail(db, per_page=per_page, **filters.query())
    if trail.verification.needs_run:
        start_verification(db, runtime, actor=actor_of(dpo))
    return trail.to_dict()


@router.get("/policy/versions")
def get_policy_versions(db: DbSession, _dpo: CurrentDpo) -> dict[str, Any]:
    """Stored policy versions, newest first."""
    return {"versions": [v.to_dict() for v in policy_versions(db)]}


@router.get("/policy/versions/{version_id}/diff")
def get_policy_version_diff(version_id: IdPath, db: DbSession, _dpo: CurrentDpo) -> dict[str, Any]:
    """A stored version and its diff against the version before it."""
    entry, diff = version_diff(db, version_id)
    return {"version": entry.to_dict(), "diff": diff.to_dict()}


@router.post(
    "/policy/whatif",
    dependencies=[CsrfProtected],
    response_model=WhatIfOut,
    responses={202: {"description": "Still running: the job; poll GET /api/v1/jobs/{id}."}},
)
def post_whatif(body: DraftIn, db: DbSession, runtime: Runtime, editor: PolicyEditor) -> Any:
    """How the draft would decide the STORED data and campaigns; changes nothing. A
    broken draft answers 422 with its line and column at once; the what-if itself runs
    as a job: its result when done within a moment, else 202 with the job."""
    make_draft(db, yaml=body.yaml, disable_rule=body.disable_rule)
    params = {"yaml": body.yaml, "disable_rule": body.disable_rule}
    job = start_job(db, runtime, "whatif", params, actor=actor_of(editor))
    raise_if_failed(job)
    if job.state != "done":
        return accepted(runtime, job)
    return WhatIfOut.model_validate(job.result)


@router.post(
    "/policy/apply",
    dependencies=[CsrfProtected],
    response_model=ApplyOut,
    responses={202: {"description": "Still running: the job; poll GET /api/v1/jobs/{id}."}},
)
def post_apply(body: DraftIn, db: DbSession, runtime: Runtime, editor: PolicyEditor) -> Any:
    """Activate the draft and re-evaluate stored data in audited, committed batches (a
    job that resumes after its last batch if it fails)."""
    make_draft(db, yaml=body.yaml, disable_rule=body.disable_rule)
    params = {"yaml": body.yaml, "disable_rule": body.disable_rule}
    job = start_job(db, runtime, "policy_apply", params, actor=actor_of(editor))
    raise_if_failed(job)
    if job.state != "done":
        return accepted(runtime, job)
    return ApplyOut.model_validate(job.result)


@router.get("/contacts/{contact_id}/timeline")
def get_timeline(
    contact_id: IdPath, db: DbSession, runtime: Runtime, staff: CurrentStaff
) -> dict[str, Any]:
    """A contact's interactions and events as far as the caller's role may see them."""
    timeline = contact_timeline(
        db,
        runtime.keyring,
        contact_id,
        role=staff.role,
        actor=actor_of(staff),
        at=runtime.clock.now(),
    )
    return timeline.to_dict()
