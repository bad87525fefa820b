"""``explain_profile``: everything derived about one contact, with the reasons.

For the DPO, the service desk and the person themself (GDPR Art. 15(1)(h): meaningful
information about the logic involved): every derived attribute with its value,
explanation, purpose, legal basis, policy rule and sources; every score with each
feature's value, weight and contribution; every segment membership with the trace of
conditions. The output holds the contact's own data — show it only where that contact's
data may be shown, never log it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from sphere.domain import AttributeKind
from sphere.marketing.profiles import SCORE_PREFIX, SEGMENT_ATTRIBUTE
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Attribute
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.marketing import MarketingRepository


def _common(a: Attribute) -> dict[str, Any]:
    return {
        "id": a.id,
        "purpose": a.purpose.value,
        "legal_basis": a.legal_basis.value,
        "legal_basis_article": a.legal_basis.article,
        "policy_version": a.policy_version,
        "rule": a.rule_id,
        "consent_id": a.consent_id,
        "sources": [{"type": r.type.value, "id": r.id} for r in a.derived_from],
        "created_at": a.created_at.isoformat(),
        "retention_until": a.retention_until.isoformat() if a.retention_until else None,
    }


def explain_profile(session: Session, keyring: Keyring, contact_id: str) -> dict[str, Any]:
    """A JSON-ready explanation of the contact's derived profile (see the module doc)."""
    contact = ContactRepository(session, keyring).get(contact_id)
    derived = [
        a
        for a in AttributeRepository(session, keyring).list_for_contact(contact_id)
        if a.kind is AttributeKind.DERIVED
    ]
    repo = MarketingRepository(session)
    reviewed = {s.attribute_id: s for s in repo.scores(contact_id=contact_id)}
    attributes: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    for a in derived:
        if a.value is None:  # crypto-shredded
            continue
        if a.name.startswith(SCORE_PREFIX):
            value = json.loads(a.value)
            record = reviewed.get(a.id)
            scores.append(
                {
                    "model": a.name.removeprefix(SCORE_PREFIX),
                    "total": value["total"],
                    "intercept": value["intercept"],
                    "contributions": value["contributions"],
                    "explanation": a.explanation,
                    "drives_automated_decision": value.get("drives_automated_decision", False),
                    "human_review_by": record.human_review_by if record else None,
                    **_common(a),
                }
            )
        elif a.name == SEGMENT_ATTRIBUTE:
            value = json.loads(a.value)
            segments.append(
                {
                    "segment": value["segment"],
                    "explanation": a.explanation,
                    "trace": value["trace"],
                    **_common(a),
                }
            )
        else:
            attributes.append(
                {"name": a.name, "value": a.value, "explanation": a.explanation, **_common(a)}
            )
    return {
        "contact_id": contact.id,
        "restricted": contact.restricted,
        "objected_marketing": contact.objected_marketing,
        "objected_profiling": contact.objected_profiling,
        "attributes": attributes,
        "scores": scores,
        "segments": segments,
        "service_tasks": [
            {
                "id": t.id,
                "rule": t.rule,
                "interaction_id": t.interaction_id,
                "state": t.state,
                "reason": t.reason,
                "legal_basis": t.legal_basis,
            }
            for t in repo.tasks(contact_id=contact_id)
        ],  # fmt: skip
        "sends": [
            {
                "campaign_id": s.campaign_id,
                "status": s.status,
                "code": s.code,
                "legal_basis": s.legal_basis,
                "channel": s.channel,
                "at": s.sent_at.isoformat(),
            }
            for s in repo.sends(contact_id=contact_id)
        ],  # fmt: skip
    }


def explain_text(profile: dict[str, Any]) -> str:
    """The same as readable lines."""
    lines = [f"contact {profile['contact_id']}"]
    for a in profile["attributes"]:
        lines.append(
            f"- {a['name']} = {a['value']}: {a['explanation']} [{a['legal_basis_article']}]"
        )
    for s in profile["scores"]:
        lines.append(f"- score {s['explanation']} [{s['legal_basis_article']}]")
    for m in profile["segments"]:
        lines.append(f"- {m['explanation']}")
        lines.extend(f"    {line}" for line in m["trace"])
    if len(lines) == 1:
        lines.append("nothing derived about this contact")
    return "\n".join(lines)
