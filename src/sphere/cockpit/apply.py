"""Applying a draft policy to the stored data, in set-based batches.

1. **Plan** (one transaction): the what-if (``cockpit.whatif``: groups of records
   decided under the policy in force and under the draft), then the draft becomes the
   active version (``governance.policy_versions.apply_policy``, audited
   ``policy.applied``) and the work is listed — for a job, set-based into
   ``job_items``: every record of a group the draft no longer lets the company keep is
   to be deleted; every record of a group that stays but is decided differently gets a
   new decision-log row. Imported contacts whose import would now be refused are not
   erased (contract data; erasure is a data-subject right with its own procedure): they
   are counted as ``contacts_to_review``.
2. **Batches** of a thousand items, each one transaction: records deleted with
   everything derived from them (provenance edges, set-based) and one
   ``interaction.deleted``/``event.deleted`` audit entry per record; new decisions
   appended. The CRM sync follows in the same transaction: a deleted record's removal
   is queued by its deletion, a record decided anew that the CRM holds is pushed again
   (the CRM's copy gets the purpose and legal basis now in force). The job's
   checkpoint (the last item done and the counts) is written in the same transaction,
   so a failure leaves a consistent, audited state and the job resumes after the last
   committed batch.
3. **Summary**: one ``policy.reevaluated`` audit entry with the counts.

Campaigns change nothing on apply: every send is checked again at send time under the
policy then in force; the summary only counts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import AuditBatch
from sphere.audit import record as audit
from sphere.cockpit.stored_facts import RecordFacts, stored_record_facts
from sphere.cockpit.whatif import ApplyResult, StoredWhatIf, campaign_shifts, summarise
from sphere.domain import Decision
from sphere.errors import InvalidInput
from sphere.governance.policy_versions import active_policy, apply_policy
from sphere.policy import Policy
from sphere.rights.notices import sync_duties
from sphere.storage.crypto import Keyring
from sphere.storage.entities import SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.crm_sync import queue_repushes
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.erasure import ErasureRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.repositories.fact_groups import (
    fact_pairs,
    record_refs,
    stream_keyed_ids,
)
from sphere.storage.repositories.jobs import JobRepository

BATCH = 1000
LIST_CHUNK = 5000
REASON = "policy_reevaluation"


@dataclass(frozen=True, slots=True)
class Plan:
    summary: StoredWhatIf
    policy_version_id: str
    previous: str
    delete: dict[str, list[str]]  # record type → group keys to delete
    decide: list[tuple[str, str, dict[str, Any]]]  # (record type, group key, decision)
    review: int


def _decision_dict(decision: Decision) -> dict[str, Any]:
    return {
        "outcome": decision.outcome.value,
        "purpose": decision.purpose.value,
        "rule_id": decision.rule_id,
        "reason": decision.reason,
        "legal_basis": decision.legal_basis.value if decision.legal_basis else None,
        "policy_version": decision.policy_version,
    }


def _decision(data: dict[str, Any]) -> Decision:
    from sphere.domain import LegalBasis, Outcome, Purpose

    return Decision(
        outcome=Outcome(data["outcome"]),
        purpose=Purpose(data["purpose"]),
        rule_id=data["rule_id"],
        reason=data["reason"],
        legal_basis=LegalBasis(data["legal_basis"]) if data["legal_basis"] else None,
        policy_version=data["policy_version"],
    )


def decide_plan(
    session: Session, keyring: Keyring, draft: Policy, *, now: datetime, progress: Any = None
) -> tuple[StoredWhatIf, dict[str, list[str]], list[tuple[str, str, dict[str, Any]]], int, str]:
    """Decide every group under the policy in force and the draft (reads only): the
    summary, the group keys to delete per record type, the groups that stay but get a
    new decision, the imported contacts to review, and the version in force."""
    current = active_policy(session)
    with fact_pairs(session, now=now) as pairs:
        items: list[RecordFacts] = list(
            stored_record_facts(
                session, keyring, policy_in_force=current, now=now, progress=progress, pairs=pairs
            )
        )
        campaigns = campaign_shifts(session, keyring, current, draft, now=now)
        summary = summarise(session, items, current, draft, campaigns, now=now, pairs=pairs)
    delete: dict[str, list[str]] = {}
    decide: list[tuple[str, str, dict[str, Any]]] = []
    review = 0
    for item in items:
        before, after = item.decide(current), item.decide(draft)
        if before.decision.outcome is after.decision.outcome and before.stores == after.stores:
            continue
        if item.record_type == "contact":
            review += item.records if not after.stores else 0
        elif not after.stores:
            delete.setdefault(item.record_type, []).append(item.key)
        else:
            decide.append((item.record_type, item.key, _decision_dict(after.decision)))
    return summary, delete, decide, review, current.version


def plan(
    session: Session,
    keyring: Keyring,
    draft: Policy,
    *,
    actor: str,
    now: datetime,
    progress: Any = None,
) -> Plan:
    """Decide every group, activate the draft, list the work (in ``session``)."""
    summary, delete, decide, review, previous = decide_plan(
        session, keyring, draft, now=now, progress=progress
    )
    stored = apply_policy(session, draft, actor=actor, at=now)
    return Plan(summary, stored.id, previous, delete, decide, review)


def delete_records(
    session: Session,
    keyring: Keyring,
    record_type: str,
    ids: list[str],
    *,
    actor: str,
    at: datetime,
) -> tuple[int, int]:
    """Delete stored records and everything derived from them; one audit entry per
    record naming what went. Returns (records deleted, derived attributes removed)."""
    refs = record_refs(session, record_type, ids)
    if not refs:
        return 0, 0
    kind = SourceType.INTERACTION if record_type == "interaction" else SourceType.EVENT
    attributes = AttributeRepository(session, keyring)
    derived = attributes.dependents_by_root(kind, [r.id for r in refs])
    removed = [a for attrs in derived.values() for a in attrs]
    attributes.delete(removed)
    if record_type == "interaction":
        ErasureRepository(session).delete_interactions([r.id for r in refs])
    else:
        EventRepository(session, keyring).delete([r.id for r in refs])
    batch = AuditBatch(session)
    for ref in refs:
        own = derived.get(ref.id, [])
        batch.add(
            actor=actor,
            action=f"{record_type}.deleted",
            subject_id=ref.contact_id or ref.key_id,
            object_ids=(ref.id, *own),
            details={"reason": REASON, "derived_removed": len(own)},
            at=at,
        )
    batch.flush()
    return len(refs), len(removed)


def decide_records(
    session: Session, record_type: str, ids: list[str], decision: Decision, *, at: datetime
) -> int:
    """Append the new decision for records that stay (one executemany); the CRM's copy
    of those it holds is pushed again with it (``crm_sync.queue_repushes``)."""
    decisions = DecisionRepository(session)
    refs = record_refs(session, record_type, ids)
    rows = [
        decisions.prepare(
            decision,
            record_type=record_type,
            record_ref=ref.record_ref,
            contact_id=ref.contact_id,
            at=at,
        )[1]
        for ref in refs
    ]
    decisions.insert_prepared(rows)
    queue_repushes(session, record_type, [r.id for r in refs if r.contact_id], at=at)
    return len(rows)


def _finish(session: Session, plan_data: dict[str, Any], counts: dict[str, int], *, actor: str,
            at: datetime) -> ApplyResult:  # fmt: skip
    summary = plan_data["summary"]
    # A rule that now informs (Art. 14) owes the information about records stored long
    # before: their duties, with the deadline of when those data were obtained (Art.
    # 14(3)(a), often past) - a full sync; the pipeline keeps them current from here on.
    duties = sync_duties(session, active_policy(session))
    audit(
        session,
        actor=actor,
        action="policy.reevaluated",
        object_ids=(plan_data["policy_version_id"],),
        details={
            "version": summary["new_version"],
            "previous": plan_data["previous"],
            "records": summary["records"],
            "changed": summary["changed"],
            **counts,
            "contacts_to_review": plan_data["review"],
            "campaigns_checked": summary["campaigns_checked"],
            "campaigns_changed": summary["campaigns"],
            "notice_duties_created": duties,
        },
        at=at,
    )
    return ApplyResult(
        policy_version_id=plan_data["policy_version_id"],
        version=summary["new_version"],
        deleted_interactions=counts["deleted_interactions"],
        deleted_events=counts["deleted_events"],
        derived_removed=counts["derived_removed"],
        decisions_appended=counts["decisions_appended"],
        contacts_to_review=plan_data["review"],
        campaigns_changed=summary["campaigns"],
        whatif=plan_data.get("whatif"),
    )


def _counts() -> dict[str, int]:
    return {
        "deleted_interactions": 0,
        "deleted_events": 0,
        "derived_removed": 0,
        "decisions_appended": 0,
    }


def _work(session: Session, keyring: Keyring, kind: str, record_type: str, ids: list[str],
          decision: Decision | None, counts: dict[str, int], *, actor: str,
          at: datetime) -> None:  # fmt: skip
    if kind == "delete":
        deleted, derived = delete_records(session, keyring, record_type, ids, actor=actor, at=at)
        counts[f"deleted_{record_type}s"] += deleted
        counts["derived_removed"] += derived
    else:
        assert decision is not None
        counts["decisions_appended"] += decide_records(session, record_type, ids, decision, at=at)


def apply_now(
    session: Session, keyring: Keyring, draft: Policy, *, actor: str, now: datetime
) -> ApplyResult:
    """The whole apply in the caller's transaction (small stores, tests, the CLI's
    ``--inline``). The ids of the records to change are listed first (one pass per record
    type; about 100 bytes per changing record), then changed in batches; the cockpit's
    job lists them into ``job_items`` instead."""
    work = plan(session, keyring, draft, actor=actor, now=now)
    counts = _counts()
    decisions = [_decision(d) for _t, _k, d in work.decide]
    listed = list(_targets(session, _actions(work.delete, work.decide), now=now))
    for (record_type, action), ids in _grouped(listed):
        kind, _, number = action.partition(":")
        decision = decisions[int(number)] if number else None
        for start in range(0, len(ids), BATCH):
            _work(session, keyring, kind, record_type, ids[start : start + BATCH], decision,
                  counts, actor=actor, at=now)  # fmt: skip
    data = _plan_data(work)
    data["whatif"] = work.summary
    return _finish(session, data, counts, actor=actor, at=now)


def _actions(
    delete: dict[str, list[str]], decide: list[tuple[str, str, dict[str, Any]]]
) -> dict[str, dict[str, str]]:
    """Per record type, what happens to the rows of each changing group: ``delete`` or
    ``decide:<n>`` (the n-th new decision)."""
    actions: dict[str, dict[str, str]] = {}
    for record_type, keys in delete.items():
        actions.setdefault(record_type, {}).update(dict.fromkeys(keys, "delete"))
    for n, (record_type, key, _decision) in enumerate(decide):
        actions.setdefault(record_type, {})[key] = f"decide:{n}"
    return actions


def _targets(
    session: Session, actions: dict[str, dict[str, str]], *, now: datetime
) -> Iterator[tuple[int, str, str, str]]:
    """(seq, record type, id, action) of every record to change, one read per record
    type, grouped by action."""
    seq = 0
    for record_type, by_key in sorted(actions.items()):
        keys = sorted(by_key)
        for rows in stream_keyed_ids(session, record_type, keys, now=now, chunk=LIST_CHUNK):
            for key, ref in rows:
                seq += 1
                yield seq, record_type, ref, by_key[key]


def _plan_data(work: Plan) -> dict[str, Any]:
    return {
        "summary": work.summary.to_dict(),
        "policy_version_id": work.policy_version_id,
        "previous": work.previous,
        "review": work.review,
        "decisions": [d for _t, _k, d in work.decide],
    }


def apply_in_batches(ctx: Any) -> dict[str, Any]:
    """The apply as a job (``sphere.jobs``), in short transactions so that writers (and,
    on SQLite, every page) are never held up for long:

    1. decide every group in a read-only unit of work; 2. activate the draft (one short
    transaction, with the plan as the checkpoint); 3. list the records to change into
    ``job_items``, streamed from one read in chunks of 5,000, each chunk its own short
    transaction (a resumed listing starts over); 4. batches of ``BATCH`` items, each
    with its checkpoint. A resumed job continues at the stage and item it reached; every
    stage uses the moment the plan was made, so group keys (consent states at that
    moment) select the same records."""
    from sphere.cockpit.whatif import make_draft

    job, actor = ctx.job, ctx.job.created_by
    point = dict(job.checkpoint)
    if "plan" not in point:
        now = ctx.now
        with ctx.read_session() as session:
            draft = make_draft(session, yaml=ctx.params.get("yaml"),
                               disable_rule=ctx.params.get("disable_rule"))  # fmt: skip
            expected = ctx.params.get("expected_hash")
            if expected and draft.content_hash != expected:
                raise InvalidInput(
                    "the draft differs from the one previewed; run the what-if again"
                )
            summary, delete, decide, review, previous = decide_plan(
                session, ctx.keyring, draft, now=now, progress=ctx.progress
            )
        with ctx.session() as session:
            stored = apply_policy(session, draft, actor=actor, at=now)
            work = Plan(summary, stored.id, previous, delete, decide, review)
            point = {
                "plan": {**_plan_data(work), "delete": delete, "decide": decide},
                "now": now.isoformat(),
                "stage": "listing",
                "after": 0,
                "total": 0,
                "counts": _counts(),
            }
            ctx.checkpoint(session, point, done=0)
    now = datetime.fromisoformat(point["now"])
    if point["stage"] == "listing":
        point = _list_items(ctx, point, now)
    plan_data, total, counts = point["plan"], point["total"], dict(point["counts"])
    decisions = [_decision(d) for d in plan_data["decisions"]]
    after = int(point["after"])
    ctx.progress(after, total, "changing stored records")
    while True:
        with ctx.session() as session:
            batch = JobRepository(session).items(job.id, after=after, limit=BATCH)
            if not batch:
                break
            for (record_type, action), ids in _grouped(batch):
                kind, _, number = action.partition(":")
                decision = decisions[int(number)] if number else None
                _work(session, ctx.keyring, kind, record_type, ids, decision, counts,
                      actor=actor, at=now)  # fmt: skip
            after = batch[-1][0]
            ctx.checkpoint(session, {**point, "after": after, "counts": counts}, done=after)
        ctx.progress(after, total, "changing stored records")
    with ctx.session() as session:
        result = _finish(session, {**plan_data, "whatif": None}, counts, actor=actor, at=now)
    data = result.to_dict()
    data["whatif"] = point["plan"]["summary"]
    return data


def _list_items(ctx: Any, point: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Stage 3: the records of the changing groups into ``job_items`` (one read per
    record type, written in chunks of ``LIST_CHUNK``, each its own short transaction)."""
    plan_data = point["plan"]
    actions = _actions(plan_data["delete"], [tuple(d) for d in plan_data["decide"]])
    with ctx.session() as session:
        JobRepository(session).delete_items(ctx.job.id)
    total = 0
    with ctx.read_session() as reading:
        for chunk in _batched(_targets(reading, actions, now=now), LIST_CHUNK):
            with ctx.session() as session:
                JobRepository(session).add_items(
                    ctx.job.id,
                    [
                        {"seq": seq, "item_type": record_type, "ref": ref, "action": action}
                        for seq, record_type, ref, action in chunk
                    ],
                )
            total = chunk[-1][0]
            ctx.progress(total, None, "listing the records to change")
    point = {**point, "stage": "changing", "total": total}
    with ctx.session() as session:
        ctx.checkpoint(session, point, done=0)
    return point


def _batched(
    items: Iterable[tuple[int, str, str, str]], size: int
) -> Iterator[list[tuple[int, str, str, str]]]:
    rest = iter(items)
    while chunk := list(islice(rest, size)):
        yield chunk


def _grouped(batch: list[tuple[int, str, str, str]]) -> Iterator[tuple[tuple[str, str], list[str]]]:
    """Consecutive items of the same type and action, as id lists."""
    current: tuple[str, str] | None = None
    ids: list[str] = []
    for _seq, item_type, ref, action in batch:
        if (item_type, action) != current:
            if ids and current is not None:
                yield current, ids
            current, ids = (item_type, action), []
        ids.append(ref)
    if ids and current is not None:
        yield current, ids
