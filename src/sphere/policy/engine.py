"""The policy engine: a compiled, pure ``Facts -> Decision`` function.

Combining rule (the same text is in ``policy/README.md``):

    Rules are ORDERED and the FIRST rule whose conditions all hold decides, like a
    firewall. A condition names one fact and the values it may take; a fact a rule
    does not name matches any value. When no rule matches, the decision is
    ``needs_review`` with rule id ``default.fail-closed``: the policy fails closed.

So every decision is explained by exactly one rule, and a rule that could never be
the first match (fully shadowed) is a load error. At construction the rules are
compiled into a table with one decision per combination of facts (about 740,000
cells), so ``evaluate`` is one index computation and one list lookup.

Legal basis of a decision (only for ``allow``, ``allow_with_duties`` and ``anonymise``):
a rule that only matches when consent was given rests on consent, GDPR Art. 6(1)(a),
or Art. 9(2)(a) for special categories with explicit consent; any other rule rests on
the purpose's declared basis (its ``special_category_basis`` for special categories).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from sphere.domain import Decision, Facts, Purpose
from sphere.domain.risk import DEFAULT_RISK_ACTIONS, RiskAction, RiskLevel
from sphere.errors import InvalidInput
from sphere.policy.compiler import DEFAULT_RULE, compile_rules
from sphere.policy.model import PurposeSpec, Rule
from sphere.policy.space import AXES, SIZE, offset_tables


class Policy:
    """A loaded, checked and compiled policy. Immutable; safe to share between threads.

    ``version`` is the author's version string (it goes into every Decision);
    ``content_hash`` is the sha256 of the canonical JSON of ``to_dict()``, so two
    policies with the same hash decide identically (comments and layout do not count).
    """

    __slots__ = (
        "_cells",
        "_offsets",
        "_reid_declared",
        "_rule_table",
        "content_hash",
        "purposes",
        "reidentification",
        "rules",
        "source",
        "text",
        "version",
        "warnings",
    )

    def __init__(
        self,
        *,
        version: str,
        purposes: Mapping[Purpose, PurposeSpec],
        rules: Sequence[Rule],
        source: str = "<policy>",
        text: str | None = None,
        reidentification: Mapping[RiskLevel, RiskAction] | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        self.version = version
        #: Checks a stored policy fails that were added after it was applied (it is still
        #: loaded, so the cockpit and ingestion keep working; the findings name them).
        self.warnings: tuple[str, ...] = tuple(warnings)
        #: Action per re-identification risk level for posts stored without a link to
        #: their author; levels the policy does not name keep the defaults.
        self.reidentification: dict[RiskLevel, RiskAction] = {
            **DEFAULT_RISK_ACTIONS,
            **(reidentification or {}),
        }
        self._reid_declared = dict(reidentification or {})
        self.purposes: dict[Purpose, PurposeSpec] = dict(purposes)
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.source = source
        self.text = text  # the source text as loaded, for storing a version verbatim
        compiled = compile_rules(self.purposes, self.rules, version=version)
        self._rule_table = compiled.rule_table
        self._cells = compiled.cells
        self._offsets = offset_tables()
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        self.content_hash = hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def __repr__(self) -> str:
        return (
            f"Policy(version={self.version!r}, purposes={len(self.purposes)}, "
            f"rules={len(self.rules)}, hash={self.content_hash[:12]})"
        )

    def evaluate(self, facts: Facts) -> Decision:
        """Decide one processing. Pure: the same facts always give the same Decision."""
        o = self._offsets
        try:
            return self._cells[
                o[0][facts.purpose]
                + o[1][facts.visibility]
                + o[2][facts.addressing]
                + o[3][facts.relationship]
                + o[4][facts.data_category]
                + o[5][facts.collection]
                + o[6][facts.consent]
                + o[7][facts.objection]
                + o[8][facts.provenance_recorded]
            ]
        except (KeyError, TypeError):
            raise _invalid_facts(facts) from None

    def evaluate_many(self, facts: Iterable[Facts]) -> list[Decision]:
        """``evaluate`` over many facts (same results, less per-call overhead)."""
        cells = self._cells
        o0, o1, o2, o3, o4, o5, o6, o7, o8 = self._offsets
        out: list[Decision] = []
        append = out.append
        for f in facts:
            try:
                i = (
                    o0[f.purpose]
                    + o1[f.visibility]
                    + o2[f.addressing]
                    + o3[f.relationship]
                    + o4[f.data_category]
                    + o5[f.collection]
                    + o6[f.consent]
                    + o7[f.objection]
                    + o8[f.provenance_recorded]
                )
            except (KeyError, TypeError):
                raise _invalid_facts(f) from None
            append(cells[i])
        return out

    def rule(self, rule_id: str) -> Rule:
        """The rule with ``rule_id`` (including ``default.fail-closed``)."""
        for rule in (*self.rules, DEFAULT_RULE):
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def rule_ids(self) -> tuple[str, ...]:
        """Rule ids in order, then the fail-closed default (the index space of the table)."""
        return (*(r.id for r in self.rules), DEFAULT_RULE.id)

    def rule_table(self) -> npt.NDArray[np.int16]:
        """A read-only view: for every cell of the fact space, the index of its rule."""
        view = self._rule_table.view()
        view.flags.writeable = False
        return view

    def cell_decision(self, index: int) -> Decision:
        """The Decision of the cell with flat index ``index`` (see ``space.facts_at``)."""
        return self._cells[index]

    @property
    def table_size(self) -> int:
        return SIZE

    def to_dict(self) -> dict[str, object]:
        """The policy as plain data (the YAML schema), in declaration order."""
        out: dict[str, object] = {
            "version": self.version,
            "purposes": {p.value: spec.to_dict() for p, spec in self.purposes.items()},
            "rules": [rule.to_dict() for rule in self.rules],
        }
        if self._reid_declared:  # only when declared: older policies keep their hash
            out["reidentification"] = {k.value: v.value for k, v in self._reid_declared.items()}
        return out


def _invalid_facts(facts: object) -> InvalidInput:
    """Name the fact that is not in the fact space (never its value: it may be anything)."""
    for axis, table in zip(AXES, offset_tables(), strict=True):
        try:
            value = getattr(facts, axis.name)
            if value not in table:
                return InvalidInput(f"fact '{axis.name}' has a value outside the fact space")
        except (AttributeError, TypeError):
            return InvalidInput(f"fact '{axis.name}' is missing or unhashable")
    return InvalidInput("facts are outside the fact space")
