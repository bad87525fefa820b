"""Scoring rules of ``sphere.pii.eval.metrics`` on small hand-made cases."""

from __future__ import annotations

import pytest

from sphere.pii.eval.labels import LabelledSpan as S
from sphere.pii.eval.metrics import ALL, EXACT, OVERLAP, Counts, evaluate, format_table, score_post


def test_exact_match_counts_only_identical_spans() -> None:
    gold = [S(0, 5, "PERSON"), S(10, 20, "EMAIL_ADDRESS")]
    pred = [S(0, 5, "PERSON"), S(10, 19, "EMAIL_ADDRESS"), S(30, 33, "PERSON")]
    result = score_post(gold, pred, mode=EXACT)
    assert result["PERSON"] == Counts(tp_pred=1, n_pred=2, tp_gold=1, n_gold=1)
    assert result["EMAIL_ADDRESS"] == Counts(tp_pred=0, n_pred=1, tp_gold=0, n_gold=1)


def test_overlap_match_forgives_boundaries_but_not_types() -> None:
    gold = [S(0, 10, "LOCATION"), S(20, 25, "PERSON")]
    pred = [S(0, 4, "LOCATION"), S(6, 10, "LOCATION"), S(20, 25, "LOCATION")]
    result = score_post(gold, pred, mode=OVERLAP)
    # both halves of the split address overlap the gold address; the third is the wrong type
    assert result["LOCATION"] == Counts(tp_pred=2, n_pred=3, tp_gold=1, n_gold=1)
    assert result["PERSON"] == Counts(tp_pred=0, n_pred=0, tp_gold=0, n_gold=1)


def test_any_type_overlap_ignores_the_label() -> None:
    gold = [S(20, 25, "PERSON")]
    pred = [S(20, 25, "LOCATION")]
    assert score_post(gold, pred, mode=OVERLAP, any_type=True)[ALL] == Counts(1, 1, 1, 1)


def test_touching_spans_do_not_overlap() -> None:
    assert not S(0, 5, "PERSON").overlaps(S(5, 9, "PERSON"))
    assert S(0, 5, "PERSON").overlaps(S(4, 9, "PERSON"))


def test_duplicate_exact_predictions_count_once() -> None:
    gold = [S(0, 5, "PERSON")]
    result = score_post(gold, [S(0, 5, "PERSON"), S(0, 5, "PERSON")], mode=EXACT)
    assert result["PERSON"] == Counts(1, 1, 1, 1)


@pytest.mark.parametrize(
    ("counts", "p", "r", "f1"),
    [
        (Counts(tp_pred=3, n_pred=4, tp_gold=3, n_gold=6), 0.75, 0.5, 0.6),
        (Counts(tp_pred=0, n_pred=0, tp_gold=0, n_gold=2), 1.0, 0.0, 0.0),  # found nothing
        (Counts(tp_pred=0, n_pred=2, tp_gold=0, n_gold=0), 0.0, 1.0, 0.0),  # only false alarms
    ],
    ids=["partial", "silent", "false-alarms"],
)
def test_precision_recall_f1(counts: Counts, p: float, r: float, f1: float) -> None:
    assert counts.precision == pytest.approx(p)
    assert counts.recall == pytest.approx(r)
    assert counts.f1 == pytest.approx(f1)


def test_evaluate_sums_per_language_and_overall() -> None:
    items = [
        ("de", [S(0, 5, "PERSON")], [S(0, 5, "PERSON")]),
        ("en", [S(0, 5, "PERSON"), S(7, 9, "URL")], [S(0, 4, "PERSON")]),
    ]
    report = evaluate(items, mode=EXACT)
    assert report.get("de", "PERSON") == Counts(1, 1, 1, 1)
    assert report.get("en", "PERSON") == Counts(0, 1, 0, 1)
    assert report.get(ALL, "PERSON") == Counts(1, 2, 1, 2)
    assert report.get(ALL, ALL) == Counts(1, 2, 1, 3)
    assert report.types() == ["PERSON", "URL", ALL]


def test_evaluate_restricts_to_score_types_and_tallies_the_rest() -> None:
    items = [("de", [S(0, 5, "PERSON")], [S(0, 5, "PERSON"), S(6, 9, "US_SSN")])]
    report = evaluate(items, mode=EXACT, score_types={"PERSON"})
    assert report.get(ALL, ALL) == Counts(1, 1, 1, 1)
    assert report.unscored == {"US_SSN": 1}


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        score_post([], [], mode="fuzzy")


def test_format_table_shows_each_report() -> None:
    items = [("de", [S(0, 5, "PERSON")], [S(0, 5, "PERSON")])]
    table = format_table(
        {"Sphere": evaluate(items), "Presidio": evaluate([("de", [S(0, 5, "PERSON")], [])])}
    )
    assert "Sphere" in table and "Presidio" in table
    assert "PERSON" in table and "1.000" in table and "0.000" in table
