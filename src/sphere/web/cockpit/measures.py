"""Measures from the planning check to the DPO's decision, in the browser.

The marketer submits a checked measure (``marketing.measures.submit``: the check runs
again on the stored data and decides its state — approved by the policy, waiting for
the DPO, or rejected by the policy). The DPO's page lists the measures awaiting a
decision with the check's verdict and reasons; approving or rejecting takes a reason
(``approve``/``reject``: audited, Art. 35(2), Art. 5(2)); a rejection is confirmed
first. Marketers and the read-only auditor see the list and every decision with its
reason; only the DPO and admins are shown the decision forms.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Role
from sphere.governance.policy_versions import active_policy
from sphere.marketing.measures import approve, list_measures, reject, submit
from sphere.web._cockpit_service import actor_of
from sphere.web.api.marketing import Decider, MeasureReader, Planner
from sphere.web.cockpit.confirm import Confirmation, Confirmed, confirm_page, is_confirmed
from sphere.web.cockpit.marketing import MeasureForm, measure_from_form
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, DbSession, Runtime

router = APIRouter(prefix="/cockpit/marketing", include_in_schema=False)
NamePath = Annotated[str, Path(min_length=1, max_length=200)]
Reason = Annotated[str, Form(min_length=3, max_length=2000)]
DECIDERS = frozenset({Role.DPO, Role.ADMIN})
RECENT = 20  # decided measures shown below the ones awaiting a decision


def _done(code: str, name: str) -> Response:
    query = urlencode({"done": code, "name": name})
    return RedirectResponse(f"/cockpit/marketing/measures?{query}", status_code=303)


@router.get("/measures")
def measures_page(
    request: Request, runtime: Runtime, who: MeasureReader, db: DbSession, csrf_token: CsrfToken
) -> Response:
    """Awaiting a decision first (oldest first), then the latest decided ones."""
    measures = list_measures(db)
    waiting = [m for m in measures if m.state == "submitted"]
    decided = sorted(
        (m for m in measures if m.state in ("approved", "rejected")),
        key=lambda m: m.decided_at or m.created_at,
        reverse=True,
    )[:RECENT]
    return render(
        request,
        runtime,
        "measures.html",
        principal=who,
        csrf_token=csrf_token,
        active="measures",
        waiting=waiting,
        decided=decided,
        can_decide=who.role in DECIDERS,
    )


@router.post("/measures", dependencies=[CsrfProtected])
def submit_measure(
    runtime: Runtime,
    who: Planner,
    db: DbSession,
    measure_form: Annotated[MeasureForm, Depends()],
) -> Response:
    """Submit the checked measure: the check runs again and decides its state."""
    record, _result = submit(
        db,
        runtime.keyring,
        active_policy(db),
        measure_from_form(measure_form.values),
        actor=actor_of(who),
        now=runtime.clock.now(),
    )
    code = {"submitted": "measure-submitted", "approved": "measure-recorded"}.get(
        record.state, "measure-refused"
    )
    return _done(code, record.name)


@router.post("/measures/{name}/approve", dependencies=[CsrfProtected])
def approve_measure(
    name: NamePath, reason: Reason, runtime: Runtime, who: Decider, db: DbSession
) -> Response:
    record = approve(
        db, active_policy(db), name, actor=actor_of(who), reason=reason, now=runtime.clock.now()
    )
    return _done("measure-approved", record.name)


@router.post("/measures/{name}/reject", dependencies=[CsrfProtected])
def reject_measure(
    name: NamePath,
    reason: Reason,
    request: Request,
    runtime: Runtime,
    who: Decider,
    db: DbSession,
    csrf_token: CsrfToken,
    confirmed: Confirmed = "",
) -> Response:
    """Rejected after a confirmation that repeats the reason the marketer will read."""
    if not is_confirmed(confirmed):
        confirmation = Confirmation(
            kind="reject-measure",
            action=f"/cockpit/marketing/measures/{name}/reject",
            cancel="/cockpit/marketing/measures",
            fields={"reason": reason},
            numbers={"name": name, "reason": reason},
        )
        return confirm_page(request, runtime, who, csrf_token, confirmation, active="measures")
    record = reject(
        db, active_policy(db), name, actor=actor_of(who), reason=reason, now=runtime.clock.now()
    )
    return _done("measure-rejected", record.name)
