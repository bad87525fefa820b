"""Scores and segments on stored contacts, transparent and consent-gated.

Design of the cascade (DESIGN invariant 2): a score and a segment membership are stored
as derived attributes too — ``score:<model>`` with the total and every contribution in
the encrypted value, ``segment`` with the segment name and the evaluation trace — with
provenance edges to the attributes they were computed from and to the consent record
they rely on. The ``scores`` and ``segment_memberships`` tables point at those
attribute rows with ``ON DELETE CASCADE``. Withdrawing consent (``consent.ledger.
withdraw``) deletes the interests it rested on, ``dependents_of`` finds the score and
membership attributes built on them, and the database drops the index rows in the same
statement: the contact leaves the segment and loses the score at once, with no extra
call the consent ledger must remember.

Gates: restricted (Art. 18) and objecting (Art. 21) contacts are never scored or
segmented; the policy is asked for the purpose (consent for ``profiling`` under the
default policy) and a score or segment never rests on legitimate interest (CJEU
C-252/21: personalised advertising needs consent); a model that drives an automated
decision with legal or similarly significant effect is refused unless explicit consent
(Art. 22(2)(c)) and a human review (Art. 22(3)) are recorded; a segment that targets a
special category (Art. 9(1)) is refused when defined.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import (
    AttributeKind,
    ConsentState,
    DataCategory,
    Facts,
    LegalBasis,
    Purpose,
    SpecialCategory,
    Visibility,
)
from sphere.errors import InvalidInput
from sphere.marketing.audience import ContactFacts, load_facts
from sphere.marketing.channel import Reason
from sphere.marketing.enrichment import ENRICHMENT_NAMES, gate_contact, remove_derived
from sphere.marketing.score import ScoreModel, ScoreResult, art22_refusal, score
from sphere.marketing.segment import AttrValue, ContactProfile, Membership, compile_segment
from sphere.policy import Policy
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Attribute, NewAttribute, SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.marketing import MarketingRepository, SegmentRecord

SCORE_PREFIX = "score:"
SEGMENT_ATTRIBUTE = "segment"
SPECIAL_NAMES = frozenset({c.value for c in SpecialCategory} | {"special_category"})


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    contact_id: str
    model: str
    result: ScoreResult | None = None
    attribute_id: str | None = None
    refusal: Reason | None = None


@dataclass(frozen=True, slots=True)
class SegmentRun:
    segment: str
    members: tuple[str, ...] = ()
    non_members: tuple[str, ...] = ()
    refused: Mapping[str, Reason] = field(default_factory=dict)


# --- profile reading ------------------------------------------------------------------


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def profile_attributes(attributes: Sequence[Attribute]) -> list[Attribute]:
    """The derived attributes a score or segment may look at (not scores/memberships)."""
    return [
        a
        for a in attributes
        if a.kind is AttributeKind.DERIVED
        and a.value is not None
        and a.name != SEGMENT_ATTRIBUTE
        and not a.name.startswith(SCORE_PREFIX)
    ]


def score_attributes(
    attributes: Sequence[Attribute],
) -> dict[str, tuple[Attribute, dict[str, Any]]]:
    out: dict[str, tuple[Attribute, dict[str, Any]]] = {}
    for a in attributes:
        if a.kind is AttributeKind.DERIVED and a.name.startswith(SCORE_PREFIX) and a.value:
            out[a.name.removeprefix(SCORE_PREFIX)] = (a, json.loads(a.value))
    return out


def features_of(attributes: Sequence[Attribute]) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Numeric features from derived attributes, each with the attribute ids it comes from.

    ``churn_risk``, ``cross_selling_potential`` (their values), ``interest_count``,
    ``interest:<key>`` (1.0), ``sentiment_negative``/``sentiment_positive`` (1.0 or 0.0).
    """
    features: dict[str, tuple[float, tuple[str, ...]]] = {}
    interests = [a for a in attributes if a.name == "interest"]
    if interests:
        features["interest_count"] = (float(len(interests)), tuple(a.id for a in interests))
        for a in interests:
            features[f"interest:{a.value}"] = (1.0, (a.id,))
    for a in attributes:
        number = _number(a.value) if a.name in ("churn_risk", "cross_selling_potential") else None
        if number is not None:
            features[a.name] = (number, (a.id,))
        if a.name == "sentiment":
            features["sentiment_negative"] = (float(a.value == "negative"), (a.id,))
            features["sentiment_positive"] = (float(a.value == "positive"), (a.id,))
    return features


