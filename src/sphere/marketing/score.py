"""Transparent additive scores: ``total = intercept + Σ weight × value``.

Why additive: each feature's contribution can be shown to the person (GDPR Art. 15(1)(h)
"meaningful information about the logic involved") and to the DPO, and a score that
``drives_automated_decision`` can be refused under Art. 22 before it is ever used (see
:func:`art22_refusal` and ``planning.Measure.automated_decision_with_legal_effect``).

A model is data (``ScoreModel.from_dict`` reads the dict/YAML form)::

    name: churn_risk
    purpose: profiling
    intercept: 0.1
    drives_automated_decision: false
    features: {negative_share: 0.5, cancel_talk: 0.3, inactivity: 0.2}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sphere.domain import Purpose
from sphere.errors import InvalidInput
from sphere.marketing.channel import Reason

FeatureValue = float | int | bool


@dataclass(frozen=True, slots=True)
class ScoreModel:
    name: str
    features: Mapping[str, float]
    intercept: float
    purpose: Purpose
    drives_automated_decision: bool = False
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidInput("score model: name is empty")
        if not self.features:
            raise InvalidInput(f"score model {self.name!r}: no features")
        for feature, weight in self.features.items():
            if not feature or not _finite(weight):
                raise InvalidInput(
                    f"score model {self.name!r}: feature {feature!r} needs a name and a "
                    "finite weight"
                )
        if not _finite(self.intercept):
            raise InvalidInput(f"score model {self.name!r}: intercept is not finite")
        object.__setattr__(self, "features", MappingProxyType(dict(self.features)))

    @classmethod
    def from_dict(cls, data: object, *, path: str = "score") -> ScoreModel:
        """Build from plain data; errors name the path of the bad field."""
        if not isinstance(data, Mapping):
            raise InvalidInput(f"{path}: must be a mapping")
        unknown = set(data) - {
            "name", "features", "intercept", "purpose", "drives_automated_decision", "description"
        }  # fmt: skip
        if unknown:
            raise InvalidInput(f"{path}: unknown key {sorted(unknown)[0]!r}")
        name = data.get("name")
        if not isinstance(name, str):
            raise InvalidInput(f"{path}.name: must be a string")
        try:
            purpose = Purpose(data.get("purpose", ""))
        except ValueError:
            raise InvalidInput(f"{path}.purpose: unknown purpose") from None
        features = data.get("features")
        if not isinstance(features, Mapping):
            raise InvalidInput(f"{path}.features: must be a mapping of feature to weight")
        weights: dict[str, float] = {}
        for key, weight in features.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                raise InvalidInput(f"{path}.features.{key}: weight must be a number")
            weights[str(key)] = float(weight)
        intercept = data.get("intercept", 0.0)
        if isinstance(intercept, bool) or not isinstance(intercept, int | float):
            raise InvalidInput(f"{path}.intercept: must be a number")
        automated = data.get("drives_automated_decision", False)
        if not isinstance(automated, bool):
            raise InvalidInput(f"{path}.drives_automated_decision: must be true or false")
        return cls(
            name=name,
            features=weights,
            intercept=float(intercept),
            purpose=purpose,
            drives_automated_decision=automated,
            description=str(data.get("description", "")),
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "purpose": self.purpose.value,
            "intercept": self.intercept,
            "drives_automated_decision": self.drives_automated_decision,
            "features": dict(self.features),
        }


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str
    value: float
    weight: float
    contribution: float


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """``contributions`` are sorted by absolute contribution, largest first."""

    model: str
    total: float
    intercept: float
    contributions: tuple[Contribution, ...]
    explanation: str
    purpose: Purpose
    drives_automated_decision: bool


def score(model: ScoreModel, features: Mapping[str, FeatureValue]) -> ScoreResult:
    """Score one contact. Every model feature must be given; extra features are ignored."""
    contributions = []
    for feature, weight in model.features.items():
        if feature not in features:
            raise InvalidInput(f"score model {model.name!r}: feature {feature!r} is missing")
        raw = features[feature]
        if not isinstance(raw, int | float):
            raise InvalidInput(f"score model {model.name!r}: feature {feature!r} is not a number")
        value = float(raw)
        if not math.isfinite(value):
            raise InvalidInput(f"score model {model.name!r}: feature {feature!r} is not finite")
        contributions.append(Contribution(feature, value, weight, value * weight))
    contributions.sort(key=lambda c: (-abs(c.contribution), c.feature))
    total = model.intercept + sum(c.contribution for c in contributions)
    parts = [
        f"{c.feature} {_num(c.value)} × {_num(c.weight)} = {c.contribution:+.2f}"
        for c in contributions
    ]
    if model.intercept:
        parts.append(f"intercept {model.intercept:+.2f}")
    explanation = f"{model.name} = {total:.2f}: " + "; ".join(parts)
    return ScoreResult(
        model=model.name,
        total=total,
        intercept=model.intercept,
        contributions=tuple(contributions),
        explanation=explanation,
        purpose=model.purpose,
        drives_automated_decision=model.drives_automated_decision,
    )


def art22_refusal(
    model: ScoreModel, *, explicit_consent: bool, human_review: bool
) -> Reason | None:
    """A reason to refuse using ``model``'s score, or None when it may be used.

    A score that drives a solely automated decision with legal or similarly significant
    effect (GDPR Art. 22(1)) is only used with explicit consent (Art. 22(2)(c)) and a
    human who can review and change the decision (Art. 22(3)).
    """
    if not model.drives_automated_decision or (explicit_consent and human_review):
        return None
    missing = [
        text
        for text, ok in (
            ("explicit consent (Art. 22(2)(c))", explicit_consent),
            ("a human review (Art. 22(3))", human_review),
        )
        if not ok
    ]
    return Reason(
        "art22.refused",
        f"score '{model.name}' drives an automated decision with legal or similarly "
        f"significant effect without {' and '.join(missing)}",
        "GDPR Art. 22(1)",
    )


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _num(value: float) -> str:
    return f"{value:g}"
