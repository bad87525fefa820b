"""What a policy is made of: declared purposes and ordered rules (plain values).

These are built by the loader from YAML (with source positions for error messages)
or directly in code; ``sphere.policy.engine.Policy`` compiles them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sphere.domain import ConsentState, DataCategory, Duty, LegalBasis, Outcome, Purpose
from sphere.policy.space import FactValue

ART6_BASES = frozenset(
    {
        LegalBasis.CONSENT,
        LegalBasis.CONTRACT,
        LegalBasis.LEGAL_OBLIGATION,
        LegalBasis.VITAL_INTERESTS,
        LegalBasis.PUBLIC_TASK,
        LegalBasis.LEGITIMATE_INTEREST,
    }
)
ART9_BASES = frozenset(LegalBasis) - ART6_BASES
PERMITTING = frozenset({Outcome.ALLOW, Outcome.ALLOW_WITH_DUTIES})
PROCESSING = PERMITTING | {Outcome.ANONYMISE}
CONSENTING = frozenset({ConsentState.GIVEN, ConsentState.EXPLICIT})

Position = tuple[int, int]  # 1-based line and column in the policy source


@dataclass(frozen=True, slots=True)
class SourceMarks:
    """Where parts of a purpose or rule were written, for error messages.

    Keys are field names (``"id"``, ``"outcome"``) or ``"when.<fact>"``.
    """

    file: str = "<policy>"
    positions: tuple[tuple[str, Position], ...] = ()

    def at(self, *keys: str) -> Position | None:
        """The position of the first of ``keys`` that was recorded."""
        found = dict(self.positions)
        for key in keys:
            if key in found:
                return found[key]
        return None


@dataclass(frozen=True, slots=True)
class PurposeSpec:
    """One declared purpose (one entry of the GDPR Art. 30 record of processing).

    ``legal_basis`` is an Art. 6(1) basis. ``special_category_basis`` is the Art. 9(2)
    exception relied on when a rule allows special-category data without explicit
    consent. ``balancing_test`` is the recorded Art. 6(1)(f) balancing of interests;
    it is required when the basis is legitimate interest.
    """

    purpose: Purpose
    legal_basis: LegalBasis
    data_categories: tuple[DataCategory, ...]
    retention_days: int
    dpia_required: bool
    dpv: str = ""
    balancing_test: str | None = None
    special_category_basis: LegalBasis | None = None
    description: str = ""
    # (field, text) of the documented balancing test that lets a marketing/advertising
    # purpose rest on legitimate interest (loader: C-252/21); None = no override.
    legitimate_interest_override: tuple[tuple[str, str], ...] | None = None
    marks: SourceMarks = field(default=SourceMarks(), compare=False, repr=False)

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)

    @property
    def dpv_term(self) -> str:
        return self.dpv or self.purpose.dpv

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "dpv": self.dpv_term,
            "legal_basis": self.legal_basis.value,
            "data_categories": [c.value for c in self.data_categories],
            "retention_days": self.retention_days,
            "dpia_required": self.dpia_required,
        }
        if self.balancing_test is not None:
            data["balancing_test"] = self.balancing_test
        if self.legitimate_interest_override is not None:
            data["legitimate_interest_override"] = dict(self.legitimate_interest_override)
        if self.special_category_basis is not None:
            data["special_category_basis"] = self.special_category_basis.value
        if self.description:
            data["description"] = self.description
        return data


@dataclass(frozen=True, slots=True)
class Rule:
    """One ordered rule: if every condition in ``when`` holds, ``outcome`` applies.

    ``when`` maps a fact name to the values it may take; a fact not named matches
    any value. ``reason`` is shown to people; ``{purpose}`` in it is replaced by the
    evaluated purpose.
    """

    id: str
    outcome: Outcome
    reason: str
    article: str
    when: tuple[tuple[str, tuple[FactValue, ...]], ...] = ()
    duties: tuple[Duty, ...] = ()
    marks: SourceMarks = field(default=SourceMarks(), compare=False, repr=False)

    def condition(self, fact: str) -> tuple[FactValue, ...] | None:
        """The values ``fact`` may take for this rule, or None for any value."""
        for name, values in self.when:
            if name == fact:
                return values
        return None

    @property
    def relies_on_consent(self) -> bool:
        """True when the rule only matches if consent was given (then Art. 6(1)(a)/9(2)(a))."""
        values = self.condition("consent")
        return values is not None and set(values) <= CONSENTING

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"id": self.id}
        if self.when:
            data["when"] = {
                name: [v if isinstance(v, bool) else v.value for v in values]
                for name, values in self.when
            }
        data["outcome"] = self.outcome.value
        if self.duties:
            data["duties"] = [d.value for d in self.duties]
        data["reason"] = self.reason
        data["article"] = self.article
        return data
