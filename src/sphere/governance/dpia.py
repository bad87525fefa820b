"""Data protection impact assessments (GDPR Art. 35, 36) and the gate they release.

The gate (Art. 35(1): the assessment comes "prior to the processing"): the policy marks
purposes ``dpia_required``; processing for them is **held** — the pipeline stores
nothing for the purpose (decision ``needs_review``, rule ``dpia.not-approved``),
enrichment, scores and campaigns refuse — until a version of the purpose's DPIA is
signed off. A signed-off version is never changed: any later change (the risk register,
the DPO's opinion, a consultation) makes the next version, a draft, while the signed-off
one keeps the gate open and stays readable.

The workflow, per purpose or per marketing measure:

1. open the DPIA (``open_dpia``); the WP248 criteria are computed live
   (``dpia_criteria``), the assessor may declare more;
2. describe the processing and its necessity (Art. 35(7)(a), (b)), keep the risk register
   — risk, likelihood and severity 1-4, measures, residual likelihood and severity
   (Art. 35(7)(c), (d)) — and set the assessment and review dates (Art. 35(11));
3. the DPO gives the opinion (Art. 35(2); role ``dpo`` only; the opinion belongs to
   the content it was given on, so changing the content afterwards clears it);
4. where a residual risk stays high, the supervisory authority is consulted first
   (Art. 36(1)) and the consultation recorded;
5. the controller signs off (role ``admin``: the DPO advises and does not decide on
   their own advice, Art. 38(6), 39(1)(c)); the criteria are frozen into the version.

Every step checks everything before it writes, names the field of the first problem
(``review_on: before assessed_on``) and writes its audit entry in the caller's
transaction; a refused step saves nothing. Texts are organisational facts and must not
contain personal data (the forms say so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import Purpose
from sphere.domain.dpia import Criterion, CriterionFinding, Level, Risk, residual_high
from sphere.domain.dpia import review_overdue as overdue
from sphere.errors import InvalidInput
from sphere.governance.dpia_criteria import assess_criteria
from sphere.policy import Policy
from sphere.policy.dpia import held_purposes as held_for
from sphere.policy.dpia import hold_text
from sphere.storage.repositories.dpia import Dpia, DpiaRepository, DpiaVersion
from sphere.storage.repositories.dpia_facts import measure_facts

MAX_TITLE = 200
MAX_TEXT = 8000
MAX_RISK = 500
MAX_RISKS = 40
MIN_TEXT = 10
# Who may do what (staff roles, ``sphere.accounts.Role`` values). The auditor reads only.
EDIT_ROLES = frozenset({"dpo", "admin"})
OPINION_ROLES = frozenset({"dpo"})
SIGN_OFF_ROLES = frozenset({"admin"})
_CONTENT = ("description", "necessity", "risks", "declared")


class DpiaInputError(InvalidInput):
    """A DPIA field is missing or wrong; ``field`` names it (forms mark it)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True, slots=True)
class DpiaChanges:
    """What a step changes; ``None`` leaves a field as it is."""

    description: str | None = None
    necessity: str | None = None
    risks: Sequence[Risk] | None = None
    declared: Mapping[str, str] | None = None
    assessed_on: date | None = None
    review_on: date | None = None
    title: str | None = None


def _role(role: str, allowed: frozenset[str], what: str) -> None:
    if role not in allowed:
        raise DpiaInputError(
            "role", f"role {role!r} may not {what}; allowed: {', '.join(sorted(allowed))}"
        )


def _text(field: str, value: str, *, limit: int = MAX_TEXT, minimum: int = 0) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise DpiaInputError(field, f"at most {limit} characters")
    if minimum and len(text) < minimum:
        raise DpiaInputError(field, "required" if not text else f"at least {minimum} characters")
    return text


