"""Decide what happens to one observation: which purpose may hold it, and in which form.

The policy answers one purpose at a time; the gate asks in a fixed order and takes the
first purpose under which the policy permits storage:

1. ``customer_care`` — only if the author addressed the company (they expect an answer);
2. ``enrichment`` — only if the author is linked to a contact through a known identity;
3. ``public_monitoring`` — never stores personal data; at best an anonymous count.

If no purpose permits storage the observation is counted in an anonymous aggregate (when
monitoring is allowed as anonymise-only) or discarded. The governing decision — the one
whose reason explains the result — is kept for the decision log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sphere.domain import Addressing, Decision, Facts, Outcome, Purpose


class Disposition(StrEnum):
    LINKED = "linked"  # stored on the contact's record
    PSEUDONYMISED = "pseudonymised"  # stored, author replaced by a keyed pseudonym
    AGGREGATE_ONLY = "aggregate_only"  # only an anonymous counter
    DISCARDED = "discarded"  # nothing but counters
    QUARANTINED = "quarantined"  # bad input, kept aside with its reason

    @property
    def stores_personal_data(self) -> bool:
        return self in (Disposition.LINKED, Disposition.PSEUDONYMISED)


@dataclass(frozen=True, slots=True)
class GateResult:
    disposition: Disposition
    decision: Decision  # the governing decision
    considered: tuple[Decision, ...]


Evaluate = Callable[[Facts], Decision]


def candidate_purposes(addressing: Addressing, *, is_linked: bool) -> tuple[Purpose, ...]:
    purposes: list[Purpose] = []
    if addressing in (Addressing.DIRECT, Addressing.ADDRESSED):
        purposes.append(Purpose.CUSTOMER_CARE)
    if is_linked:
        purposes.append(Purpose.ENRICHMENT)
    purposes.append(Purpose.PUBLIC_MONITORING)
    return tuple(purposes)


def gate(
    facts_for: Callable[[Purpose], Facts],
    evaluate: Evaluate,
    *,
    addressing: Addressing,
    is_linked: bool,
) -> GateResult:
    """Evaluate the candidate purposes in order; ``facts_for`` builds the facts per purpose
    (consent is per purpose, so the facts differ)."""
    considered: list[Decision] = []
    for purpose in candidate_purposes(addressing, is_linked=is_linked):
        decision = evaluate(facts_for(purpose))
        considered.append(decision)
        if decision.permits_storage and purpose is not Purpose.PUBLIC_MONITORING:
            disposition = Disposition.LINKED if is_linked else Disposition.PSEUDONYMISED
            return GateResult(disposition, decision, tuple(considered))
    last = considered[-1]
    if last.purpose is Purpose.PUBLIC_MONITORING and last.outcome in (
        Outcome.ANONYMISE,
        Outcome.ALLOW,
        Outcome.ALLOW_WITH_DUTIES,
    ):
        return GateResult(Disposition.AGGREGATE_ONLY, last, tuple(considered))
    # The first refusal explains best why the record was not kept for its main purpose.
    return GateResult(Disposition.DISCARDED, considered[0], tuple(considered))
