"""Transparent additive scores."""

from __future__ import annotations

import math

import pytest

from sphere.domain import Purpose
from sphere.errors import InvalidInput
from sphere.marketing.score import ScoreModel, art22_refusal, score

CHURN = ScoreModel(
    "churn_risk",
    {"negative_share": 0.5, "cancel_talk": 0.3, "inactivity": 0.2},
    0.05,
    Purpose.PROFILING,
)


def test_total_and_contributions_sorted_by_magnitude() -> None:
    result = score(CHURN, {"negative_share": 0.5, "cancel_talk": True, "inactivity": 0.1})
    assert result.total == pytest.approx(0.05 + 0.25 + 0.3 + 0.02)
    assert [c.feature for c in result.contributions] == [
        "cancel_talk",
        "negative_share",
        "inactivity",
    ]
    first = result.contributions[0]
    assert (first.value, first.weight, first.contribution) == (1.0, 0.3, pytest.approx(0.3))
    assert result.explanation == (
        "churn_risk = 0.62: cancel_talk 1 × 0.3 = +0.30; negative_share 0.5 × 0.5 = +0.25; "
        "inactivity 0.1 × 0.2 = +0.02; intercept +0.05"
    )
    assert result.purpose is Purpose.PROFILING


def test_negative_weights_sort_by_absolute_value() -> None:
    model = ScoreModel("upsell", {"owns_line": -0.8, "interest": 0.5}, 0.0, Purpose.PROFILING)
    result = score(model, {"owns_line": 1, "interest": 1})
    assert [c.feature for c in result.contributions] == ["owns_line", "interest"]
    assert result.total == pytest.approx(-0.3)
    assert "intercept" not in result.explanation


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ({"negative_share": 0.1, "cancel_talk": 0}, "'inactivity' is missing"),
        ({"negative_share": math.nan, "cancel_talk": 0, "inactivity": 0}, "not finite"),
        ({"negative_share": "high", "cancel_talk": 0, "inactivity": 0}, "not a number"),
    ],
    ids=["missing", "nan", "string"],
)
def test_bad_features(features: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        score(CHURN, features)  # type: ignore[arg-type]


def test_model_is_immutable_and_roundtrips() -> None:
    source = {"a": 1.0}
    model = ScoreModel("m", source, 0.0, Purpose.PROFILING)
    source["b"] = 2.0
    assert dict(model.features) == {"a": 1.0}
    with pytest.raises(TypeError):
        model.features["c"] = 3.0  # type: ignore[index]
    assert ScoreModel.from_dict(CHURN.to_dict()) == CHURN


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], r"^score: must be a mapping"),
        ({"name": "x", "purpose": "nope", "features": {"a": 1}}, r"^score\.purpose:"),
        ({"name": "x", "purpose": "profiling", "features": {"a": "1"}}, r"score\.features\.a:"),
        ({"name": "x", "purpose": "profiling", "features": [1]}, r"score\.features:"),
        ({"name": "x", "purpose": "profiling", "features": {"a": 1}, "bias": 1}, "'bias'"),
        (
            {"name": "x", "purpose": "profiling", "features": {"a": 1}, "intercept": "0"},
            r"score\.intercept:",
        ),
        ({"name": "x", "purpose": "profiling", "features": {}}, "no features"),
    ],
    ids=["not-mapping", "purpose", "weight", "features-list", "unknown-key", "intercept", "empty"],
)
def test_from_dict_errors_name_the_path(data: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        ScoreModel.from_dict(data)


@pytest.mark.parametrize(
    ("automated", "consent", "review", "refused"),
    [
        (False, False, False, False),  # no automated decision: Art. 22 does not apply
        (True, False, False, True),  # Art. 22(1)
        (True, True, False, True),  # Art. 22(3): human intervention missing
        (True, False, True, True),  # Art. 22(2)(c): explicit consent missing
        (True, True, True, False),  # Art. 22(2)(c) + (3)
    ],
    ids=["not-automated", "none", "consent-only", "review-only", "both"],
)
def test_art22_refusal(automated: bool, consent: bool, review: bool, refused: bool) -> None:
    model = ScoreModel("churn", {"a": 1.0}, 0.0, Purpose.PROFILING, automated)
    reason = art22_refusal(model, explicit_consent=consent, human_review=review)
    assert (reason is not None) is refused
    if reason is not None:
        assert reason.article == "GDPR Art. 22(1)"
