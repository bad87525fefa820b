"""What-if: how would a new policy decide the cases an old one decided? (pure)

The cockpit feeds the facts of stored records through ``compare_outcomes`` before a
policy change is applied; the result counts changed outcomes per (old rule, new rule)
pair and keeps a few example facts for each (facts are enum values, never personal
data, so examples are safe to show).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sphere.domain import Facts, Outcome
from sphere.policy.engine import Policy


@dataclass(frozen=True, slots=True)
class WhatIfShift:
    old_rule: str
    new_rule: str
    old_outcome: Outcome
    new_outcome: Outcome
    count: int
    examples: tuple[Facts, ...]


@dataclass(frozen=True, slots=True)
class WhatIf:
    """``changed`` of ``total`` evaluated facts get another outcome under the new policy."""

    total: int
    changed: int
    shifts: tuple[WhatIfShift, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "changed": self.changed,
            "shifts": [
                {
                    "old_rule": s.old_rule,
                    "new_rule": s.new_rule,
                    "old_outcome": s.old_outcome.value,
                    "new_outcome": s.new_outcome.value,
                    "count": s.count,
                    "examples": [_facts_dict(f) for f in s.examples],
                }
                for s in self.shifts
            ],
        }


def _facts_dict(facts: Facts) -> dict[str, object]:
    return {
        name: value if isinstance(value, bool) else str(value)
        for name, value in ((n, getattr(facts, n)) for n in Facts.__slots__)
    }


def compare_outcomes(
    old: Policy, new: Policy, facts: Iterable[Facts], *, examples: int = 3
) -> WhatIf:
    """Evaluate every facts under both policies; count outcome changes per rule pair."""
    counts: dict[tuple[str, str], int] = {}
    samples: dict[tuple[str, str], list[Facts]] = {}
    outcomes: dict[tuple[str, str], tuple[Outcome, Outcome]] = {}
    total = 0
    old_eval, new_eval = old.evaluate, new.evaluate
    for item in facts:
        total += 1
        before, after = old_eval(item), new_eval(item)
        if before.outcome is after.outcome:
            continue
        key = (before.rule_id, after.rule_id)
        counts[key] = counts.get(key, 0) + 1
        outcomes[key] = (before.outcome, after.outcome)
        bucket = samples.setdefault(key, [])
        if len(bucket) < examples:
            bucket.append(item)
    shifts = tuple(
        WhatIfShift(
            old_rule=key[0],
            new_rule=key[1],
            old_outcome=outcomes[key][0],
            new_outcome=outcomes[key][1],
            count=count,
            examples=tuple(samples[key]),
        )
        for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return WhatIf(total=total, changed=sum(counts.values()), shifts=shifts)
