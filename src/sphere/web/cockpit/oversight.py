"""Cockpit pages over ``sphere.cockpit``: record of processing, findings, inventories,
audit trail, policy versions, what-if and apply, contact timeline.

Forms post with a CSRF token. The apply form carries the draft it previewed and the
draft's content hash; if what would be applied differs from what was shown (someone
applied another version meanwhile, or the text was changed), nothing happens. Applying
is confirmed first (``confirm.py``): the page says how many records of how many contacts
will be deleted, from the what-if job the form names.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from sphere.cockpit.audit_trail import audit_trail
from sphere.cockpit.finding_states import FINDING_STATES, decide_finding, with_state
from sphere.cockpit.findings import localize, risk_distribution
from sphere.cockpit.flow_diagram import build_diagram
from sphere.cockpit.inventory import build_inventories
from sphere.cockpit.inventory import localize as localize_inventories
from sphere.cockpit.policy_history import policy_versions, version_diff
from sphere.cockpit.record_check import check_record
from sphere.errors import InvalidInput, NotFound
from sphere.governance.policy_versions import active_policy
from sphere.storage.repositories.jobs import JobRepository
from sphere.web._cockpit_service import actor_of, make_draft, record_and_findings
from sphere.web._jobs import AuditFilters, raise_if_failed, start_job, start_verification
from sphere.web.api.policy import MAX_POLICY_CHARS
from sphere.web.cockpit.confirm import Confirmation, Confirmed, confirm_page, is_confirmed
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentDpo, DbSession, PolicyEditor, Runtime
from sphere.web.i18n import request_translator

router = APIRouter(prefix="/cockpit", include_in_schema=False)

DraftYaml = Annotated[str, Form(max_length=MAX_POLICY_CHARS)]
RuleField = Annotated[str, Form(max_length=100)]
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


@router.get("/record")
def record_page(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    record, view = record_and_findings(db, runtime)
    return render(
        request,
        runtime,
        "record.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="record of processing",
        record=record,
        gaps=check_record(record),
        findings=view.findings,
        findings_view=view,
    )


@router.get("/findings")
def findings_page(
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
    severity: Annotated[str, Query(pattern="^(high|medium|low|info)?$")] = "",
    state: Annotated[str, Query(pattern="^(open|acknowledged|resolved)?$")] = "",
) -> Response:
    _, view = record_and_findings(db, runtime)
    return render(
        request,
        runtime,
        "findings.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="findings",
        findings=with_state(
            db,
            [localize(f, request_translator(request)) for f in view.findings],
            severity=severity or None,
            state=state or None,
        ),
        findings_view=view,
        severity=severity,
        state=state,
        states=FINDING_STATES,
        risks=risk_distribution(db, runtime.keyring),
    )


@router.post("/findings/{code}/state", dependencies=[CsrfProtected])
def findings_decide(
    code: Annotated[str, Path(max_length=100, pattern=r"^[a-z0-9.-]+$")],
    runtime: Runtime,
    dpo: PolicyEditor,
    db: DbSession,
    state: Annotated[str, Form(pattern="^(open|acknowledged|resolved)$")],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Acknowledge, resolve or reopen a current finding with a note (audited)."""
    findings = record_and_findings(db, runtime)[1].findings
    finding = next((f for f in findings if f.code == code), None)
    if finding is None:
        raise NotFound(f"no current finding {code!r}")
    decide_finding(db, finding, state=state, note=note, actor=actor_of(dpo), at=runtime.clock.now())
    return RedirectResponse(f"/cockpit/findings?decided={code}#{code}", status_code=303)


@router.get("/inventories")
def inventories_page(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    record, view = record_and_findings(db, runtime)
    findings = view.findings
    inventories = localize_inventories(
        build_inventories(db, record, findings), request_translator(request)
    )
    return render(
        request,
        runtime,
        "inventories.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="inventories",
        inventories=inventories,
        diagram=build_diagram(inventories.flows),
        findings={f.code: localize(f, request_translator(request)) for f in findings},
        findings_view=view,
    )


@router.get("/audit")
def audit_page(
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
    filters: AuditFilters,
) -> Response:
    trail = audit_trail(db, per_page=50, **filters.query())
    if trail.verification.needs_run:  # a large chain never fully verified: start a run
        start_verification(db, runtime, actor=actor_of(dpo))
    return render(
        request,
        runtime,
        "audit.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="audit",
        trail=trail,
        filters=filters,
    )


@router.post("/audit/verify", dependencies=[CsrfProtected])
def audit_verify(runtime: Runtime, dpo: CurrentDpo, db: DbSession) -> Response:
    """Verify the whole chain against the signed checkpoints, as a job."""
    job = start_verification(db, runtime, actor=actor_of(dpo))
    return RedirectResponse(f"/cockpit/jobs/{job.id}", status_code=303)


@router.get("/policy/versions")
def versions_page(
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
    version: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9-]+$")] = None,
) -> Response:
    selected = version_diff(db, version) if version else None
    return render(
        request,
        runtime,
        "versions.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="policy",
        versions=policy_versions(db),
        selected=selected,
    )


