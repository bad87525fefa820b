"""Re-identification risk of stored text and what the policy does at each level
(see ``sphere.analytics.reidentification`` and docs/anonymisation.md)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    SPECIAL = "special"  # GDPR Art. 9 data in a searchable post


class RiskAction(StrEnum):
    KEEP = "keep"
    GENERALISE = "generalise"  # rare words dropped, numbers coarsened
    LABELS_ONLY = "labels_only"  # no text kept; language, topic, categories stay
    DROP = "drop"  # nothing kept but the anonymous counter


#: The action at each level when the policy does not say otherwise.
DEFAULT_RISK_ACTIONS: Mapping[RiskLevel, RiskAction] = {
    RiskLevel.LOW: RiskAction.KEEP,
    RiskLevel.MEDIUM: RiskAction.GENERALISE,
    RiskLevel.HIGH: RiskAction.LABELS_ONLY,
    RiskLevel.SPECIAL: RiskAction.DROP,
}
