"""What-if over stored data, and applying a policy with re-evaluation.

``draft_from_yaml`` / ``draft_without_rule`` make a draft; ``what_if`` decides every
stored record (interactions, events, imported contacts; see ``stored_facts``) under the
policy in force and under the draft and reports — before anything changes — how many
records, contacts and activities change outcome, per (old rule → new rule) pair, with
a few examples whose facts are enum values only (never content).

``apply_draft`` then does it in the caller's transaction: the draft becomes the active
policy version (``governance.policy_versions.apply_policy``, audited
``policy.applied``), every interaction or event the draft no longer lets the company
keep is deleted with everything derived from it (``pipeline.cascade``, audited per
record), a changed decision for a record that stays is appended to the decision log,
and one ``policy.reevaluated`` entry sums it up. Imported contacts whose import would
now be refused are not erased automatically (contract data; erasure is a data-subject
right with its own procedure): they are counted as ``contacts_to_review``.

Campaigns: every stored campaign that can still be sent (not ``refused``, measure
approved) is judged as its dry run would judge it — ``marketing.campaigns.preview``, the
same send-time check per recipient (``check_recipient``: policy, consent, objection,
channel, UWG) — once under the policy in force and once under the draft. A campaign
changes outcome when any recipient's verdict changes (a measure, purpose or legal basis
the draft no longer permits shows up as every recipient refused). ``campaigns`` counts
them; ``campaign_shifts`` names them with old → new outcome (``can_run``,
``can_run_for_subset``, ``must_not_run``) and the recipients affected. Applying a draft
changes nothing on campaigns: every send is checked again at send time under the
policy then in force, so the ``policy.reevaluated`` entry only records the count.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.cockpit.stored_facts import RecordFacts, facts_dict, stored_record_facts
from sphere.domain import Channel
from sphere.errors import InvalidInput, NotFound
from sphere.governance.policy_versions import active_policy, apply_policy
from sphere.marketing.campaigns import TIMING_CODES, RecipientLine, list_campaigns, preview
from sphere.marketing.planning import Verdict
from sphere.pipeline.cascade import delete_interaction
from sphere.policy import Policy, PolicyDiff, diff_policies, load_policy_text
from sphere.storage.crypto import Keyring
from sphere.storage.entities import SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.marketing import MarketingRepository

MAX_EXAMPLES = 3
MAX_CAMPAIGN_EXAMPLES = 20
MAX_VERSION = 64


@dataclass(frozen=True, slots=True)
class Example:
    record_type: str
    record_id: str
    facts: dict[str, object]


@dataclass(slots=True)
class Shift:
    """Records decided by ``old_rule`` that ``new_rule`` decides with another outcome."""

    old_rule: str
    new_rule: str
    old_outcome: str
    new_outcome: str
    no_longer_stored: bool
    count: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_rule": self.old_rule,
            "new_rule": self.new_rule,
            "old_outcome": self.old_outcome,
            "new_outcome": self.new_outcome,
            "no_longer_stored": self.no_longer_stored,
            "count": self.count,
            "by_type": dict(sorted(self.by_type.items())),
            "examples": [
                {"record_type": e.record_type, "record_id": e.record_id, "facts": e.facts}
                for e in self.examples
            ],
        }


@dataclass(frozen=True, slots=True)
class CampaignShift:
    """A stored campaign whose recipients the draft judges differently (ids, counts and
    codes only; the name is the campaign's, chosen by staff)."""

    campaign_id: str
    name: str
    state: str
    audience: int
    old_outcome: str  # planning verdict: can_run | can_run_for_subset | must_not_run
    new_outcome: str
    old_reached: int
    new_reached: int
    recipients_affected: int
    new_codes: dict[str, int]  # the draft's verdict codes for the affected recipients

    def to_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "name": self.name,
            "state": self.state,
            "audience": self.audience,
            "old_outcome": self.old_outcome,
            "new_outcome": self.new_outcome,
            "old_reached": self.old_reached,
            "new_reached": self.new_reached,
            "recipients_affected": self.recipients_affected,
            "new_codes": dict(sorted(self.new_codes.items())),
        }