def _risks(risks: Sequence[Risk]) -> list[dict[str, object]]:
    if len(risks) > MAX_RISKS:
        raise DpiaInputError("risks", f"at most {MAX_RISKS} risks")
    checked = []
    for n, risk in enumerate(risks, start=1):
        where = f"risks[{n}]"
        text = " ".join((risk.risk or "").split())
        if not text:
            raise DpiaInputError(f"{where}.risk", "describe the risk")
        if len(text) > MAX_RISK:
            raise DpiaInputError(f"{where}.risk", f"at most {MAX_RISK} characters")
        for name in ("likelihood", "severity", "residual_likelihood", "residual_severity"):
            value = getattr(risk, name)
            if value not in tuple(Level):
                raise DpiaInputError(
                    f"{where}.{name}", "a level from 1 (negligible) to 4 (maximum)"
                )
        measures = _text(f"{where}.measures", risk.measures, limit=MAX_TEXT)
        if not measures:
            raise DpiaInputError(f"{where}.measures", "name the measures against this risk")
        if risk.residual_likelihood * risk.residual_severity > risk.likelihood * risk.severity:
            raise DpiaInputError(
                f"{where}.residual_likelihood", "the residual risk exceeds the risk before measures"
            )
        checked.append(replace(risk, risk=text, measures=measures).to_dict())
    return checked


def _declared(declared: Mapping[str, str]) -> dict[str, str]:
    known = {c.value for c in Criterion}
    found = {}
    for code, reason in declared.items():
        if code not in known:
            raise DpiaInputError("declared", f"unknown criterion {code!r}; one of: {sorted(known)}")
        text = _text(f"declared.{code}", reason, limit=MAX_RISK)
        if text:
            found[code] = text
    return found


def _dates(assessed_on: date | None, review_on: date | None) -> None:
    if assessed_on is not None and review_on is not None and review_on <= assessed_on:
        raise DpiaInputError("review_on", "before or on assessed_on: the review comes after the "
                             "assessment (Art. 35(11))")  # fmt: skip


def _subject(session: Session, policy: Policy, purpose: str, measure: str | None) -> Purpose:
    try:
        value = Purpose(purpose)
    except ValueError:
        known = ", ".join(p.value for p in policy.purposes)
        raise DpiaInputError("purpose", f"unknown purpose {purpose!r}; one of: {known}") from None
    if value not in policy.purposes:
        raise DpiaInputError("purpose", f"the policy in force does not declare {purpose!r}")
    if measure is not None:
        stored = measure_facts(session, measure)
        if stored is None:
            raise DpiaInputError("measure", f"no marketing measure {measure!r}")
        if stored["purpose"] != value.value:
            raise DpiaInputError("measure", f"the measure runs under {stored['purpose']!r}")
    return value


def open_dpia(session: Session, policy: Policy, purpose: str, *, measure: str | None = None,
              title: str = "", actor: str, role: str, at: datetime) -> Dpia:  # fmt: skip
    """Open the DPIA of ``purpose`` (or of the marketing ``measure`` under it): version 1,
    a draft."""
    _role(role, EDIT_ROLES, "open a DPIA")
    value = _subject(session, policy, purpose, measure or None)
    repo = DpiaRepository(session)
    existing = repo.find(value.value, measure or None)
    if existing is not None:
        raise DpiaInputError("purpose", f"{existing.reference} already assesses this; change it")
    name = " ".join((title or "").split()) or (
        f"{value.value}: {measure}" if measure else value.value
    )
    if len(name) > MAX_TITLE:
        raise DpiaInputError("title", f"at most {MAX_TITLE} characters")
    dpia = repo.add(reference=repo.next_reference(at.year), purpose=value.value,
                    measure=measure or None, title=name, first={}, at=at, actor=actor)  # fmt: skip
    audit(session, actor=actor, action="dpia.opened", object_ids=(dpia.id,), purpose=value,
          details={"article": "art35_1", "reference": dpia.reference,
                   "of_measure": bool(measure)},
          at=at)  # fmt: skip
    return dpia


def get_dpia(session: Session, ref: str) -> Dpia:
    return DpiaRepository(session).get(ref)


def list_dpias(session: Session) -> list[Dpia]:
    return DpiaRepository(session).list()