def _consent_gate(
    facts: ContactFacts, policy: Policy, purpose: Purpose
) -> tuple[Reason | None, LegalBasis | None, str]:
    """May derived data about this contact be used for ``purpose``? (basis, rule id)."""
    decision = policy.evaluate(
        Facts(
            purpose=purpose,
            visibility=Visibility.COMPANY_DIRECT,
            relationship=facts.recipient.relationship,
            data_category=DataCategory.PRODUCT_CONTENT,
            consent=facts.recipient.consent,
            objection=facts.recipient.objection,
        )
    )
    if not decision.permits_storage:
        code = (
            "consent.missing"
            if facts.recipient.consent is ConsentState.NONE
            and decision.outcome.value == "needs_consent"
            else decision.rule_id
        )
        return (
            Reason(code, decision.reason.rstrip("."), decision.article or "GDPR Art. 6(1)"),
            None,
            decision.rule_id,
        )
    if decision.legal_basis is LegalBasis.LEGITIMATE_INTEREST:
        return (
            Reason(
                "legitimate-interest.no-scores",
                f"scores and segments for purpose '{purpose.value}' are profiling for marketing "
                "or personalised advertising; they need consent, not legitimate interest",
                "GDPR Art. 6(1)(a), Art. 21(2); CJEU C-252/21 Meta v Bundeskartellamt",
            ),
            None,
            decision.rule_id,
        )
    return None, decision.legal_basis, decision.rule_id


# --- scores -----------------------------------------------------------------------------


def score_contact(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    contact_id: str,
    model: ScoreModel,
    *,
    now: datetime,
    actor: str,
    human_review_by: str | None = None,
) -> ScoreOutcome:
    """Score one contact with ``model`` from their derived attributes and store it."""
    refusal = gate_contact(session, keyring, contact_id, model.purpose, now=now, policy=policy)
    facts = load_facts(session, keyring, contact_id, model.purpose, now=now)
    basis: LegalBasis | None = None
    rule_id = ""
    if refusal is None:
        refusal = art22_refusal(
            model,
            explicit_consent=facts.recipient.consent is ConsentState.EXPLICIT,
            human_review=bool(human_review_by),
        )
    if refusal is None:
        refusal, basis, rule_id = _consent_gate(facts, policy, model.purpose)
    attributes = AttributeRepository(session, keyring)
    current = attributes.list_for_contact(contact_id)
    result: ScoreResult | None = None
    used: tuple[str, ...] = ()
    if refusal is None:
        features = features_of(
            [a for a in profile_attributes(current) if a.purpose is model.purpose]
        )
        missing = [f for f in model.features if f not in features]
        if missing:
            refusal = Reason(
                "score.feature-missing",
                f"feature '{missing[0]}' of score '{model.name}' has not been derived for this "
                "contact",
                "GDPR Art. 5(1)(d)",
            )
        else:
            result = score(model, {f: features[f][0] for f in model.features})
            used = tuple(dict.fromkeys(i for f in model.features for i in features[f][1]))

    previous = [a.id for a in current if a.name == SCORE_PREFIX + model.name]
    replaced = remove_derived(session, keyring, previous)
    if refusal is not None or result is None:
        assert refusal is not None
        audit(
            session,
            actor=actor,
            action="score.refused",
            subject_id=contact_id,
            object_ids=replaced,
            purpose=model.purpose,
            details={"model": model.name, "code": refusal.code, "replaced": len(replaced)},
            at=now,
        )
        return ScoreOutcome(contact_id, model.name, refusal=refusal)

    value = {
        "model": model.name,
        "total": result.total,
        "intercept": result.intercept,
        "contributions": [
            {
                "feature": c.feature,
                "value": c.value,
                "weight": c.weight,
                "contribution": c.contribution,
            }
            for c in result.contributions
        ],
        "drives_automated_decision": model.drives_automated_decision,
        "human_review_by": human_review_by,
    }
    attribute = attributes.add(
        NewAttribute(
            contact_id=contact_id,
            kind=AttributeKind.DERIVED,
            name=SCORE_PREFIX + model.name,
            value=json.dumps(value, sort_keys=True),
            purpose=model.purpose,
            legal_basis=basis or LegalBasis.CONSENT,
            policy_version=policy.version,
            rule_id=rule_id,
            explanation=result.explanation,
            consent_id=facts.consent_id,
            derived_from=tuple(SourceRef(SourceType.ATTRIBUTE, i) for i in used),
            retention_until=_retention(policy, model.purpose, now),
        ),
        at=now,
    )
    MarketingRepository(session).add_score(
        contact_id,
        model.name,
        attribute.id,
        drives_automated_decision=model.drives_automated_decision,
        human_review_by=human_review_by,
        at=now,
    )
    audit(
        session,
        actor=actor,
        action="score.stored",
        subject_id=contact_id,
        object_ids=(attribute.id, *replaced),
        purpose=model.purpose,
        legal_basis=basis,
        details={
            "model": model.name,
            "features": len(model.features),
            "automated_decision": model.drives_automated_decision,
            "human_review": bool(human_review_by),
        },
        at=now,
    )
    return ScoreOutcome(contact_id, model.name, result=result, attribute_id=attribute.id)


