"""Structured difference between two policies (pure; used by ``sphere policy diff``).

Besides the textual changes (purposes and rules added, removed, changed), the diff
counts over the whole fact space how many combinations of facts get a different
OUTCOME, grouped by the pair (old deciding rule, new deciding rule). That number is
the honest size of a change: moving one rule can change thousands of cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from sphere.policy.engine import Policy

_OUTCOME_CODES = (
    "allow",
    "allow_with_duties",
    "anonymise",
    "needs_consent",
    "needs_review",
    "deny",
)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed field; ``old``/``new`` are plain JSON-able values (None = absent)."""

    field: str
    old: object
    new: object


@dataclass(frozen=True, slots=True)
class PurposeChange:
    purpose: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class RuleChange:
    """A rule present in both policies whose fields or position changed."""

    rule_id: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class OutcomeShift:
    """``cells`` fact combinations decided by ``old_rule`` are now decided by ``new_rule``
    with a different outcome."""

    old_rule: str
    new_rule: str
    old_outcome: str
    new_outcome: str
    cells: int


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    old_version: str
    new_version: str
    old_hash: str
    new_hash: str
    purposes_added: tuple[str, ...]
    purposes_removed: tuple[str, ...]
    purposes_changed: tuple[PurposeChange, ...]
    rules_added: tuple[str, ...]
    rules_removed: tuple[str, ...]
    rules_changed: tuple[RuleChange, ...]
    outcome_shifts: tuple[OutcomeShift, ...]
    cells_changed: int
    cells_total: int

    @property
    def is_empty(self) -> bool:
        """True when the two policies decide every case the same way and read the same."""
        return self.old_hash == self.new_hash

    def to_dict(self) -> dict[str, object]:
        def fields(changes: tuple[FieldChange, ...]) -> list[dict[str, object]]:
            return [{"field": c.field, "old": c.old, "new": c.new} for c in changes]

        return {
            "old": {"version": self.old_version, "hash": self.old_hash},
            "new": {"version": self.new_version, "hash": self.new_hash},
            "purposes": {
                "added": list(self.purposes_added),
                "removed": list(self.purposes_removed),
                "changed": [
                    {"purpose": c.purpose, "changes": fields(c.changes)}
                    for c in self.purposes_changed
                ],
            },
            "rules": {
                "added": list(self.rules_added),
                "removed": list(self.rules_removed),
                "changed": [
                    {"rule_id": c.rule_id, "changes": fields(c.changes)} for c in self.rules_changed
                ],
            },
            "outcome_shifts": [
                {
                    "old_rule": s.old_rule,
                    "new_rule": s.new_rule,
                    "old_outcome": s.old_outcome,
                    "new_outcome": s.new_outcome,
                    "cells": s.cells,
                }
                for s in self.outcome_shifts
            ],
            "cells_changed": self.cells_changed,
            "cells_total": self.cells_total,
        }


def _field_changes(old: dict[str, object], new: dict[str, object]) -> tuple[FieldChange, ...]:
    keys = list(dict.fromkeys([*old, *new]))
    return tuple(
        FieldChange(key, old.get(key), new.get(key)) for key in keys if old.get(key) != new.get(key)
    )


def _rule_outcome_codes(policy: Policy) -> np.ndarray:
    outcomes = [policy.rule(rule_id).outcome.value for rule_id in policy.rule_ids()]
    return np.array([_OUTCOME_CODES.index(o) for o in outcomes], dtype=np.int8)


def outcome_shifts(old: Policy, new: Policy) -> tuple[OutcomeShift, ...]:
    """Per (old rule, new rule) pair, how many fact combinations change outcome."""
    old_table = old.rule_table().ravel()
    new_table = new.rule_table().ravel()
    changed = _rule_outcome_codes(old)[old_table] != _rule_outcome_codes(new)[new_table]
    width = len(new.rule_ids())
    pairs = old_table[changed].astype(np.int64) * width + new_table[changed]
    counts = np.bincount(pairs, minlength=len(old.rule_ids()) * width)
    old_ids, new_ids = old.rule_ids(), new.rule_ids()
    shifts = []
    for pair in np.flatnonzero(counts).tolist():
        o, n = divmod(pair, width)
        shifts.append(
            OutcomeShift(
                old_rule=old_ids[o],
                new_rule=new_ids[n],
                old_outcome=old.rule(old_ids[o]).outcome.value,
                new_outcome=new.rule(new_ids[n]).outcome.value,
                cells=int(counts[pair]),
            )
        )
    shifts.sort(key=lambda s: (-s.cells, s.old_rule, s.new_rule))
    return tuple(shifts)


def diff_policies(old: Policy, new: Policy) -> PolicyDiff:
    """What changes from ``old`` to ``new``: declarations, rules and decided outcomes."""
    old_purposes = {p.value: spec.to_dict() for p, spec in old.purposes.items()}
    new_purposes = {p.value: spec.to_dict() for p, spec in new.purposes.items()}
    purposes_changed = tuple(
        PurposeChange(name, changes)
        for name in old_purposes
        if name in new_purposes
        and (changes := _field_changes(old_purposes[name], new_purposes[name]))
    )

    old_rules = {r.id: (i, r.to_dict()) for i, r in enumerate(old.rules)}
    new_rules = {r.id: (i, r.to_dict()) for i, r in enumerate(new.rules)}
    kept_old = [rid for rid in old_rules if rid in new_rules]
    kept_new = [rid for rid in new_rules if rid in old_rules]
    # a rule "moved" when it is outside the longest common order of the shared rules,
    # so moving one rule reports that one rule, not every rule it passed
    matcher = SequenceMatcher(a=kept_old, b=kept_new, autojunk=False)
    in_order = {kept_old[b.a + i] for b in matcher.get_matching_blocks() for i in range(b.size)}
    rules_changed = []
    for rid in kept_old:
        changes = list(_field_changes(old_rules[rid][1], new_rules[rid][1]))
        if rid not in in_order:
            changes.append(FieldChange("position", old_rules[rid][0] + 1, new_rules[rid][0] + 1))
        if changes:
            rules_changed.append(RuleChange(rid, tuple(changes)))

    shifts = outcome_shifts(old, new)
    return PolicyDiff(
        old_version=old.version,
        new_version=new.version,
        old_hash=old.content_hash,
        new_hash=new.content_hash,
        purposes_added=tuple(p for p in new_purposes if p not in old_purposes),
        purposes_removed=tuple(p for p in old_purposes if p not in new_purposes),
        purposes_changed=purposes_changed,
        rules_added=tuple(r for r in new_rules if r not in old_rules),
        rules_removed=tuple(r for r in old_rules if r not in new_rules),
        rules_changed=tuple(rules_changed),
        outcome_shifts=shifts,
        cells_changed=sum(s.cells for s in shifts),
        cells_total=old.table_size,
    )
