"""The glossary's words for the shipped policy's rules stay the policy's own words, and
a page in German shows them in German (``glossary.RULE_REASONS``, ``reason``)."""

from __future__ import annotations

from pathlib import Path

import yaml

import sphere.policy
from sphere.i18n import translator
from sphere.i18n.glossary import RULE_REASONS, reason, rule_reason

POLICY = Path(sphere.policy.__file__).parent / "default_policy.yaml"


def test_every_shipped_rule_reason_is_in_the_glossary() -> None:
    rules = yaml.safe_load(POLICY.read_text(encoding="utf-8"))["rules"]
    assert {r["id"]: r["reason"] for r in rules} == dict(RULE_REASONS)


def test_a_shipped_rule_reads_in_german_with_its_purpose() -> None:
    de = translator("de")
    text = "refused: 'e-mail address': Consent for purpose 'direct_marketing' was withdrawn"
    german = reason(de, "consent.withdrawn-denied", text, "direct_marketing")
    assert german == "Die Einwilligung für den Zweck „Direktwerbung“ wurde widerrufen."
    assert reason(translator("en"), "consent.withdrawn-denied", text) == text
    template = RULE_REASONS["consent.withdrawn-denied"]
    assert rule_reason(de, template).startswith("Die Einwilligung für den Zweck „{purpose}“")
    assert rule_reason(de, "A rule the DPO wrote.") == "A rule the DPO wrote."
