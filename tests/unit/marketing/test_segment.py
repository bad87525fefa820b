"""Segments as data with a readable trace."""

from __future__ import annotations

import pytest

from sphere.domain import Purpose
from sphere.marketing.derive import DerivedAttribute
from sphere.marketing.score import ScoreModel, score
from sphere.marketing.segment import ContactProfile, SegmentError, compile_segment

TELE_CHURN = {
    "all": [
        {"attr": "interest", "contains": "telephoto"},
        {"score": "churn_risk", ">=": 0.6},
    ]
}

ANNA = ContactProfile({"interest": ("telephoto", "wildlife"), "country": "DE"}, {"churn_risk": 0.7})
BERT = ContactProfile({"interest": ("macro",), "country": "AT"}, {"churn_risk": 0.8})
CARO = ContactProfile({"interest": "telephoto"}, {"churn_risk": 0.41})
DANA = ContactProfile({}, {})


@pytest.mark.parametrize(
    ("profile", "member"),
    [(ANNA, True), (BERT, False), (CARO, False), (DANA, False)],
    ids=["both-hold", "wrong-interest", "low-score", "no-data"],
)
def test_all_group(profile: ContactProfile, member: bool) -> None:
    assert compile_segment(TELE_CHURN).evaluate(profile).member is member


def test_trace_says_why() -> None:
    result = compile_segment(TELE_CHURN, name="tele churners").evaluate(CARO)
    assert result.trace == (
        "no  all of 2 conditions (1 of 2 hold)",
        "  yes interest contains 'telephoto' ('telephoto')",
        "  no  churn_risk >= 0.6 (0.41)",
    )
    assert result.explain().startswith("not in 'tele churners'")
    missing = compile_segment(TELE_CHURN).evaluate(DANA)
    assert "  no  interest contains 'telephoto' (no value)" in missing.trace


def test_any_not_in_exists() -> None:
    segment = compile_segment(
        {
            "any": [
                {"not": {"attr": "country", "in": ["AT", "CH"]}},
                {"attr": "vip", "exists": True},
            ]
        }
    )
    assert segment.evaluate(ANNA).member  # DE is not AT/CH
    assert not segment.evaluate(BERT).member
    assert segment.evaluate(DANA).member  # no country → "in" fails → not holds
    assert segment.members({"a": ANNA, "b": BERT, "d": DANA}) == ("a", "d")


@pytest.mark.parametrize(
    ("condition", "profile", "expected"),
    [
        ({"attr": "country", "==": "de"}, ANNA, True),  # strings compare case-insensitively
        ({"attr": "country", "!=": "DE"}, ANNA, False),
        ({"score": "churn_risk", "<": 0.5}, CARO, True),
        ({"score": "churn_risk", ">": 0.7}, ANNA, False),
        ({"score": "churn_risk", "<=": 0.7}, ANNA, True),
        ({"score": "churn_risk", "exists": False}, DANA, True),
        ({"attr": "interest", "==": "wildlife"}, ANNA, True),  # any of a multi-value
    ],
    ids=["eq-casefold", "ne", "lt", "gt", "le", "exists-false", "eq-multi"],
)
def test_operators(condition: dict[str, object], profile: ContactProfile, expected: bool) -> None:
    assert compile_segment(condition).evaluate(profile).member is expected


@pytest.mark.parametrize(
    ("definition", "path"),
    [
        ([], "segment"),
        ({"all": []}, "segment.all"),
        ({"all": [{"attr": "x", "=>": 1}]}, "segment.all[0]"),  # unknown operator
        (
            {"all": [{"attr": "x", "==": 1}, {"score": "y", "contains": "a"}]},
            "segment.all[1].contains",
        ),
        ({"any": [{"not": {"attr": "x"}}]}, "segment.any[0].not"),  # no operator
        ({"all": [{"attr": "x", "score": "y", "==": 1}]}, "segment.all[0]"),  # both subjects
        ({"all": [{"attr": "x", "in": "AT"}]}, "segment.all[0].in"),  # in needs a list
        ({"all": [{"score": "s", ">=": "high"}]}, "segment.all[0].>="),  # not a number
        ({"all": [{"attr": "x", "exists": "yes"}]}, "segment.all[0].exists"),
        ({"all": [{"attr": "", "==": 1}]}, "segment.all[0].attr"),
        ({"all": [{"attr": "x", "==": 1}], "any": []}, "segment"),  # two groups
    ],
    ids=[
        "not-mapping", "empty-all", "unknown-op", "score-contains", "no-operator",
        "two-subjects", "in-string", "compare-string", "exists-string", "empty-attr",
        "two-groups",
    ],
)  # fmt: skip
def test_validation_errors_name_the_path(definition: object, path: str) -> None:
    with pytest.raises(SegmentError) as info:
        compile_segment(definition)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")


def test_profile_from_derived_attributes_and_scores() -> None:
    derived = [
        DerivedAttribute("interest", "telephoto", "…", ("p1",), Purpose.PROFILING),
        DerivedAttribute("interest", "wildlife", "…", ("p3",), Purpose.PROFILING),
        DerivedAttribute("cross_selling_potential", 0.5, "…", ("p1",), Purpose.PROFILING),
    ]
    churn = score(ScoreModel("churn_risk", {"a": 1.0}, 0.0, Purpose.PROFILING), {"a": 0.65})
    profile = ContactProfile.from_derived(derived, [churn], attributes={"country": "DE"})
    assert profile.attributes["interest"] == ("telephoto", "wildlife")
    assert profile.scores == {"cross_selling_potential": 0.5, "churn_risk": 0.65}
    assert compile_segment(TELE_CHURN).evaluate(profile).member
