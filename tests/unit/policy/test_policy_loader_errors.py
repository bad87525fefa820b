"""Every load error names file, line and column (1-based) of its cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphere.errors import PolicyError
from sphere.policy import load_policy, load_policy_text

MINIMAL = (Path(__file__).parent / "data" / "minimal.yaml").read_text(encoding="utf-8")

HEAD = """\
version: "1"
purposes:
  customer_care:
    legal_basis: art6_1_f
    data_categories: [product_content, special_category]
    retention_days: 30
    dpia_required: false
    balancing_test: People who address the company expect an answer.
  direct_marketing:
    legal_basis: art6_1_a
    data_categories: [contact_data]
    retention_days: 90
    dpia_required: false
rules:
"""  # rules start on line 15

RULE = """\
  - id: {id}
    when:
      {fact}: {value}
    outcome: {outcome}
    reason: A readable reason.
    article: GDPR Art. 6(1)
"""


def rule(
    id: str = "r.one", fact: str = "purpose", value: str = "customer_care", outcome: str = "deny"
) -> str:
    return RULE.format(id=id, fact=fact, value=value, outcome=outcome)


CASES = [
    # (policy text, line, column, fragment of the message)
    ("", 1, 1, "empty"),
    ("# only a comment\n", 1, 1, "empty"),
    ("version: [1, 2\n", 2, 1, "not valid YAML"),  # flow sequence never closed
    ("version: a: b\n", 1, 11, "not valid YAML"),  # a mapping value where none may be
    ("- version\n- rules\n", 1, 1, "must be a mapping"),  # a list, not a mapping
    ("\n# c\njust text\n", 3, 1, "must be a mapping"),  # a scalar document
    ("version: '1'\nversion: '2'\n", 2, 1, "duplicate key"),
    (MINIMAL + "colour: red\n", 18, 1, "the policy: unknown field 'colour'"),
    (MINIMAL.replace('version: "1"\n', ""), 1, 1, "missing 'version'"),
    (MINIMAL.replace('"1"', "1.0"), 1, 10, "'version' must be a string"),  # unquoted number
    (MINIMAL.replace("  customer_care:", "  customer_cares:"), 3, 3, "unknown purpose"),
    (MINIMAL.replace("art6_1_f", "art6_1_z"), 4, 18, "unknown legal_basis 'art6_1_z'"),
    (MINIMAL.replace("art6_1_f", "art9_2_a"), 4, 18, "Art. 6(1) basis"),
    (
        MINIMAL.replace("[product_content]", "[product_content, gossip]"),
        5,
        40,
        "unknown data category 'gossip'",
    ),
    (
        MINIMAL.replace("retention_days: 30", "retention_days: '30'"),
        6,
        21,
        "'retention_days' must be an integer",
    ),
    (MINIMAL.replace("retention_days: 30", "retention_days: 0"), 6, 21, "must be positive"),
    (
        MINIMAL.replace("dpia_required: false", "dpia_required: no"),
        7,
        20,
        "'dpia_required' must be true or false",
    ),  # YAML 1.2: "no" is a string
    # legitimate interest needs a recorded balancing test (GDPR Art. 6(1)(f))
    (
        MINIMAL.replace(
            "    balancing_test: People who address the company expect an answer.\n", ""
        ),
        4,
        18,
        "no 'balancing_test'",
    ),
    (
        MINIMAL.replace(
            "balancing_test: People who address the company expect an answer.",
            "balancing_test: '  '",
        ),
        8,
        21,
        "must not be blank",
    ),
    (MINIMAL.split("rules:")[0] + "rules: {}\n", 9, 8, "'rules' must be a list"),
    (HEAD + "  - just a string\n", 15, 5, "rule #1 must be a mapping"),
    (MINIMAL.split("rules:")[0] + "rules:\n", 9, 1, "'rules' must be a list, not nothing"),
    (MINIMAL.replace('"1"', "2026-01-01"), 1, 10, "must be a string (quote it), not a date"),
    (
        HEAD + rule().replace("    when:\n      purpose: customer_care\n", "    when: [purpose]\n"),
        16,
        11,
        "'when' must be a mapping",
    ),
    ("version: '1'\npurposes:\n  1: {}\nrules: []\n", 3, 3, "purpose must be a string"),
    (HEAD + rule(fact="mood"), 17, 7, "unknown fact 'mood'"),
    (
        HEAD + rule(fact="visibility", value="[public, semi_public]"),
        17,
        28,
        "unknown value 'semi_public' for fact 'visibility'",
    ),
    (HEAD + rule(fact="objection", value="'yes'"), 17, 18, "takes true or false"),
    (HEAD + rule(fact="consent", value="[]"), 17, 16, "empty list"),
    (HEAD + rule(fact="consent", value="3"), 17, 16, "takes a string"),
    (HEAD + rule() + rule(fact="consent", value="given"), 21, 9, "duplicate rule id 'r.one'"),
    (HEAD + rule(outcome="perhaps"), 18, 14, "unknown outcome 'perhaps'"),
    (HEAD + rule(id="R One"), 15, 9, "may only use"),
    (HEAD + rule(id="default.fail-closed"), 15, 9, "reserved"),
    (
        HEAD + rule().replace("    reason: A readable reason.\n", ""),
        15,
        5,
        "rule 'r.one' is missing 'reason'",
    ),
    (HEAD + rule().replace("A readable reason.", "''"), 19, 13, "must not be blank"),
    (HEAD + rule().replace("    article: GDPR Art. 6(1)\n", ""), 15, 5, "missing 'article'"),
    (
        HEAD + rule().replace("    article:", "    colour: red\n    article:"),
        20,
        5,
        "rule 'r.one': unknown field 'colour'",
    ),
    (
        HEAD + rule(outcome="allow_with_duties", fact="addressing", value="direct"),
        18,
        14,
        "needs a non-empty 'duties'",
    ),
    (
        HEAD + rule().replace("    reason:", "    duties: [inform_art14]\n    reason:"),
        19,
        5,
        "only apply to outcome allow_with_duties",
    ),
    (
        HEAD + rule().replace("    reason:", "    duties: [tell_everyone]\n    reason:"),
        19,
        14,
        "unknown duty",
    ),
    # second rule fully shadowed by the first: it can never decide anything
    (
        HEAD + rule() + rule(id="r.two", fact="purpose", value="customer_care"),
        21,
        9,
        "rule 'r.two' can never match: every case it covers is decided earlier by rule(s) 'r.one'",
    ),
    # the shadow may be the union of several earlier rules
    (
        HEAD
        + rule(fact="consent", value="[none, given]")
        + rule(id="r.two", fact="consent", value="[withdrawn, explicit]")
        + rule(id="r.three", fact="purpose", value="customer_care"),
        27,
        9,
        "earlier by rule(s) 'r.one', 'r.two'",
    ),
    # allow for a data category the purpose does not declare (Art. 5(1)(c) minimisation)
    (
        HEAD + rule(outcome="allow", fact="data_category", value="[product_content, behavioural]"),
        17,
        22,
        "data category 'behavioural' for purpose 'customer_care'",
    ),
    # the same without a data_category condition: reported at the outcome
    (
        HEAD + rule(outcome="allow", fact="purpose", value="customer_care"),
        18,
        14,
        "data category 'contact_data' for purpose 'customer_care'",
    ),
    # a purpose that rests on consent allowed without requiring consent (Art. 6(1)(a))
    (
        HEAD
        + rule(outcome="allow", fact="purpose", value="direct_marketing").replace(
            "      purpose: direct_marketing\n",
            "      purpose: direct_marketing\n      data_category: contact_data\n",
        ),
        16,
        5,
        "rests on consent, without requiring consent",
    ),
    # allow for a purpose that is not declared (no basis, no retention)
    (
        HEAD + rule(outcome="allow", fact="purpose", value="security"),
        17,
        16,
        "'security', which is not declared",
    ),
    # special categories with (non-explicit) consent: Art. 9(2)(a) needs explicit consent
    (
        HEAD
        + """\
  - id: r.special
    when:
      purpose: customer_care
      data_category: special_category
      consent: [given, explicit]
    outcome: allow
    reason: A readable reason.
    article: GDPR Art. 9(2)(a)
