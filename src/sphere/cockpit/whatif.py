"""What-if over stored data, and applying a policy with re-evaluation.

Nothing is decided per record: stored records are grouped by their distinct fact
combinations in SQL (``cockpit.stored_facts`` over ``storage.repositories.fact_groups``;
a million records are a few hundred groups), each group is decided once under the
policy in force and once under the draft, and counts and contacts are joined back in
SQL. Campaigns are judged per group of recipients the same way (``marketing.dry_run``).
Applying runs in committed batches (``cockpit.apply``).

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

import functools
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy.orm import Session

from sphere.cockpit.stored_facts import Progress, RecordFacts, facts_dict, stored_record_facts
from sphere.errors import InvalidInput, NotFound
from sphere.governance.policy_versions import active_policy
from sphere.marketing.campaigns import TIMING_CODES, list_campaigns
from sphere.marketing.dry_run import GroupVerdict, campaign_groups, judge_groups
from sphere.marketing.planning import Verdict
from sphere.policy import Policy, PolicyDiff, diff_policies, load_policy_text
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.fact_groups import (
    FactPairs,
    distinct_contacts,
    fact_pairs,
    group_examples,
)
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
    # contacts some of whose records would be deleted (records of authors known only by
    # a pseudonym count in ``no_longer_stored``, not here): the apply's confirmation
    deleted_contacts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "new_hash": self.new_hash,
            "records": self.records,
            "changed": self.changed,
            "no_longer_stored": self.no_longer_stored,
            "contacts_affected": self.contacts_affected,
            "deleted_contacts": self.deleted_contacts,
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
    campaigns_changed: int
    whatif: StoredWhatIf | None  # None when applied by a job (its plan holds the summary)

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_version_id": self.policy_version_id,
            "version": self.version,
            "deleted_interactions": self.deleted_interactions,
            "deleted_events": self.deleted_events,
            "derived_removed": self.derived_removed,
            "decisions_appended": self.decisions_appended,
            "contacts_to_review": self.contacts_to_review,
            "campaigns_changed": self.campaigns_changed,
            "whatif": self.whatif.to_dict() if self.whatif else None,
        }


# -- drafts -------------------------------------------------------------------------
def draft_from_yaml(text: str, *, source: str = "<draft>") -> Policy:
    """Load a draft; a broken one raises ``PolicyError`` with file, line and column."""
    return load_policy_text(text, source=source)


def make_draft(session: Session, *, yaml: str | None, disable_rule: str | None) -> Policy:
    """Exactly one of: a YAML draft, or the policy in force with one rule switched off."""
    if bool(yaml and yaml.strip()) == bool(disable_rule):
        raise InvalidInput("give either a policy draft (yaml) or a rule to switch off")
    if disable_rule:
        return draft_without_rule(active_policy(session), disable_rule)
    return draft_from_yaml(yaml or "", source="<draft>")


def draft_without_rule(policy: Policy, rule_id: str) -> Policy:
    """``policy`` with rule ``rule_id`` switched off (removed), as a loadable YAML draft.

    Example: switching off ``customer-care.addressed`` models a ruling that legitimate
    interest no longer covers answering public posts. The version gets a ``-no-<rule>``
    suffix (cut to 64 characters) so the stored history says what changed.
    """
    if rule_id not in {r.id for r in policy.rules}:
        raise NotFound(f"rule {rule_id!r} is not in policy version {policy.version}")
    return _without_rule(policy, policy.content_hash, rule_id)


@functools.lru_cache(maxsize=16)
def _without_rule(policy: Policy, content_hash: str, rule_id: str) -> Policy:
    """Memo of ``draft_without_rule`` (writing the YAML costs more than the what-if of a
    small store; the preview and the apply ask for the same draft)."""
    del content_hash  # part of the cache key: two loads of one text compare equal by it
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
Changed = list[tuple[RecordFacts, Any, Any]]


def _evaluate(
    items: list[RecordFacts], old: Policy, new: Policy
) -> tuple[Changed, dict[tuple[str, str], Shift]]:
    """Decide every group under both policies; a group counts with its size."""
    changed: Changed = []
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
        shift.count += item.records
        shift.by_type[item.record_type] = shift.by_type.get(item.record_type, 0) + item.records
        if len(shift.examples) < MAX_EXAMPLES:
            shift.examples.append(Example(item.record_type, item.id, facts_dict(item.facts)))
    return changed, shifts


def _more_examples(
    session: Session, changed: Changed, shifts: dict[tuple[str, str], Shift], now: datetime
) -> None:
    """A shift of fewer than ``MAX_EXAMPLES`` groups gets more examples from its first
    group (one query per such shift, not per record)."""
    first: dict[tuple[str, str], RecordFacts] = {}
    for item, before, after in changed:
        first.setdefault((before.decision.rule_id, after.decision.rule_id), item)
    for key, shift in shifts.items():
        item = first[key]
        if len(shift.examples) >= MAX_EXAMPLES or item.records < 2:
            continue
        known = {e.record_id for e in shift.examples}
        for record_id in group_examples(
            session, item.record_type, item.key, now=now, limit=MAX_EXAMPLES
        ):
            if record_id not in known and len(shift.examples) < MAX_EXAMPLES:
                shift.examples.append(Example(item.record_type, record_id, facts_dict(item.facts)))


def _outcome(verdicts: list[GroupVerdict]) -> tuple[Verdict, int, int]:
    """The campaign's outcome as the planning check names it, how many it reaches (a
    recipient held back only by quiet hours or the frequency cap counts as reached, as
    in the dry run's audience) and the audience size."""
    total = sum(v.group.count for v in verdicts)
    reached = sum(
        v.group.count for v in verdicts if v.verdict.allowed or v.verdict.code in TIMING_CODES
    )
    if total and reached == total:
        return Verdict.CAN_RUN, reached, total
    return (Verdict.CAN_RUN_FOR_SUBSET if reached else Verdict.MUST_NOT_RUN), reached, total


