"""Measures on record: the planning check against stored contacts, submission, the DPO's
decision, and the record of processing (GDPR Art. 30).

A measure is described as plain data (JSON/YAML)::

    name: spring newsletter
    kind: campaign                 # campaign | enrichment | lead_generation | service_process
    purpose: direct_marketing
    channel: email                 # email | social_reply | webhook | sms
    data_items:
      - {category: contact_data, collection: manual, visibility: company_direct,
         addressing: direct, label: e-mail address}
    audience: {segment: tele-fans}  # or {relationship: [verified_customer]}; {} = everyone
    flags: {similar_products_only: true, dpia_reference: DPIA-2026-03}

``check_stored`` reads the audience's facts from the database grouped (one
``AudienceFacts`` with a count per group of contacts that share every deciding fact; see
``marketing.audience.group_facts``) and runs ``planning.check_measure`` on them, so the
counts are the database's, not the planner's, and a 100,000-contact audience is a few
dozen groups. ``submit`` stores the measure with its check:

* ``must_not_run`` → state ``rejected`` (by the policy, with its reasons);
* ``needs_dpo_approval`` → state ``submitted``; it waits for ``approve``/``reject``, the
  DPO's recorded decision (Art. 35(2): the DPO's advice is sought; Art. 5(2)
  accountability);
* ``can_run`` / ``can_run_for_subset`` → state ``approved`` by the policy.

Each approved measure becomes (or updates) a processing activity named
``measure:<name>``. Every transition writes an audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import (
    Addressing,
    Channel,
    Collection,
    DataCategory,
    LegalBasis,
    Purpose,
    Relationship,
    Visibility,
)
from sphere.errors import InvalidInput
from sphere.governance.dpia import measure_dpia
from sphere.marketing.audience import ContactFacts, group_facts, load_facts
from sphere.marketing.channel import OutreachChannel, Reason
from sphere.marketing.planning import (
    AudienceFacts,
    DataItem,
    Measure,
    MeasureKind,
    PlanningResult,
    Verdict,
    check_measure,
    data_uses,
)
from sphere.policy import Policy
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.audience_groups import audience_groups
from sphere.storage.repositories.marketing import MarketingRepository, MeasureRecord

FLAG_NAMES = tuple(
    f.name
    for f in fields(Measure)
    if f.name not in ("name", "kind", "purpose", "data_items", "channel")
)
STATES = ("draft", "submitted", "approved", "rejected")
# A measure names the kinds of data it uses, not the data: a few dozen at most. The cap
# keeps one request from turning the planning check into minutes of CPU (issue 18).
MAX_DATA_ITEMS = 100
POLICY_ACTOR = "policy"


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    """A parsed measure: the pure ``Measure`` and its audience definition."""

    measure: Measure
    audience: Mapping[str, Any]


def _enum(enum: type[Any], value: object, path: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise InvalidInput(f"{path}: unknown value; use one of {choices}") from None


def parse_data_item(data: object, path: str) -> DataItem:
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{path}: must be a mapping")
    unknown = set(data) - {"category", "collection", "visibility", "addressing", "label", "source"}
    if unknown:
        raise InvalidInput(f"{path}: unknown key {sorted(unknown)[0]!r}")
    if "category" not in data:
        raise InvalidInput(f"{path}.category: is required")
    return DataItem(
        category=_enum(DataCategory, data["category"], f"{path}.category"),
        collection=_enum(Collection, data.get("collection", "official_api"), f"{path}.collection"),
        visibility=_enum(Visibility, data.get("visibility", "public"), f"{path}.visibility"),
        addressing=_enum(
            Addressing, data.get("addressing", "not_applicable"), f"{path}.addressing"
        ),
        label=str(data.get("label", "")),
        source=_enum(Channel, data["source"], f"{path}.source").value
        if data.get("source")
        else None,
    )


def data_item_dict(item: DataItem) -> dict[str, str]:
    out = {
        "category": item.category.value,
        "collection": item.collection.value,
        "visibility": item.visibility.value,
        "addressing": item.addressing.value,
        "label": item.label,
    }
    if item.source is not None:
        out["source"] = item.source
    return out


def _audience(data: object) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InvalidInput("measure.audience: must be a mapping")
    unknown = set(data) - {"segment", "relationship"}
    if unknown:
        raise InvalidInput(f"measure.audience: unknown key {sorted(unknown)[0]!r}")
    out: dict[str, Any] = {}
    if data.get("segment") is not None:
        if not isinstance(data["segment"], str) or not data["segment"]:
            raise InvalidInput("measure.audience.segment: must be a segment name")
        out["segment"] = data["segment"]
    if data.get("relationship") is not None:
        values = data["relationship"]
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, Sequence) or not values:
            raise InvalidInput("measure.audience.relationship: must be a list")
        out["relationship"] = [
            _enum(Relationship, v, "measure.audience.relationship").value for v in values
        ]
    return out


def parse_measure(data: object) -> MeasureSpec:
    """Build a :class:`MeasureSpec` from plain data; errors name the bad field's path."""
    if not isinstance(data, Mapping):
        raise InvalidInput("measure: must be a mapping")
    unknown = set(data) - {"name", "kind", "purpose", "channel", "data_items", "audience", "flags"}
    if unknown:
        raise InvalidInput(f"measure: unknown key {sorted(unknown)[0]!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidInput("measure.name: must be a non-empty string of at most 200 characters")
    items = data.get("data_items")
    if not isinstance(items, Sequence) or isinstance(items, str) or not items:
        raise InvalidInput("measure.data_items: must be a non-empty list")
    if len(items) > MAX_DATA_ITEMS:
        raise InvalidInput(
            f"measure.data_items: at most {MAX_DATA_ITEMS} items (name each kind of data "
            f"once), got {len(items)}"
        )
    flags = data.get("flags") or {}
    if not isinstance(flags, Mapping):
        raise InvalidInput("measure.flags: must be a mapping")
    clean: dict[str, Any] = {}
    for key, value in flags.items():
        if key not in FLAG_NAMES:
            raise InvalidInput(f"measure.flags: unknown flag {key!r}")
        if key == "dpia_reference":
            if value is not None and not isinstance(value, str):
                raise InvalidInput("measure.flags.dpia_reference: must be a string")
        elif key == "large_scale":
            if value is not None and not isinstance(value, bool):
                raise InvalidInput("measure.flags.large_scale: must be true, false or null")
        elif not isinstance(value, bool):
            raise InvalidInput(f"measure.flags.{key}: must be true or false")
        clean[key] = value
    measure = Measure(
        name=name.strip(),
        kind=_enum(MeasureKind, data.get("kind"), "measure.kind"),
        purpose=_enum(Purpose, data.get("purpose"), "measure.purpose"),
        data_items=tuple(
            parse_data_item(item, f"measure.data_items[{i}]") for i, item in enumerate(items)
        ),
        channel=_enum(OutreachChannel, data.get("channel"), "measure.channel"),
        **clean,
    )
    return MeasureSpec(measure, _audience(data.get("audience")))


def spec_from_record(record: MeasureRecord) -> MeasureSpec:
    return parse_measure(
        {
            "name": record.name,
            "kind": record.kind,
            "purpose": record.purpose,
            "channel": record.channel,
            "data_items": list(record.data_items),
            "audience": dict(record.audience),
            "flags": dict(record.flags),
        }
    )


def _flags(measure: Measure) -> dict[str, Any]:
    defaults = Measure(measure.name, measure.kind, measure.purpose, (), measure.channel)
    return {
        name: getattr(measure, name)
        for name in FLAG_NAMES
        if getattr(measure, name) != getattr(defaults, name)
    }


def audience_contacts(session: Session, keyring: Keyring, audience: Mapping[str, Any]) -> list[str]:
    """Ids of the stored contacts an audience definition selects (not erased)."""
    repo = MarketingRepository(session)
    ids = repo.active_contact_ids()
    if audience.get("segment"):
        segment = repo.get_segment(audience["segment"])
        members = {m.contact_id for m in repo.memberships(segment_id=segment.id)}
        ids = [i for i in ids if i in members]
    return ids


def audience_facts(
    session: Session,
    keyring: Keyring,
    spec: MeasureSpec,
    *,
    now: datetime,
    contact_ids: Sequence[str] | None = None,
) -> list[ContactFacts]:
    ids = (
        list(contact_ids)
        if contact_ids is not None
        else audience_contacts(session, keyring, spec.audience)
    )
    measure = spec.measure
    facts = [
        load_facts(session, keyring, cid, measure.purpose, now=now, data_items=measure.data_items)
        for cid in ids
    ]
    wanted = spec.audience.get("relationship")
    if wanted:
        facts = [f for f in facts if f.recipient.relationship.value in wanted]
    return facts


def check_stored(
    session: Session, keyring: Keyring, policy: Policy, spec: MeasureSpec, *, now: datetime
) -> PlanningResult:
    """The planning check with the audience read from the database: grouped by the facts
    that decide (``storage.repositories.audience_groups``), each group judged
    once with its size — never a loop over people."""
    del keyring  # the facts are flags, identities' kinds and ledger states
    measure = spec.measure
    if measure.dpia_reference is None:  # the measure's own DPIA, signed off in Sphere
        signed = measure_dpia(session, measure.purpose.value, measure.name)
        measure = replace(measure, dpia_reference=signed) if signed else measure
    repo = MarketingRepository(session)
    segment = (
        repo.get_segment(spec.audience["segment"]).id if spec.audience.get("segment") else None
    )
    wanted = spec.audience.get("relationship")
    audience: list[AudienceFacts] = []
    for group in audience_groups(
        session,
        measure.purpose.value,
        now=now,
        segment_id=segment,
        uses=data_uses(measure.data_items),
    ):
        facts = group_facts(group, measure.purpose, measure.data_items)
        if wanted and facts.recipient.relationship.value not in wanted:
            continue
        audience.append(replace(facts.as_audience(), count=group.count))
    return check_measure(measure, audience, policy, now=now)


def _reason(reason: Reason) -> dict[str, Any]:
    return {
        "code": reason.code,
        "text": reason.text,
        "article": reason.article,
        "count": reason.count,
    }


def result_dict(result: PlanningResult) -> dict[str, Any]:
    """JSON form of a planning result (no personal data: counts, codes, articles)."""
    return {
        "measure": result.measure,
        "verdict": result.verdict.value,
        "eligible": result.eligible,
        "total": result.total,
        "reasons": [_reason(r) for r in result.reasons],
        "items": [
            {
                "item": data_item_dict(i.item),
                "usable_for": i.usable_for,
                "total": i.total,
                "outcomes": {o.value: n for o, n in i.outcomes},
                "legal_bases": [b.value for b in i.legal_bases],
                "duties": [d.value for d in i.duties],
                "reason": i.reason,
                "article": i.article,
            }
            for i in result.items
        ],
        "consent": {
            "purpose": result.consent.purpose.value,
            "given": result.consent.given,
            "missing": result.consent.missing,
            "withdrawn": result.consent.withdrawn,
        },
        "dpia": {
            "required": result.dpia.required,
            "criteria": list(result.dpia.criteria),
            "reasons": [_reason(r) for r in result.dpia.reasons],
            "on_record": result.dpia.on_record,
        },
        "art14_notices_due": result.art14_notices_due,
        "art14_deadline": result.art14_deadline.isoformat() if result.art14_deadline else None,
        "duties": [d.value for d in result.duties],
        "legal_bases": [b.value for b in result.legal_bases],
        "policy_version": result.policy_version,
        "checked_at": result.checked_at.isoformat(),
    }


def measure_dict(record: MeasureRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "kind": record.kind,
        "purpose": record.purpose,
        "channel": record.channel,
        "data_items": [dict(i) for i in record.data_items],
        "audience": dict(record.audience),
        "flags": dict(record.flags),
        "state": record.state,
        "verdict": record.verdict,
        "eligible": record.eligible,
        "total": record.total,
        "policy_version": record.policy_version,
        "checked_at": record.checked_at.isoformat() if record.checked_at else None,
        "submitted_by": record.submitted_by,
        "dpo_decision": record.dpo_decision,
        "dpo_reason": record.dpo_reason,
        "dpo_actor": record.dpo_actor,
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
        "processing_activity_id": record.processing_activity_id,
        "check": dict(record.check_result),
    }


def submit(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    data: object,
    *,
    actor: str,
    now: datetime,
) -> tuple[MeasureRecord, PlanningResult]:
    """Check and store a measure (new, or a changed version of one not yet approved)."""
    spec = parse_measure(data)
    result = check_stored(session, keyring, policy, spec, now=now)
    measure = spec.measure
    repo = MarketingRepository(session)
    values: dict[str, Any] = {
        "kind": measure.kind.value,
        "purpose": measure.purpose.value,
        "channel": measure.channel.value,
        "data_items": [data_item_dict(i) for i in measure.data_items],
        "audience": dict(spec.audience),
        "flags": _flags(measure),
        "verdict": result.verdict.value,
        "eligible": result.eligible,
        "total": result.total,
        "check_result": result_dict(result),
        "policy_version": result.policy_version,
        "checked_at": now,
        "submitted_by": actor,
        "submitted_at": now,
        "dpo_decision": None,
        "dpo_reason": None,
        "dpo_actor": None,
        "decided_at": None,
    }
    if result.verdict is Verdict.MUST_NOT_RUN:
        blocking = next((r for r in result.reasons), None)
        values |= {
            "state": "rejected",
            "dpo_actor": POLICY_ACTOR,
            "dpo_reason": str(blocking) if blocking else "must not run",
            "decided_at": now,
        }
    elif result.verdict is Verdict.NEEDS_DPO_APPROVAL:
        values["state"] = "submitted"
    else:
        values |= {"state": "approved", "dpo_actor": POLICY_ACTOR, "decided_at": now}

    existing = repo.find_measure(measure.name)
    if existing is None:
        record = repo.add_measure(name=measure.name, created_at=now, **values)
    else:
        if existing.state == "approved" and existing.dpo_actor != POLICY_ACTOR:
            raise InvalidInput(
                f"measure {measure.name!r} was approved by the DPO; submit a new measure "
                "instead of changing an approved one"
            )
        record = repo.update_measure(existing.id, **values)
    if record.state == "approved":
        record = _record_processing(session, policy, record, now=now)
    audit(
        session,
        actor=actor,
        action=f"measure.{record.state}",
        object_ids=(record.id,),
        purpose=measure.purpose,
        details={
            "verdict": result.verdict.value,
            "eligible": result.eligible,
            "total": result.total,
            "policy_version": result.policy_version,
            "codes": sorted({r.code for r in result.reasons}),
        },
        at=now,
    )
    return record, result


def _record_processing(
    session: Session, policy: Policy, record: MeasureRecord, *, now: datetime
) -> MeasureRecord:
    """Enter the approved measure in the record of processing activities (Art. 30)."""
    purpose = Purpose(record.purpose)
    spec = policy.purposes.get(purpose)
    bases = record.check_result.get("legal_bases") or []
    basis = bases[0] if bases else (spec.legal_basis.value if spec else LegalBasis.CONSENT.value)
    dpia = record.check_result.get("dpia", {})
    repo = MarketingRepository(session)
    activity_id = repo.add_processing_activity(
        name=f"measure:{record.name}"[:200],
        purpose=purpose.value,
        legal_basis=basis,
        data_categories=sorted({i["category"] for i in record.data_items}),
        subject_categories=sorted(record.audience.get("relationship") or ["contacts"]),
        sources=sorted({i["collection"] for i in record.data_items}),
        recipients=[record.channel],
        retention_days=spec.retention_days if spec else None,
        dpia_required=bool(dpia.get("required")),
        dpia_status=(
            "on_record"
            if dpia.get("on_record")
            else ("dpo_approved" if dpia.get("required") else None)
        ),
        created_at=now,
        last_run_at=None,
    )
    return repo.update_measure(record.id, processing_activity_id=activity_id)


def _decide(
    session: Session,
    policy: Policy,
    name: str,
    *,
    approve: bool,
    actor: str,
    reason: str,
    now: datetime,
) -> MeasureRecord:
    if not reason.strip():
        raise InvalidInput("a DPO decision needs a reason")
    repo = MarketingRepository(session)
    record = repo.get_measure(name)
    if record.state != "submitted":
        raise InvalidInput(
            f"measure {record.name!r} is {record.state}; only submitted measures await a decision"
        )
    record = repo.update_measure(
        record.id,
        state="approved" if approve else "rejected",
        dpo_decision="approved" if approve else "rejected",
        dpo_reason=reason.strip(),
        dpo_actor=actor,
        decided_at=now,
    )
    if approve:
        record = _record_processing(session, policy, record, now=now)
    audit(
        session,
        actor=actor,
        action="measure.dpo-approved" if approve else "measure.dpo-rejected",
        object_ids=tuple(i for i in (record.id, record.processing_activity_id) if i),
        purpose=record.purpose,
        details={"verdict": record.verdict, "eligible": record.eligible, "total": record.total},
        at=now,
    )
    return record


def approve(
    session: Session, policy: Policy, name: str, *, actor: str, reason: str, now: datetime
) -> MeasureRecord:
    """The DPO approves a submitted measure; it enters the record of processing."""
    return _decide(session, policy, name, approve=True, actor=actor, reason=reason, now=now)


def reject(
    session: Session, policy: Policy, name: str, *, actor: str, reason: str, now: datetime
) -> MeasureRecord:
    """The DPO rejects a submitted measure."""
    return _decide(session, policy, name, approve=False, actor=actor, reason=reason, now=now)


def list_measures(session: Session, *, state: str | None = None) -> list[MeasureRecord]:
    if state is not None and state not in STATES:
        raise InvalidInput(f"unknown state {state!r}; use one of {', '.join(STATES)}")
    return MarketingRepository(session).list_measures(state=state)