@dataclass(frozen=True, slots=True)
class StoredWhatIf:
    old_version: str
    new_version: str
    new_hash: str
    records: int
    changed: int
    no_longer_stored: int
    contacts_affected: int
    activities_affected: tuple[str, ...]
    not_reproduced: int  # records whose stored decision the rebuilt facts do not reproduce
    shifts: tuple[Shift, ...]
    diff: PolicyDiff
    campaigns: int = 0  # stored campaigns whose outcome changes
    campaigns_checked: int = 0  # stored campaigns that can still be sent
    campaign_shifts: tuple[CampaignShift, ...] = ()  # at most MAX_CAMPAIGN_EXAMPLES

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "new_hash": self.new_hash,
            "records": self.records,
            "changed": self.changed,
            "no_longer_stored": self.no_longer_stored,
            "contacts_affected": self.contacts_affected,
            "activities_affected": list(self.activities_affected),
            "campaigns": self.campaigns,
            "campaigns_checked": self.campaigns_checked,
            "campaign_shifts": [c.to_dict() for c in self.campaign_shifts],
            "not_reproduced": self.not_reproduced,
            "shifts": [s.to_dict() for s in self.shifts],
            "diff": self.diff.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class ApplyResult:
    policy_version_id: str
    version: str
    deleted_interactions: int
    deleted_events: int
    derived_removed: int
    decisions_appended: int
    contacts_to_review: int
    whatif: StoredWhatIf

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_version_id": self.policy_version_id,
            "version": self.version,
            "deleted_interactions": self.deleted_interactions,
            "deleted_events": self.deleted_events,
            "derived_removed": self.derived_removed,
            "decisions_appended": self.decisions_appended,
            "contacts_to_review": self.contacts_to_review,
            "campaigns_changed": self.whatif.campaigns,
            "whatif": self.whatif.to_dict(),
        }


# -- drafts -------------------------------------------------------------------------
def draft_from_yaml(text: str, *, source: str = "<draft>") -> Policy:
    """Load a draft; a broken one raises ``PolicyError`` with file, line and column."""
    return load_policy_text(text, source=source)


def draft_without_rule(policy: Policy, rule_id: str) -> Policy:
    """``policy`` with rule ``rule_id`` switched off (removed), as a loadable YAML draft.

    Example: switching off ``customer-care.addressed`` models a ruling that legitimate
    interest no longer covers answering public posts. The version gets a ``-no-<rule>``
    suffix (cut to 64 characters) so the stored history says what changed.
    """
    if rule_id not in {r.id for r in policy.rules}:
        raise NotFound(f"rule {rule_id!r} is not in policy version {policy.version}")
    data = policy.to_dict()
    data["rules"] = [r for r in data["rules"] if r["id"] != rule_id]  # type: ignore[union-attr]
    if not data["rules"]:
        raise InvalidInput("a policy needs at least one rule")
    data["version"] = f"{policy.version}-no-{rule_id}"[:MAX_VERSION]
    yaml = YAML()
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return load_policy_text(buffer.getvalue(), source=f"<{policy.version} without {rule_id}>")


# -- what-if ------------------------------------------------------------------------
def _evaluate(
    items: list[RecordFacts], old: Policy, new: Policy
) -> tuple[list[tuple[RecordFacts, Any, Any]], dict[tuple[str, str], Shift]]:
    changed: list[tuple[RecordFacts, Any, Any]] = []
    shifts: dict[tuple[str, str], Shift] = {}
    for item in items:
        before, after = item.decide(old), item.decide(new)
        if before.decision.outcome is after.decision.outcome and before.stores == after.stores:
            continue
        changed.append((item, before, after))
        key = (before.decision.rule_id, after.decision.rule_id)
        shift = shifts.get(key)
        if shift is None:
            shift = shifts[key] = Shift(
                old_rule=key[0],
                new_rule=key[1],
                old_outcome=before.decision.outcome.value,
                new_outcome=after.decision.outcome.value,
                no_longer_stored=before.stores and not after.stores,
            )
        shift.count += 1
        shift.by_type[item.record_type] = shift.by_type.get(item.record_type, 0) + 1
        if len(shift.examples) < MAX_EXAMPLES:
            shift.examples.append(Example(item.record_type, item.id, facts_dict(item.facts)))
    return changed, shifts


