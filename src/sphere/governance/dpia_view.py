"""A DPIA as plain data (the CLI's ``--json``, the API): every version's content, its
risks with their ratings, the WP248 criteria with the evidence in the stable English
form, and what still stands between a draft and its sign-off."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.domain.dpia import CriterionFinding, dpia_indicated, residual_high
from sphere.governance.dpia import criteria_of, review_overdue
from sphere.i18n.message import render
from sphere.policy import Policy
from sphere.storage.repositories.dpia import Dpia, DpiaVersion


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def criteria_dicts(criteria: tuple[CriterionFinding, ...]) -> list[dict[str, Any]]:
    return [{**c.to_dict(), "evidence": [render(None, e) for e in c.evidence]} for c in criteria]


def missing_for_sign_off(version: DpiaVersion) -> list[str]:
    """The fields a sign-off would refuse, in the order it checks them."""
    if version.signed_off:
        return []
    missing = [name for name, ok in (
        ("description", len(version.description) >= 10),
        ("necessity", len(version.necessity) >= 10),
        ("risks", bool(version.risks)),
        ("assessed_on", version.assessed_on is not None),
        ("review_on", version.review_on is not None),
        ("dpo_opinion", bool(version.dpo_opinion)),
    ) if not ok]  # fmt: skip
    if residual_high(version.risks) and not (
        version.consultation_on and version.consultation_reference
    ):
        missing.append("consultation")
    return missing


def version_dict(version: DpiaVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "state": version.state,
        "description": version.description,
        "necessity": version.necessity,
        "declared": dict(version.declared),
        "risks": [r.to_dict() for r in version.risks],
        "assessed_on": _iso(version.assessed_on),
        "review_on": _iso(version.review_on),
        "dpo_opinion": version.dpo_opinion,
        "dpo_opinion_by": version.dpo_opinion_by,
        "dpo_opinion_at": _iso(version.dpo_opinion_at),
        "consultation_required": residual_high(version.risks),
        "consultation_on": _iso(version.consultation_on),
        "consultation_reference": version.consultation_reference,
        "consultation_outcome": version.consultation_outcome,
        "legacy_reference": version.legacy_reference,
        "signed_off_at": _iso(version.signed_off_at),
        "signed_off_by": version.signed_off_by,
        "created_at": _iso(version.created_at),
        "created_by": version.created_by,
        "missing_for_sign_off": missing_for_sign_off(version),
    }


def dpia_dict(session: Session, policy: Policy, dpia: Dpia, *, today: date,
              version: int | None = None) -> dict[str, Any]:  # fmt: skip
    """The DPIA with one version in full (the current one unless ``version``) and the
    list of all versions."""
    shown = dpia.version(version) if version is not None else dpia.current
    criteria = criteria_of(session, policy, dpia, shown)
    approved = dpia.approved
    return {
        "reference": dpia.reference,
        "id": dpia.id,
        "purpose": dpia.purpose,
        "measure": dpia.measure,
        "title": dpia.title,
        "state": "approved" if approved else "draft",
        "approved_version": approved.version if approved else None,
        "review_overdue": review_overdue(dpia, today),
        "versions": [
            {"version": v.version, "state": v.state, "signed_off_at": _iso(v.signed_off_at)}
            for v in dpia.versions
        ],  # fmt: skip
        "shown": version_dict(shown),
        "criteria": criteria_dicts(criteria),
        "criteria_met": sum(1 for c in criteria if c.met),
        "dpia_indicated": dpia_indicated(criteria),
    }