def _copy(version: DpiaVersion) -> dict[str, Any]:
    """A signed-off version's content as the next draft's start."""
    return {"description": version.description, "necessity": version.necessity,
            "declared": dict(version.declared), "risks": [r.to_dict() for r in version.risks],
            "assessed_on": version.assessed_on, "review_on": version.review_on,
            "dpo_opinion": version.dpo_opinion, "dpo_opinion_by": version.dpo_opinion_by,
            "dpo_opinion_at": version.dpo_opinion_at,
            "consultation_on": version.consultation_on,
            "consultation_reference": version.consultation_reference,
            "consultation_outcome": version.consultation_outcome}  # fmt: skip


def _write(session: Session, dpia: Dpia, values: dict[str, Any], *, actor: str,
           at: datetime) -> tuple[Dpia, int]:  # fmt: skip
    """Apply ``values`` to the draft, or to a new version after a signed-off one."""
    repo = DpiaRepository(session)
    current = dpia.current
    if current.signed_off:
        repo.add_version(dpia.id, current.version + 1, {**_copy(current), **values},
                         at=at, actor=actor)  # fmt: skip
        number = current.version + 1
    else:
        repo.update_version(current.id, values, at=at)
        number = current.version
    return repo.get(dpia.id), number


def change_dpia(session: Session, ref: str, changes: DpiaChanges, *, actor: str, role: str,
                at: datetime) -> Dpia:  # fmt: skip
    """Change the description, necessity, risk register, declared criteria or dates."""
    _role(role, EDIT_ROLES, "change a DPIA")
    dpia = get_dpia(session, ref)
    current = dpia.current
    values: dict[str, Any] = {}
    if changes.description is not None:
        values["description"] = _text("description", changes.description)
    if changes.necessity is not None:
        values["necessity"] = _text("necessity", changes.necessity)
    if changes.risks is not None:
        values["risks"] = _risks(changes.risks)
    if changes.declared is not None:
        values["declared"] = _declared(changes.declared)
    if changes.assessed_on is not None:
        values["assessed_on"] = changes.assessed_on
    if changes.review_on is not None:
        values["review_on"] = changes.review_on
    _dates(values.get("assessed_on", current.assessed_on), values.get("review_on",
           current.review_on))  # fmt: skip
    title = None
    if changes.title is not None:
        title = " ".join(changes.title.split())
        if not title or len(title) > MAX_TITLE:
            raise DpiaInputError("title", f"one line, 1 to {MAX_TITLE} characters")
    old = {"description": current.description, "necessity": current.necessity,
           "risks": [r.to_dict() for r in current.risks], "declared": dict(current.declared),
           "assessed_on": current.assessed_on, "review_on": current.review_on}  # fmt: skip
    # only what differs: a form sent back unchanged makes no version and keeps the opinion
    values = {k: v for k, v in values.items() if v != old[k]}
    content_changed = any(k in values for k in _CONTENT)
    if content_changed and current.dpo_opinion:
        # the opinion was given on the content before: the DPO is asked again
        values.update(dpo_opinion="", dpo_opinion_by=None, dpo_opinion_at=None)
    if title == dpia.title:
        title = None
    if not values and title is None:
        return dpia
    number = current.version
    if title is not None:
        DpiaRepository(session).rename(dpia.id, title)
    if values:
        dpia, number = _write(session, dpia, values, actor=actor, at=at)
    else:
        dpia = get_dpia(session, ref)
    audit(session, actor=actor, action="dpia.changed", object_ids=(dpia.id,),
          purpose=Purpose(dpia.purpose),
          details={"article": "art35_7", "reference": dpia.reference, "version": number,
                   "fields": sorted([*values, *(["title"] if title else [])]),
                   "opinion_cleared": content_changed and bool(current.dpo_opinion)},
          at=at)  # fmt: skip
    return dpia


