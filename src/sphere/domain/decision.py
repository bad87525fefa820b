"""The outcome of a policy evaluation: what may happen, on what basis, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from sphere.domain.legal import LegalBasis, Purpose


class Outcome(StrEnum):
    ALLOW = "allow"
    ALLOW_WITH_DUTIES = "allow_with_duties"
    ANONYMISE = "anonymise"  # keep only anonymous aggregates
    NEEDS_CONSENT = "needs_consent"
    NEEDS_REVIEW = "needs_review"  # a DPO must decide; also the fail-closed default
    DENY = "deny"

    @property
    def permits_storage(self) -> bool:
        """Whether personal data may be stored under this outcome."""
        return self in (Outcome.ALLOW, Outcome.ALLOW_WITH_DUTIES)


class Duty(StrEnum):
    RECORD_PROVENANCE = "record_provenance"
    INFORM_ART14 = "inform_art14"  # tell the person within a month (GDPR Art. 14)
    PSEUDONYMISE = "pseudonymise"
    MINIMISE = "minimise"  # keep only the company-relevant part


@dataclass(frozen=True, slots=True)
class Decision:
    """One evaluated decision. ``reason`` is written for a person to read."""

    outcome: Outcome
    purpose: Purpose
    rule_id: str
    reason: str
    policy_version: str
    legal_basis: LegalBasis | None = None
    article: str | None = None  # the law the rule rests on, e.g. "GDPR Art. 21(2)"
    duties: tuple[Duty, ...] = field(default=())
    retention: timedelta | None = None

    @property
    def permits_storage(self) -> bool:
        return self.outcome.permits_storage