def _retention(policy: Policy, purpose: Purpose, now: datetime) -> datetime | None:
    spec = policy.purposes.get(purpose)
    return now + timedelta(days=spec.retention_days) if spec else None


# --- segments ---------------------------------------------------------------------------


def definition_keys(definition: object) -> set[tuple[str, str]]:
    """Every (``attr``|``score``, name) a segment definition looks at."""
    found: set[tuple[str, str]] = set()
    if isinstance(definition, Mapping):
        for kind in ("attr", "score"):
            if isinstance(definition.get(kind), str):
                found.add((kind, definition[kind]))
        for key in ("all", "any", "not"):
            body = definition.get(key)
            children = body if isinstance(body, list) else [body] if body is not None else []
            for child in children:
                found |= definition_keys(child)
    return found


def targets_special_category(definition: object) -> bool:
    """Does the definition look at a special category (by name or by value)?"""
    if isinstance(definition, Mapping):
        for key, value in definition.items():
            if key in ("attr", "score") and isinstance(value, str):
                if value.lower() in SPECIAL_NAMES or value.lower().startswith("special"):
                    return True
            elif key in ("==", "contains", "in"):
                values = value if isinstance(value, list) else [value]
                if any(isinstance(v, str) and v.lower() in SPECIAL_NAMES for v in values):
                    return True
            elif targets_special_category(value):
                return True
    if isinstance(definition, list):
        return any(targets_special_category(v) for v in definition)
    return False


def define_segment(
    session: Session,
    name: str,
    definition: object,
    *,
    purpose: Purpose = Purpose.PROFILING,
    description: str = "",
    actor: str,
    now: datetime,
) -> SegmentRecord:
    """Validate and store a segment definition; a special-category target is refused."""
    compile_segment(definition, name=name)  # raises SegmentError with the path
    assert isinstance(definition, Mapping)
    if targets_special_category(definition):
        audit(
            session,
            actor=actor,
            action="segment.refused",
            purpose=purpose,
            details={"code": "special-category.targeted"},
            at=now,
        )
        raise InvalidInput(
            f"segment {name!r} targets a special category of personal data, which is not "
            "used for marketing (GDPR Art. 9(1))"
        )
    record = MarketingRepository(session).save_segment(
        name,
        purpose=purpose.value,
        definition=definition,
        description=description,
        created_by=actor,
        at=now,
    )
    audit(
        session,
        actor=actor,
        action="segment.defined",
        object_ids=(record.id,),
        purpose=purpose,
        details={"conditions": len(definition_keys(definition))},
        at=now,
    )
    return record