def record_opinion(session: Session, ref: str, opinion: str, *, actor: str, role: str,
                   at: datetime) -> Dpia:  # fmt: skip
    """The DPO's advice on the assessment (Art. 35(2)); the DPO's role only."""
    _role(role, OPINION_ROLES, "give the DPO's opinion (Art. 35(2))")
    dpia = get_dpia(session, ref)
    text = _text("dpo_opinion", opinion, minimum=MIN_TEXT)
    if not dpia.current.risks:
        raise DpiaInputError("risks", "the risk register is empty: there is nothing to advise on")
    dpia, number = _write(session, dpia, {"dpo_opinion": text, "dpo_opinion_by": actor,
                                          "dpo_opinion_at": at}, actor=actor, at=at)  # fmt: skip
    audit(session, actor=actor, action="dpia.dpo-opinion", object_ids=(dpia.id,),
          purpose=Purpose(dpia.purpose),
          details={"article": "art35_2", "reference": dpia.reference, "version": number},
          at=at)  # fmt: skip
    return dpia


def record_consultation(session: Session, ref: str, *, consulted_on: date | None,
                        reference: str, outcome: str = "", actor: str, role: str,
                        at: datetime) -> Dpia:  # fmt: skip
    """The prior consultation of the supervisory authority (Art. 36(1)): when the request
    went to it, its reference, and its written advice once given (Art. 36(2))."""
    _role(role, EDIT_ROLES, "record a prior consultation")
    dpia = get_dpia(session, ref)
    if consulted_on is None:
        raise DpiaInputError("consultation_on", "required: the day the authority was consulted")
    if consulted_on > at.date():
        raise DpiaInputError("consultation_on", "in the future")
    text = " ".join((reference or "").split())
    if not text or len(text) > 100:
        raise DpiaInputError("consultation_reference", "one line, 1 to 100 characters: "
                             "the authority's reference or file number")  # fmt: skip
    values = {"consultation_on": consulted_on, "consultation_reference": text,
              "consultation_outcome": _text("consultation_outcome", outcome)}  # fmt: skip
    dpia, number = _write(session, dpia, values, actor=actor, at=at)
    audit(session, actor=actor, action="dpia.consultation", object_ids=(dpia.id,),
          purpose=Purpose(dpia.purpose),
          details={"article": "art36_1", "reference": dpia.reference, "version": number},
          at=at)  # fmt: skip
    return dpia


def criteria_of(session: Session, policy: Policy, dpia: Dpia,
                version: DpiaVersion | None = None) -> tuple[CriterionFinding, ...]:  # fmt: skip
    """A signed-off version's frozen criteria; a draft's computed now."""
    version = version or dpia.current
    if version.signed_off and version.criteria:
        return version.criteria
    return assess_criteria(session, policy, dpia.purpose, measure=dpia.measure,
                           declared=version.declared)  # fmt: skip


def sign_off(session: Session, policy: Policy, ref: str, *, actor: str, role: str,
             at: datetime) -> Dpia:  # fmt: skip
    """The controller signs the current draft off; from now on it releases the gate."""
    _role(role, SIGN_OFF_ROLES, "sign off a DPIA: the controller decides, the DPO advises "
          "(Art. 35(2), 38(6))")  # fmt: skip
    dpia = get_dpia(session, ref)
    version = dpia.current
    if version.signed_off:
        raise DpiaInputError("state", f"version {version.version} is signed off already")
    if len(version.description) < MIN_TEXT:
        raise DpiaInputError("description", "describe the processing (Art. 35(7)(a))")
    if len(version.necessity) < MIN_TEXT:
        raise DpiaInputError("necessity", "assess necessity and proportionality (Art. 35(7)(b))")
    if not version.risks:
        raise DpiaInputError("risks", "the risk register is empty (Art. 35(7)(c), (d))")
    if version.assessed_on is None:
        raise DpiaInputError("assessed_on", "required: the day of the assessment")
    if version.review_on is None:
        raise DpiaInputError("review_on", "required: when the assessment is reviewed "
                             "(Art. 35(11))")  # fmt: skip
    _dates(version.assessed_on, version.review_on)
    if not version.dpo_opinion:
        raise DpiaInputError("dpo_opinion", "the DPO's opinion is sought first (Art. 35(2))")
    high = residual_high(version.risks)
    if high and (version.consultation_on is None or not version.consultation_reference):
        raise DpiaInputError("consultation", "a residual risk stays high: consult the "
                             "supervisory authority before processing (Art. 36(1))")  # fmt: skip
    criteria = criteria_of(session, policy, dpia, version)
    DpiaRepository(session).sign_off(version.id, [c.to_dict() for c in criteria], at=at,
                                     actor=actor)  # fmt: skip
    dpia = get_dpia(session, ref)
    audit(session, actor=actor, action="dpia.signed-off", object_ids=(dpia.id,),
          purpose=Purpose(dpia.purpose),
          details={"article": "art35_1", "reference": dpia.reference,
                   "version": version.version, "risks": len(version.risks),
                   "residual_high": high, "criteria": sum(1 for c in criteria if c.met),
                   "review_on": version.review_on.isoformat()},
          at=at)  # fmt: skip
    return dpia


