"""The compiled engine equals the plain first-match reading of the rules, and is pure."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from ruamel.yaml import YAML

from sphere.domain import Addressing, ConsentState, DataCategory, Facts, Outcome, Purpose
from sphere.errors import InvalidInput
from sphere.policy import DEFAULT_RULE, Policy, Rule, load_policy_text
from sphere.policy.space import AXES, SIZE, cell_index, facts_at


def first_match(policy: Policy, facts: Facts) -> Rule:
    """The combining rule, read literally: the first rule whose conditions all hold."""
    for rule in policy.rules:
        if all(getattr(facts, name) in values for name, values in rule.when):
            return rule
    return DEFAULT_RULE


def random_facts(rng: random.Random, count: int) -> list[Facts]:
    return [Facts(**{a.name: rng.choice(a.values) for a in AXES}) for _ in range(count)]


def test_compiled_table_equals_first_match_semantics(default: Policy) -> None:
    rng = random.Random(20260601)
    for facts in random_facts(rng, 3000):
        assert default.evaluate(facts).rule_id == first_match(default, facts).id, facts


def test_evaluate_many_equals_evaluate(default: Policy) -> None:
    facts = random_facts(random.Random(7), 500)
    assert default.evaluate_many(facts) == [default.evaluate(f) for f in facts]


def test_evaluate_is_pure(default: Policy) -> None:
    facts = Facts(
        Purpose.CUSTOMER_CARE,
        addressing=Addressing.ADDRESSED,
        data_category=DataCategory.PRODUCT_CONTENT,
    )
    assert default.evaluate(facts) == default.evaluate(replace(facts))
    assert default.evaluate(facts) is default.evaluate(facts)  # decisions are shared values


def test_plain_strings_are_accepted_as_fact_values(default: Policy) -> None:
    # StrEnum members hash like their values, so decoded JSON facts work unchanged
    facts = Facts(
        Purpose.CUSTOMER_CARE,
        addressing=Addressing.ADDRESSED,
        data_category=DataCategory.PRODUCT_CONTENT,
    )
    loose = Facts(
        "customer_care",
        addressing="addressed",  # type: ignore[arg-type]
        data_category="product_content",
    )  # type: ignore[arg-type]
    assert default.evaluate(loose) == default.evaluate(facts)


def test_unknown_fact_value_names_the_fact_not_the_value(default: Policy) -> None:
    bad = Facts(Purpose.CUSTOMER_CARE, addressing="anna@example.org")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as caught:
        default.evaluate(bad)
    assert "addressing" in str(caught.value)
    assert "example.org" not in str(caught.value)
    with pytest.raises(InvalidInput):
        default.evaluate_many([bad])


def test_fail_closed_when_no_rule_matches(minimal: Policy) -> None:
    decision = minimal.evaluate(Facts(Purpose.SECURITY))
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.rule_id == "default.fail-closed"
    assert "security" in decision.reason
    assert decision.legal_basis is None


def test_cell_index_round_trip() -> None:
    for index in (0, 1, 12345, SIZE - 1):
        assert cell_index(facts_at(index)) == index
    assert SIZE == 739_200


def test_content_hash_ignores_comments_and_layout(minimal: Policy) -> None:
    text = minimal.text or ""
    reformatted = "# a comment\n" + text.replace(
        "[direct, addressed]", "\n        - direct\n        - addressed"
    )
    again = load_policy_text(reformatted, source="other.yaml")
    assert again.content_hash == minimal.content_hash
    changed = load_policy_text(text.replace("retention_days: 30", "retention_days: 31"))
    assert changed.content_hash != minimal.content_hash
    assert len(minimal.content_hash) == 64


def test_to_dict_round_trips_through_yaml(default: Policy, tmp_path) -> None:
    path = tmp_path / "dumped.yaml"
    with path.open("w", encoding="utf-8") as handle:
        YAML(typ="safe", pure=True).dump(default.to_dict(), handle)
    again = load_policy_text(path.read_text(encoding="utf-8"), source=str(path))
    assert again.content_hash == default.content_hash
    assert again.to_dict() == default.to_dict()


def test_policy_built_in_code_is_checked_too() -> None:
    from sphere.errors import PolicyError

    rule = Rule(id="r", outcome=Outcome.DENY, reason="x", article="y")
    shadowed = Rule(
        id="s",
        outcome=Outcome.DENY,
        reason="x",
        article="y",
        when=(("consent", (ConsentState.NONE,)),),
    )
    with pytest.raises(PolicyError, match="'s' can never match"):
        Policy(version="1", purposes={}, rules=[rule, shadowed])