def contact_profile(
    attributes: Sequence[Attribute], purpose: Purpose
) -> tuple[ContactProfile, dict[str, tuple[str, ...]]]:
    """The segment view of a contact, and for each attribute/score name the ids behind it."""
    values: dict[str, list[str | float]] = {}
    ids: dict[str, list[str]] = {}
    scores: dict[str, float] = {}
    for a in profile_attributes(attributes):
        if a.purpose is not purpose or a.value is None:
            continue
        number = _number(a.value) if a.name != "interest" else None
        values.setdefault(a.name, []).append(number if number is not None else a.value)
        ids.setdefault(a.name, []).append(a.id)
        if number is not None:
            scores[a.name] = number
    for model, (attr, value) in score_attributes(attributes).items():
        if attr.purpose is purpose:
            scores[model] = float(value["total"])
            ids.setdefault(model, []).append(attr.id)
    merged: dict[str, AttrValue] = {
        name: vals[0] if len(vals) == 1 else tuple(vals) for name, vals in values.items()
    }
    return ContactProfile(merged, scores), {k: tuple(v) for k, v in ids.items()}


def compute_segment(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    name: str,
    *,
    now: datetime,
    actor: str,
    contact_ids: Iterable[str] | None = None,
) -> SegmentRun:
    """Evaluate a stored segment for every active contact and store the memberships."""
    repo = MarketingRepository(session)
    segment = repo.get_segment(name)
    purpose = Purpose(segment.purpose)
    compiled = compile_segment(dict(segment.definition), name=segment.name)
    keys = {key for _, key in definition_keys(segment.definition)}
    attributes = AttributeRepository(session, keyring)

    old = [m.attribute_id for m in repo.memberships(segment_id=segment.id)]
    remove_derived(session, keyring, old)

    members: list[str] = []
    non_members: list[str] = []
    refused: dict[str, Reason] = {}
    ids = list(contact_ids) if contact_ids is not None else repo.active_contact_ids()
    for cid in ids:
        refusal = gate_contact(session, keyring, cid, purpose, now=now, policy=policy)
        facts = load_facts(session, keyring, cid, purpose, now=now)
        basis: LegalBasis | None = None
        rule_id = ""
        if refusal is None:
            refusal, basis, rule_id = _consent_gate(facts, policy, purpose)
        if refusal is not None:
            refused[cid] = refusal
            continue
        profile, sources = contact_profile(attributes.list_for_contact(cid), purpose)
        membership: Membership = compiled.evaluate(profile)
        if not membership.member:
            non_members.append(cid)
            continue
        used = tuple(dict.fromkeys(i for k in sorted(keys) for i in sources.get(k, ())))
        held = membership.trace[0].strip() if membership.trace else ""
        attribute = attributes.add(
            NewAttribute(
                contact_id=cid,
                kind=AttributeKind.DERIVED,
                name=SEGMENT_ATTRIBUTE,
                value=json.dumps({"segment": segment.name, "trace": list(membership.trace)}),
                purpose=purpose,
                legal_basis=basis or LegalBasis.CONSENT,
                policy_version=policy.version,
                rule_id=rule_id,
                explanation=f"in segment '{segment.name}': {_strip_mark(held)}",
                consent_id=facts.consent_id,
                derived_from=tuple(SourceRef(SourceType.ATTRIBUTE, i) for i in used),
                retention_until=_retention(policy, purpose, now),
            ),
            at=now,
        )
        repo.add_membership(segment.id, cid, attribute.id, at=now)
        members.append(cid)
    repo.mark_segment_computed(segment.id, now)
    codes: dict[str, int] = {}
    for reason in refused.values():
        codes[reason.code] = codes.get(reason.code, 0) + 1
    audit(
        session,
        actor=actor,
        action="segment.computed",
        object_ids=(segment.id,),
        purpose=purpose,
        details={
            "members": len(members),
            "non_members": len(non_members),
            "refused": codes,
            "replaced": len(old),
        },
        at=now,
    )
    return SegmentRun(segment.name, tuple(members), tuple(non_members), refused)


def _strip_mark(line: str) -> str:
    for mark in ("yes ", "no  "):
        if line.startswith(mark):
            return line[len(mark) :]
    return line


__all__ = [
    "ENRICHMENT_NAMES",
    "ScoreOutcome",
    "SegmentRun",
    "compute_segment",
    "contact_profile",
    "define_segment",
    "definition_keys",
    "features_of",
    "score_contact",
]