@router.get("/whatif")
def whatif_form(
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
    job: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9-]+$")] = None,
) -> Response:
    """The form; ``?job=ID`` shows the result of a what-if job."""
    result, draft_yaml, disable_rule = None, "", ""
    if job:
        found = JobRepository(db).get(job)
        if found.kind != "whatif":
            raise InvalidInput(f"job {job} is not a what-if")
        if found.state != "done":
            return RedirectResponse(f"/cockpit/jobs/{job}", status_code=303)
        result = found.result
        draft_yaml = found.params.get("yaml") or ""
        disable_rule = found.params.get("disable_rule") or ""
    return render(
        request,
        runtime,
        "whatif.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="what-if",
        policy=active_policy(db),
        result=result,
        draft_yaml=draft_yaml,
        disable_rule=disable_rule,
        whatif_job=job or "",
    )


@router.post("/whatif", dependencies=[CsrfProtected])
def whatif_run(
    request: Request,
    runtime: Runtime,
    editor: PolicyEditor,
    db: DbSession,
    csrf_token: CsrfToken,
    yaml: DraftYaml = "",
    disable_rule: RuleField = "",
) -> Response:
    """Loads the draft now (a broken one answers with its line and column), then runs
    the what-if as a job: shown at once when it ends within a moment, else its
    progress page."""
    make_draft(db, yaml=yaml, disable_rule=disable_rule or None)
    params = {"yaml": yaml if not disable_rule else None, "disable_rule": disable_rule or None}
    job = start_job(db, runtime, "whatif", params, actor=actor_of(editor))
    if job.state != "done":
        raise_if_failed(job)
        return RedirectResponse(f"/cockpit/jobs/{job.id}", status_code=303)
    return render(
        request,
        runtime,
        "whatif.html",
        principal=editor,
        csrf_token=csrf_token,
        active="what-if",
        policy=active_policy(db),
        result=job.result,
        draft_yaml=yaml if not disable_rule else "",
        disable_rule=disable_rule,
        whatif_job=job.id,
    )


def _previewed(db: DbSession, job_id: str, expected_hash: str) -> dict[str, Any]:
    """The what-if result the apply form was shown with (same draft), for its numbers."""
    if not job_id:
        raise InvalidInput("preview the draft with the what-if first, then apply it")
    found = JobRepository(db).get(job_id)
    result = found.result or {}
    if found.kind != "whatif" or result.get("new_hash") != expected_hash:
        raise InvalidInput("the draft differs from the one previewed; run the what-if again")
    return result


@router.post("/policy/apply", dependencies=[CsrfProtected])
def apply_run(
    request: Request,
    runtime: Runtime,
    editor: PolicyEditor,
    db: DbSession,
    csrf_token: CsrfToken,
    expected_hash: Annotated[str, Form(min_length=64, max_length=64)],
    yaml: DraftYaml = "",
    disable_rule: RuleField = "",
    whatif_job: Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9-]*$")] = "",
    confirmed: Confirmed = "",
) -> Response:
    draft = make_draft(db, yaml=yaml, disable_rule=disable_rule or None)
    if draft.content_hash != expected_hash:
        raise InvalidInput("the draft differs from the one previewed; run the what-if again")
    if not is_confirmed(confirmed):
        result = _previewed(db, whatif_job, expected_hash)
        fields = {"expected_hash": expected_hash, "whatif_job": whatif_job}
        fields |= {"disable_rule": disable_rule} if disable_rule else {"yaml": yaml}
        confirmation = Confirmation(
            kind="policy-apply",
            action="/cockpit/policy/apply",
            cancel=f"/cockpit/whatif?job={whatif_job}",
            fields=fields,
            numbers={
                "version": result.get("new_version", ""),
                "records": int(result.get("no_longer_stored", 0)),
                "people": int(result.get("deleted_contacts", 0)),
                "changed": int(result.get("changed", 0)),
                "contacts": int(result.get("contacts_affected", 0)),
            },
        )
        return confirm_page(request, runtime, editor, csrf_token, confirmation, active="what-if")
    params = {
        "yaml": yaml if not disable_rule else None,
        "disable_rule": disable_rule or None,
        "expected_hash": expected_hash,
    }
    job = start_job(db, runtime, "policy_apply", params, actor=actor_of(editor))
    raise_if_failed(job)
    if job.state == "done":
        result = job.result or {}
        deleted = sum(int(result.get(k, 0)) for k in ("deleted_interactions", "deleted_events"))
        query = urlencode({"done": "policy-applied", "n": deleted, "name": draft.version})
        return RedirectResponse(f"/cockpit/audit?{query}", status_code=303)
    return RedirectResponse(f"/cockpit/jobs/{job.id}", status_code=303)