""",
        19,
        16,
        "consent that is not explicit",
    ),
    # special categories without consent need a declared Art. 9(2) exception
    (
        HEAD
        + """\
  - id: r.special
    when:
      purpose: customer_care
      data_category: special_category
    outcome: allow
    reason: A readable reason.
    article: GDPR Art. 9(2)
""",
        18,
        22,
        "declares no special_category_basis",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"), CASES, ids=[f"case{i:02d}" for i in range(len(CASES))]
)
def test_load_error_is_located(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, source="p.yaml")
    error = caught.value
    assert fragment in error.detail
    assert (error.file, error.line, error.column) == ("p.yaml", line, column), error.detail
    assert str(error).startswith(f"p.yaml:{line}:{column}: ")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "absent.yaml")
    assert caught.value.file.endswith("absent.yaml")
    assert "not found" in caught.value.detail


def test_error_from_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(MINIMAL.replace("customer_care:", "customer_cares:"), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert (caught.value.file, caught.value.line, caught.value.column) == (str(path), 3, 3)


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"version: '\xff'\n")
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(path)


def test_valid_head_with_a_plain_rule_loads() -> None:
    # guards the error table: HEAD + rule() on its own is a valid policy
    policy = load_policy_text(HEAD + rule(), source="p.yaml")
    assert [r.id for r in policy.rules] == ["r.one"]
