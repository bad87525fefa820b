"""Compile ordered rules into a decision per cell of the fact space.

The table is filled in reverse rule order, so that earlier rules overwrite later
ones: after the loop every cell holds the index of the FIRST rule that matches it,
or ``len(rules)`` (the fail-closed default) when none does. The same table shows
which rules can never match (they own no cell) and lets every allowed cell be
checked against the purpose's declaration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sphere.domain import ConsentState, DataCategory, Decision, LegalBasis, Outcome, Purpose
from sphere.errors import PolicyError
from sphere.policy.model import PERMITTING, PROCESSING, PurposeSpec, Rule, SourceMarks
from sphere.policy.space import AXES, SHAPE

DEFAULT_RULE = Rule(
    id="default.fail-closed",
    outcome=Outcome.NEEDS_REVIEW,
    reason=(
        "No rule of the policy covers this case for purpose '{purpose}'; "
        "a data-protection officer must decide (fail closed)."
    ),
    article="GDPR Art. 5(2), Art. 24",
)

_PURPOSES = AXES[0].values
_CATEGORIES = AXES[4].values
_CONSENTS = AXES[6].values
_P, _D, _K = len(_PURPOSES), len(_CATEGORIES), len(_CONSENTS)


@dataclass(frozen=True, slots=True)
class Compiled:
    """``rule_table[cell]`` is the winning rule index; ``cells[flat]`` its Decision."""

    rule_table: npt.NDArray[np.int16]
    cells: list[Decision]


def _region(rule: Rule) -> tuple[object, ...]:
    """An index into the table selecting every cell the rule's conditions match."""
    constrained = [
        (i, [axis.index_of(v) for v in values])
        for i, axis in enumerate(AXES)
        if (values := rule.condition(axis.name)) is not None
    ]
    index: list[object] = [slice(None)] * len(AXES)
    if constrained:
        grids = np.ix_(*(positions for _, positions in constrained))
        for (i, _), grid in zip(constrained, grids, strict=True):
            index[i] = grid
    return tuple(index)


def _fail(marks: SourceMarks, message: str, *keys: str) -> PolicyError:
    where = marks.at(*keys, "id")
    line, column = where if where is not None else (None, None)
    return PolicyError(message, file=marks.file, line=line, column=column)


def fill_table(rules: Sequence[Rule]) -> npt.NDArray[np.int16]:
    """The first-match rule index of every cell (``len(rules)`` = no rule matched)."""
    table = np.full(SHAPE, len(rules), dtype=np.int16)
    for position in range(len(rules) - 1, -1, -1):
        table[_region(rules[position])] = position
    return table


def _check_reachable(rules: Sequence[Rule], table: npt.NDArray[np.int16]) -> None:
    owned = np.bincount(table.ravel(), minlength=len(rules) + 1)
    for position, rule in enumerate(rules):
        if owned[position]:
            continue
        earlier = sorted({int(i) for i in np.unique(table[_region(rule)])})
        names = ", ".join(f"'{rules[i].id}'" for i in earlier)
        raise _fail(
            rule.marks,
            f"rule '{rule.id}' can never match: every case it covers is decided "
            f"earlier by rule(s) {names}",
        )


def _basis(
    rule: Rule,
    spec: PurposeSpec | None,
    purpose: Purpose,
    category: DataCategory,
    consent: ConsentState,
) -> LegalBasis:
    """The legal basis of one permitted cell, or a load error explaining why there is none."""
    if spec is None:
        raise _fail(
            rule.marks,
            f"rule '{rule.id}' permits purpose '{purpose}', which is not declared under "
            "'purposes' (no legal basis, retention or data categories)",
            "when.purpose",
            "outcome",
        )
    if rule.outcome is Outcome.ANONYMISE:
        return spec.legal_basis
    if category not in spec.data_categories:
        raise _fail(
            rule.marks,
            f"rule '{rule.id}' allows data category '{category}' for purpose '{purpose}', "
            "whose declared data_categories do not include it",
            "when.data_category",
            "outcome",
        )
    is_special = category is DataCategory.SPECIAL_CATEGORY
    if rule.relies_on_consent:
        if not is_special:
            return LegalBasis.CONSENT
        if consent is ConsentState.EXPLICIT:
            return LegalBasis.EXPLICIT_CONSENT
        raise _fail(
            rule.marks,
            f"rule '{rule.id}' allows special-category data for purpose '{purpose}' with "
            "consent that is not explicit (GDPR Art. 9(2)(a) needs explicit consent)",
            "when.consent",
            "outcome",
        )
    if spec.legal_basis is LegalBasis.CONSENT:
        raise _fail(
            rule.marks,
            f"rule '{rule.id}' allows purpose '{purpose}', which rests on consent, without "
            "requiring consent (add consent: [given, explicit] to its conditions)",
            "when",
            "outcome",
        )
    if is_special:
        if spec.special_category_basis is None:
            raise _fail(
                rule.marks,
                f"rule '{rule.id}' allows special-category data for purpose '{purpose}' "
                "without explicit consent, and the purpose declares no "
                "special_category_basis (GDPR Art. 9(2))",
                "when.data_category",
                "outcome",
            )
        return spec.special_category_basis
    return spec.legal_basis


def compile_rules(
    purposes: Mapping[Purpose, PurposeSpec], rules: Sequence[Rule], *, version: str
) -> Compiled:
    """Compile and check ``rules``; raise ``PolicyError`` at the first problem found."""
    table = fill_table(rules)
    _check_reachable(rules, table)
    all_rules = [*rules, DEFAULT_RULE]

    shape = (len(all_rules), _P, _D, _K)
    p = np.arange(_P, dtype=np.int32).reshape((_P,) + (1,) * (len(SHAPE) - 1))
    d = np.arange(_D, dtype=np.int32).reshape((_D,) + (1,) * (len(SHAPE) - 5))
    k = np.arange(_K, dtype=np.int32).reshape((_K,) + (1,) * (len(SHAPE) - 7))
    key = ((table.astype(np.int32) * _P + p) * _D + d) * _K + k
    flat_key = key.ravel()
    used = np.flatnonzero(np.bincount(flat_key, minlength=int(np.prod(shape))))

    decisions: dict[tuple[int, Purpose, LegalBasis | None], Decision] = {}
    lookup = np.empty(int(np.prod(shape)), dtype=object)
    for combined in used.tolist():
        r, pi, di, ki = np.unravel_index(combined, shape)
        rule, purpose = all_rules[int(r)], _PURPOSES[int(pi)]
        spec = purposes.get(purpose)  # type: ignore[call-overload]
        basis = None
        if rule.outcome in PROCESSING:
            basis = _basis(rule, spec, purpose, _CATEGORIES[int(di)], _CONSENTS[int(ki)])  # type: ignore[arg-type]
        memo = (int(r), purpose, basis)  # type: ignore[assignment]
        if memo not in decisions:
            decisions[memo] = Decision(  # type: ignore[index]
                outcome=rule.outcome,
                purpose=purpose,  # type: ignore[arg-type]
                rule_id=rule.id,
                reason=rule.reason.replace("{purpose}", str(purpose)),
                policy_version=version,
                legal_basis=basis,
                article=rule.article,
                duties=rule.duties,
                retention=spec.retention if spec is not None and basis is not None else None,
            )
        lookup[combined] = decisions[memo]  # type: ignore[index]
    cells: list[Decision] = lookup[flat_key].tolist()
    return Compiled(rule_table=table, cells=cells)


__all__ = ["DEFAULT_RULE", "PERMITTING", "Compiled", "compile_rules", "fill_table"]
