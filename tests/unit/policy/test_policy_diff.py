"""diff_policies and compare_outcomes: structured, pure, and counting real changes."""

from __future__ import annotations

from sphere.domain import Addressing, ConsentState, DataCategory, Facts, Outcome, Purpose
from sphere.policy import Policy, compare_outcomes, diff_policies, load_policy_text

WITHDRAWN_FIRST = """\
  - id: care.withdrawn
    when:
      purpose: customer_care
      consent: withdrawn
    outcome: deny
    reason: Consent was withdrawn.
    article: GDPR Art. 7(3)
"""


def with_withdrawn_rule(minimal: Policy) -> Policy:
    text = (minimal.text or "").replace('version: "1"', 'version: "2"')
    return load_policy_text(text.replace("rules:\n", "rules:\n" + WITHDRAWN_FIRST))


def test_identical_policies_have_an_empty_diff(minimal: Policy) -> None:
    diff = diff_policies(minimal, minimal)
    assert diff.is_empty
    assert diff.cells_changed == 0 and diff.outcome_shifts == ()


def test_added_rule_counts_exactly_the_cells_it_changes(minimal: Policy) -> None:
    new = with_withdrawn_rule(minimal)
    diff = diff_policies(minimal, new)
    assert diff.rules_added == ("care.withdrawn",)
    assert diff.rules_removed == ()
    # every customer_care cell with consent withdrawn is now deny:
    # 5 visibilities x 5 addressings x 6 relationships x 7 categories x 4 collections x 2 x 2
    assert diff.cells_changed == 5 * 5 * 6 * 7 * 4 * 2 * 2
    shifts = {
        (s.old_rule, s.new_rule): (s.old_outcome, s.new_outcome, s.cells)
        for s in diff.outcome_shifts
    }
    assert shifts == {
        # {direct, addressed} x product_content were allowed: 5 * 2 * 6 * 1 * 4 * 2 * 2
        ("care.addressed", "care.withdrawn"): ("allow", "deny", 960),
        # the rest were undecided (fail closed)
        ("default.fail-closed", "care.withdrawn"): ("needs_review", "deny", 16800 - 960),
    }
    reverse = diff_policies(new, minimal)
    assert reverse.rules_removed == ("care.withdrawn",)
    assert reverse.cells_changed == diff.cells_changed
    assert (diff.old_version, diff.new_version) == ("1", "2")


def test_purpose_and_rule_field_changes(minimal: Policy) -> None:
    text = (minimal.text or "").replace("retention_days: 30", "retention_days: 60")
    text = text.replace("The person addressed the company.", "They asked us.")
    diff = diff_policies(minimal, load_policy_text(text))
    (purpose,) = diff.purposes_changed
    assert purpose.purpose == "customer_care"
    assert [(c.field, c.old, c.new) for c in purpose.changes] == [("retention_days", 30, 60)]
    (rule,) = diff.rules_changed
    assert [c.field for c in rule.changes] == ["reason"]
    assert diff.cells_changed == 0  # wording and retention do not change outcomes
    data = diff.to_dict()
    assert data["purposes"]["changed"][0]["changes"][0]["new"] == 60  # type: ignore[index]


def test_moved_rule_is_reported_with_positions(default: Policy) -> None:
    text = default.text or ""
    block_start = text.index("  - id: hr.screening-denied")
    block_end = text.index("  - id: collection.scraper-denied")
    block = text[block_start:block_end]
    moved = text[:block_start] + text[block_end:] + "\n" + block
    diff = diff_policies(default, load_policy_text(moved))
    changed = {c.rule_id: c.changes for c in diff.rules_changed}
    assert [(f.field, f.old, f.new) for f in changed["hr.screening-denied"]] == [
        ("position", 1, len(default.rules))
    ]
    assert list(changed) == ["hr.screening-denied"]  # the others kept their order
    # hr_screening now meets other deny rules first, or its own rule last: still denied
    assert diff.cells_changed == 0


def test_compare_outcomes_counts_per_rule_pair_with_examples(minimal: Policy) -> None:
    new = with_withdrawn_rule(minimal)
    addressed = Facts(
        Purpose.CUSTOMER_CARE,
        addressing=Addressing.ADDRESSED,
        data_category=DataCategory.PRODUCT_CONTENT,
    )
    withdrawn = Facts(
        Purpose.CUSTOMER_CARE,
        addressing=Addressing.DIRECT,
        data_category=DataCategory.PRODUCT_CONTENT,
        consent=ConsentState.WITHDRAWN,
    )
    records = [addressed] * 5 + [withdrawn] * 4 + [Facts(Purpose.SECURITY)]
    result = compare_outcomes(minimal, new, iter(records), examples=2)
    assert (result.total, result.changed) == (10, 4)
    (shift,) = result.shifts
    assert (shift.old_rule, shift.new_rule, shift.count) == ("care.addressed", "care.withdrawn", 4)
    assert (shift.old_outcome, shift.new_outcome) == (Outcome.ALLOW, Outcome.DENY)
    assert shift.examples == (withdrawn, withdrawn)
    assert result.to_dict()["shifts"][0]["examples"][0]["consent"] == "withdrawn"  # type: ignore[index]
