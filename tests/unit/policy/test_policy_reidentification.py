"""The policy's ``reidentification`` section: risk level → action, with precise errors."""

from __future__ import annotations

import pytest

from sphere.domain.risk import DEFAULT_RISK_ACTIONS, RiskAction, RiskLevel
from sphere.errors import PolicyError
from sphere.policy.loader import default_policy, default_policy_path, load_policy_text


def test_reidentification_section_maps_levels_to_actions() -> None:
    shipped = default_policy()
    assert shipped.reidentification == dict(DEFAULT_RISK_ACTIONS)
    text = default_policy_path().read_text(encoding="utf-8")
    changed = load_policy_text(text.replace("  high: labels_only", "  high: drop"))
    assert changed.reidentification[RiskLevel.HIGH] is RiskAction.DROP
    assert changed.reidentification[RiskLevel.LOW] is RiskAction.KEEP  # default kept
    assert changed.content_hash != shipped.content_hash
    with pytest.raises(PolicyError, match=r":\d+:\d+: unknown risk action 'burn'"):
        load_policy_text(text.replace("  high: labels_only", "  high: burn"))
    with pytest.raises(PolicyError, match="unknown risk level 'extreme'"):
        load_policy_text(text.replace("  high: labels_only", "  extreme: drop"))