def _outcome(lines: tuple[RecipientLine, ...]) -> tuple[Verdict, int]:
    """The campaign's outcome as the planning check names it, and how many it reaches
    (a recipient held back only by quiet hours or the frequency cap counts as reached,
    as in the dry run's audience)."""
    reached = sum(1 for line in lines if line.allowed or line.code in TIMING_CODES)
    if lines and reached == len(lines):
        return Verdict.CAN_RUN, reached
    return (Verdict.CAN_RUN_FOR_SUBSET if reached else Verdict.MUST_NOT_RUN), reached


def campaign_shifts(
    session: Session, keyring: Keyring, current: Policy, draft: Policy, *, now: datetime
) -> tuple[int, list[CampaignShift]]:
    """(campaigns checked, the ones whose recipients ``draft`` judges differently)."""
    repo = MarketingRepository(session)
    checked = 0
    shifts: list[CampaignShift] = []
    for record in list_campaigns(session):
        if record.state == "refused" or repo.get_measure(record.measure_id).state != "approved":
            continue  # never sent, whatever the policy
        checked += 1
        before = preview(session, keyring, current, record.id, now=now).lines
        after = preview(session, keyring, draft, record.id, now=now).lines
        new = {line.contact_id: line for line in after}
        affected = [
            new[line.contact_id]
            for line in before
            if (line.allowed, line.code)
            != (new[line.contact_id].allowed, new[line.contact_id].code)
        ]
        if not affected:
            continue
        (old_outcome, old_reached), (new_outcome, new_reached) = _outcome(before), _outcome(after)
        codes: dict[str, int] = {}
        for line in affected:
            codes[line.code] = codes.get(line.code, 0) + 1
        shifts.append(
            CampaignShift(
                campaign_id=record.id,
                name=record.name,
                state=record.state,
                audience=len(before),
                old_outcome=old_outcome.value,
                new_outcome=new_outcome.value,
                old_reached=old_reached,
                new_reached=new_reached,
                recipients_affected=len(affected),
                new_codes=codes,
            )
        )
    shifts.sort(key=lambda c: (-c.recipients_affected, c.name))
    return checked, shifts


def what_if(session: Session, keyring: Keyring, draft: Policy, *, now: datetime) -> StoredWhatIf:
    """How ``draft`` would decide the stored data, compared with the policy in force."""
    current = active_policy(session)
    items = list(stored_record_facts(session, keyring, policy_in_force=current, now=now))
    campaigns = campaign_shifts(session, keyring, current, draft, now=now)
    return _summarise(items, current, draft, campaigns)


def _summarise(
    items: list[RecordFacts],
    current: Policy,
    draft: Policy,
    campaigns: tuple[int, list[CampaignShift]],
) -> StoredWhatIf:
    changed, shifts = _evaluate(items, current, draft)
    diff = diff_policies(current, draft)
    activities = {
        p
        for item, before, after in changed
        for p in (before.decision.purpose.value, after.decision.purpose.value)
    }
    activities |= set(diff.purposes_added) | set(diff.purposes_removed)
    activities |= {c.purpose for c in diff.purposes_changed}
    return StoredWhatIf(
        old_version=current.version,
        new_version=draft.version,
        new_hash=draft.content_hash,
        records=len(items),
        changed=len(changed),
        no_longer_stored=sum(1 for _, b, a in changed if b.stores and not a.stores),
        contacts_affected=len({i.contact_id for i, _, _ in changed if i.contact_id}),
        activities_affected=tuple(sorted(activities)),
        not_reproduced=sum(1 for i in items if not i.reproduced),
        shifts=tuple(sorted(shifts.values(), key=lambda s: (-s.count, s.old_rule, s.new_rule))),
        diff=diff,
        campaigns=len(campaigns[1]),
        campaigns_checked=campaigns[0],
        campaign_shifts=tuple(campaigns[1][:MAX_CAMPAIGN_EXAMPLES]),
    )


