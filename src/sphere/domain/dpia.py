"""Data protection impact assessment (GDPR Art. 35, 36): the vocabulary. Pure.

When a DPIA is required — the nine criteria of the Article 29 Working Party's
guidelines WP248 rev.01 (endorsed by the EDPB); "in most cases, a data controller can
consider that a processing meeting two criteria would require a DPIA to be carried
out". Art. 35(3) names three cases outright; the supervisory authorities' lists under
Art. 35(4) (in Germany the DSK "Muss-Liste") build on the same criteria.

How a risk is rated — likelihood and severity each on four levels (DSK Kurzpapier
Nr. 5 and Nr. 18, the Standard-Datenschutzmodell): negligible, limited, significant,
maximum. The matrix of Kurzpapier Nr. 18 gives three levels of risk; here as the
product of the two levels: up to 2 low, 3 to 6 a risk, 8 and above high.

Art. 36(1): where the residual risk stays high after the measures, the controller
consults the supervisory authority *before* processing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum
from typing import Any

# WP248 rev.01: "a processing meeting two criteria would require a DPIA".
CRITERIA_FOR_DPIA = 2


class Criterion(StrEnum):
    """The nine criteria of WP248 rev.01, section III.B.a, in its order."""

    EVALUATION_SCORING = "evaluation_scoring"
    AUTOMATED_DECISION = "automated_decision"
    SYSTEMATIC_MONITORING = "systematic_monitoring"
    SENSITIVE_DATA = "sensitive_data"
    LARGE_SCALE = "large_scale"
    MATCHING_DATASETS = "matching_datasets"
    VULNERABLE_SUBJECTS = "vulnerable_subjects"
    INNOVATIVE_USE = "innovative_use"
    PREVENTS_RIGHTS = "prevents_rights"

    @property
    def number(self) -> int:
        return list(Criterion).index(self) + 1


class Level(IntEnum):
    """Likelihood or severity (DSK Kurzpapier Nr. 18: geringfügig, überschaubar,
    substanziell, groß)."""

    NEGLIGIBLE = 1
    LIMITED = 2
    SIGNIFICANT = 3
    MAXIMUM = 4


class RiskRating(StrEnum):
    LOW = "low"  # geringes Risiko
    RISK = "risk"  # Risiko
    HIGH = "high"  # hohes Risiko: Art. 35(1); as residual risk Art. 36(1)


def rate(likelihood: int, severity: int) -> RiskRating:
    """The risk of a likelihood and a severity (1-4 each)."""
    score = Level(likelihood) * Level(severity)
    if score >= 8:
        return RiskRating.HIGH
    return RiskRating.RISK if score >= 3 else RiskRating.LOW


@dataclass(frozen=True, slots=True)
class Risk:
    """One entry of the risk register: a risk to the rights and freedoms of the people
    concerned (Art. 35(7)(c)), rated before and after the measures (Art. 35(7)(d))."""

    risk: str
    likelihood: int
    severity: int
    measures: str
    residual_likelihood: int
    residual_severity: int

    @property
    def rating(self) -> RiskRating:
        return rate(self.likelihood, self.severity)

    @property
    def residual(self) -> RiskRating:
        return rate(self.residual_likelihood, self.residual_severity)

    def to_dict(self) -> dict[str, object]:
        return {
            "risk": self.risk,
            "likelihood": self.likelihood,
            "severity": self.severity,
            "rating": self.rating.value,
            "measures": self.measures,
            "residual_likelihood": self.residual_likelihood,
            "residual_severity": self.residual_severity,
            "residual": self.residual.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Risk:
        return cls(
            str(data["risk"]),
            int(str(data["likelihood"])),
            int(str(data["severity"])),
            str(data["measures"]),
            int(str(data["residual_likelihood"])),
            int(str(data["residual_severity"])),
        )


@dataclass(frozen=True, slots=True)
class CriterionFinding:
    """One WP248 criterion for one DPIA: whether it holds, and the evidence — computed
    from what Sphere holds, or declared by the assessor with a reason."""

    criterion: Criterion
    met: bool
    # messages (``sphere.i18n.message``: plain JSON, rendered in the reader's language)
    evidence: tuple[dict[str, Any], ...] = ()
    declared: bool = False  # stated by the assessor, not computed

    def to_dict(self) -> dict[str, object]:
        return {
            "criterion": self.criterion.value,
            "number": self.criterion.number,
            "met": self.met,
            "evidence": list(self.evidence),
            "declared": self.declared,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> CriterionFinding:
        evidence = data.get("evidence") or []
        assert isinstance(evidence, list)
        return cls(
            Criterion(str(data["criterion"])),
            bool(data["met"]),
            tuple(dict(e) for e in evidence),
            bool(data.get("declared", False)),
        )


def dpia_indicated(findings: Iterable[CriterionFinding]) -> bool:
    """WP248 rev.01: two or more criteria met → a DPIA is required."""
    return sum(1 for f in findings if f.met) >= CRITERIA_FOR_DPIA


def residual_high(risks: Iterable[Risk]) -> bool:
    """Art. 36(1): a residual risk stays high → prior consultation of the authority."""
    return any(r.residual is RiskRating.HIGH for r in risks)


def review_overdue(review_on: date | None, today: date) -> bool:
    """Art. 35(11): the assessment is reviewed "at least when there is a change of the
    risk"; the review date the controller set has passed."""
    return review_on is not None and review_on < today