# --- the gate -------------------------------------------------------------------------


def held_purposes(session: Session, policy: Policy) -> frozenset[Purpose]:
    """Purposes the policy marks ``dpia_required`` with no signed-off DPIA."""
    return held_for(policy, DpiaRepository(session).signed_off_purposes())


def dpia_hold(session: Session, policy: Policy, purpose: Purpose) -> str | None:
    """Why processing for ``purpose`` is held (no signed-off DPIA), or None; the rule id
    is ``policy.dpia.HOLD_RULE``, the article ``HOLD_ARTICLE``."""
    if purpose not in held_purposes(session, policy):
        return None
    return hold_text(purpose)


@dataclass(frozen=True, slots=True)
class Approval:
    """What the record of processing shows of a purpose's signed-off DPIA."""

    reference: str  # "DPIA-2026-001 v2"
    signed_off_at: datetime


def dpia_approvals(session: Session) -> dict[str, Approval]:
    found = {}
    for purpose, dpia in DpiaRepository(session).approved_purposes().items():
        approved = dpia.approved
        assert approved is not None and approved.signed_off_at is not None
        found[purpose] = Approval(f"{dpia.reference} v{approved.version}", approved.signed_off_at)
    return found


def measure_dpia(session: Session, purpose: str, measure: str) -> str | None:
    """ "DPIA-2026-004 v1" when the marketing measure's own DPIA has a signed-off version:
    the planning check counts it as the DPIA on record (Art. 35(1))."""
    dpia = DpiaRepository(session).find(purpose, measure)
    approved = dpia.approved if dpia is not None else None
    return f"{dpia.reference} v{approved.version}" if dpia and approved else None


def review_overdue(dpia: Dpia, today: date) -> bool:
    approved = dpia.approved
    return approved is not None and overdue(approved.review_on, today)


def dpia_status(
    session: Session, policy: Policy, *, today: date | None = None
) -> list[dict[str, Any]]:
    """Every declared purpose: required by the policy, approved (which DPIA), held."""
    dpias = {d.purpose: d for d in list_dpias(session) if d.measure is None}
    rows = []
    for purpose, spec in policy.purposes.items():
        dpia = dpias.get(purpose.value)
        approved = dpia.approved if dpia else None
        state = "approved" if approved else ("held" if spec.dpia_required else "not required")
        rows.append(
            {
                "purpose": purpose.value,
                "required": spec.dpia_required,
                "state": state,
                "dpia": dpia.reference if dpia else None,
                "reference": f"{dpia.reference} v{approved.version}" if dpia and approved else None,
                "approved_at": approved.signed_off_at.isoformat() if approved and
                approved.signed_off_at else None,
                "approved_by": approved.signed_off_by if approved else None,
                "review_on": approved.review_on.isoformat() if approved and approved.review_on
                else None,
                "review_overdue": bool(dpia and today and review_overdue(dpia, today)),
            }
        )  # fmt: skip
    return rows