# -- apply --------------------------------------------------------------------------
def apply_draft(
    session: Session, keyring: Keyring, draft: Policy, *, actor: str, now: datetime
) -> ApplyResult:
    """Activate ``draft`` and re-evaluate stored data (see module docstring)."""
    current = active_policy(session)
    items = list(stored_record_facts(session, keyring, policy_in_force=current, now=now))
    # Campaigns are judged before anything is deleted; nothing on them changes (each send
    # is checked again at send time), the count goes into the audit summary.
    campaigns = campaign_shifts(session, keyring, current, draft, now=now)
    summary = _summarise(items, current, draft, campaigns)
    stored = apply_policy(session, draft, actor=actor, at=now)
    interactions = InteractionRepository(session, keyring)
    events = EventRepository(session, keyring)
    attributes = AttributeRepository(session, keyring)
    decisions = DecisionRepository(session)
    deleted_interactions = deleted_events = derived_removed = appended = review = 0
    changed, _ = _evaluate(items, current, draft)
    for item, _before, after in changed:
        if item.record_type == "contact":
            if not after.stores:
                review += 1
            continue
        if not after.stores:
            if item.record_type == "interaction":
                interaction = interactions.get(item.id)
                derived_removed += len(
                    delete_interaction(
                        session,
                        keyring,
                        interaction,
                        actor=actor,
                        reason_code="policy_reevaluation",
                        at=now,
                    )
                )
                deleted_interactions += 1
            else:
                event = events.get(item.id)
                derived = attributes.dependents_of([SourceRef(SourceType.EVENT, event.id)])
                attributes.delete(derived)
                events.delete([event.id])
                audit(
                    session,
                    actor=actor,
                    action="event.deleted",
                    subject_id=event.contact_id or event.key_id,
                    object_ids=(event.id, *derived),
                    details={"reason": "policy_reevaluation", "derived_removed": len(derived)},
                    at=now,
                )
                derived_removed += len(derived)
                deleted_events += 1
            continue
        record_ref = _record_ref(session, keyring, item)
        decisions.append(
            after.decision,
            record_type=item.record_type,
            record_ref=record_ref,
            contact_id=item.contact_id,
            at=now,
        )
        appended += 1
    audit(
        session,
        actor=actor,
        action="policy.reevaluated",
        object_ids=(stored.id,),
        details={
            "version": draft.version,
            "previous": current.version,
            "records": summary.records,
            "changed": summary.changed,
            "deleted_interactions": deleted_interactions,
            "deleted_events": deleted_events,
            "derived_removed": derived_removed,
            "decisions_appended": appended,
            "contacts_to_review": review,
            "campaigns_checked": summary.campaigns_checked,
            "campaigns_changed": summary.campaigns,
        },
        at=now,
    )
    return ApplyResult(
        policy_version_id=stored.id,
        version=draft.version,
        deleted_interactions=deleted_interactions,
        deleted_events=deleted_events,
        derived_removed=derived_removed,
        decisions_appended=appended,
        contacts_to_review=review,
        whatif=summary,
    )


def _record_ref(session: Session, keyring: Keyring, item: RecordFacts) -> str:
    """The decision log's reference for a record, as the pipeline wrote it."""
    if item.record_type == "interaction":
        found = InteractionRepository(session, keyring).get(item.id)
        return f"{found.channel.value}:{found.source_id}"
    event = EventRepository(session, keyring).get(item.id)
    channel = event.channel.value if isinstance(event.channel, Channel) else str(event.channel)
    return f"{channel}:{event.source_id}"
