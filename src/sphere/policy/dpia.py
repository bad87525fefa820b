"""The DPIA hold as a decision (GDPR Art. 35(1): the assessment comes *before* the
processing). Pure: which purposes are held is decided by the caller from the DPIAs
signed off (``sphere.governance.dpia``); this module only says what a hold looks like."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sphere.domain import Decision, Facts, Outcome, Purpose
from sphere.policy.engine import Policy

HOLD_RULE = "dpia.not-approved"
HOLD_ARTICLE = "GDPR Art. 35(1)"


def hold_text(purpose: Purpose) -> str:
    return (
        f"purpose '{purpose.value}' requires a data protection impact assessment (policy) and "
        "none is signed off; processing is held until it is"
    )


def hold_decision(purpose: Purpose, policy_version: str) -> Decision:
    """``needs_review``: a person must act — carry out the DPIA and sign it off."""
    return Decision(
        outcome=Outcome.NEEDS_REVIEW,
        purpose=purpose,
        rule_id=HOLD_RULE,
        reason=hold_text(purpose),
        policy_version=policy_version,
        article=HOLD_ARTICLE,
    )


def held_purposes(policy: Policy, approved: Iterable[str]) -> frozenset[Purpose]:
    """Purposes ``policy`` marks ``dpia_required`` that are not among ``approved``
    (purpose values whose DPIA has a signed-off version)."""
    done = set(approved)
    return frozenset(
        p for p, spec in policy.purposes.items() if spec.dpia_required and p.value not in done
    )


def dpia_evaluate(
    evaluate: Callable[[Facts], Decision], held: frozenset[Purpose], policy_version: str
) -> Callable[[Facts], Decision]:
    """``evaluate`` with the hold in front of it: a held purpose gets :func:`hold_decision`."""
    if not held:
        return evaluate

    def guarded(facts: Facts) -> Decision:
        if facts.purpose in held:
            return hold_decision(facts.purpose, policy_version)
        return evaluate(facts)

    return guarded