def campaign_shifts(
    session: Session, keyring: Keyring, current: Policy, draft: Policy, *, now: datetime
) -> tuple[int, list[CampaignShift]]:
    """(campaigns checked, the ones whose recipients ``draft`` judges differently) —
    per group of recipients sharing their facts (grouped once), under both policies."""
    del keyring
    repo = MarketingRepository(session)
    checked = 0
    shifts: list[CampaignShift] = []
    for record in list_campaigns(session):
        measure = repo.get_measure(record.measure_id)
        if record.state == "refused" or measure.state != "approved":
            continue  # never sent, whatever the policy
        checked += 1
        groups, _ = campaign_groups(session, record, measure, now=now)
        before = judge_groups(groups, current, record, measure, now=now)
        after = judge_groups(groups, draft, record, measure, now=now)
        new = {v.group.key: v.verdict for v in after}
        affected = 0
        codes: dict[str, int] = {}
        for old in before:
            now_verdict = new[old.group.key]
            if (old.verdict.allowed, old.verdict.code) != (now_verdict.allowed, now_verdict.code):
                affected += old.group.count
                codes[now_verdict.code] = codes.get(now_verdict.code, 0) + old.group.count
        if not affected:
            continue
        (old_outcome, old_reached, total), (new_outcome, new_reached, _) = (
            _outcome(before),
            _outcome(after),
        )
        shifts.append(
            CampaignShift(
                campaign_id=record.id,
                name=record.name,
                state=record.state,
                audience=total,
                old_outcome=old_outcome.value,
                new_outcome=new_outcome.value,
                old_reached=old_reached,
                new_reached=new_reached,
                recipients_affected=affected,
                new_codes=codes,
            )
        )
    shifts.sort(key=lambda c: (-c.recipients_affected, c.name))
    return checked, shifts


def what_if(
    session: Session,
    keyring: Keyring,
    draft: Policy,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> StoredWhatIf:
    """How ``draft`` would decide the stored data, compared with the policy in force."""
    current = active_policy(session)
    with fact_pairs(session, now=now) as pairs:
        items = list(
            stored_record_facts(
                session, keyring, policy_in_force=current, now=now, progress=progress, pairs=pairs
            )
        )
        if progress is not None:
            progress(3, 4, f"judging the campaigns ({len(items)} record groups decided)")
        campaigns = campaign_shifts(session, keyring, current, draft, now=now)
        return summarise(session, items, current, draft, campaigns, now=now, pairs=pairs)


def summarise(
    session: Session,
    items: list[RecordFacts],
    current: Policy,
    draft: Policy,
    campaigns: tuple[int, list[CampaignShift]],
    *,
    now: datetime,
    pairs: FactPairs | None = None,
) -> StoredWhatIf:
    changed, shifts = _evaluate(items, current, draft)
    _more_examples(session, changed, shifts, now)
    diff = diff_policies(current, draft)
    activities = {
        p
        for item, before, after in changed
        for p in (before.decision.purpose.value, after.decision.purpose.value)
    }
    activities |= set(diff.purposes_added) | set(diff.purposes_removed)
    activities |= {c.purpose for c in diff.purposes_changed}
    keys: dict[str, list[str]] = {}
    deleted: dict[str, list[str]] = {}
    for item, before, after in changed:
        keys.setdefault(item.record_type, []).append(item.key)
        if before.stores and not after.stores:
            deleted.setdefault(item.record_type, []).append(item.key)

    def contacts_of(groups: dict[str, list[str]]) -> int:
        return distinct_contacts(session, groups.items(), now=now)

    if pairs is not None:  # both figures from one pass over the pairs
        affected, deleted_contacts = pairs.distinct_contacts_each([keys, deleted])
    else:
        affected = contacts_of(keys)
        deleted_contacts = contacts_of(deleted) if deleted else 0

    return StoredWhatIf(
        old_version=current.version,
        new_version=draft.version,
        new_hash=draft.content_hash,
        records=sum(i.records for i in items),
        changed=sum(i.records for i, _, _ in changed),
        no_longer_stored=sum(i.records for i, b, a in changed if b.stores and not a.stores),
        contacts_affected=affected,
        deleted_contacts=deleted_contacts,
        activities_affected=tuple(sorted(activities)),
        not_reproduced=sum(i.records for i in items if not i.reproduced),
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
    """Activate ``draft`` and re-evaluate stored data in the caller's transaction (the
    cockpit and ``sphere policy apply`` run ``cockpit.apply`` as a batched job)."""
    from sphere.cockpit.apply import apply_now

    return apply_now(session, keyring, draft, actor=actor, now=now)
