"""The DP mechanisms, checked statistically: for neighbouring data sets (one person's
post added) the frequency of every output event stays within e^ε · P + δ of the other
data set's, allowing for sampling error; cells below the threshold are never shown."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from sphere.analytics.mechanisms import noisy_count, noisy_counts, noisy_median
from sphere.errors import ConfigurationError

RUNS = 3000


def _slack(p: float) -> float:
    """Four standard errors of an estimated probability plus a small constant."""
    return 4 * math.sqrt(max(p * (1 - p), 1e-4) / RUNS) + 0.005


def _assert_dp(a: Counter[object], b: Counter[object], eps: float, delta: float) -> None:
    for event in set(a) | set(b):
        pa, pb = a[event] / RUNS, b[event] / RUNS
        assert pa <= math.exp(eps) * pb + delta + _slack(pa), (event, pa, pb)
        assert pb <= math.exp(eps) * pa + delta + _slack(pb), (event, pa, pb)


def _bucket(value: int | None, width: int = 2) -> object:
    return None if value is None else value // width


def test_noisy_count_is_epsilon_dp_for_neighbours() -> None:
    eps = 0.5
    a = Counter(_bucket(noisy_count(40, epsilon=eps, k=10)) for _ in range(RUNS))
    b = Counter(_bucket(noisy_count(41, epsilon=eps, k=10)) for _ in range(RUNS))
    _assert_dp(a, b, eps, 0.0)


def test_noisy_count_suppresses_below_k() -> None:
    released = [noisy_count(2, epsilon=0.5, k=10) for _ in range(500)]
    assert all(v is None or v >= 10 for v in released)
    assert sum(v is None for v in released) > 450  # a count of 2 is almost never shown


def test_noisy_counts_table_is_dp_and_thresholded() -> None:
    eps, delta = 0.5, 1e-6
    first = noisy_counts({"a": 60, "b": 3}, epsilon=eps, delta=delta, k=10)
    assert first.threshold >= 10
    assert first.epsilon <= eps + 1e-9 and first.delta <= delta
    assert "b" not in first.values  # a cell of 3 is far below the threshold
    a = Counter(
        _bucket(noisy_counts({"a": 60}, epsilon=eps, delta=delta, k=10).values.get("a"))
        for _ in range(RUNS)
    )
    b = Counter(
        _bucket(noisy_counts({"a": 61}, epsilon=eps, delta=delta, k=10).values.get("a"))
        for _ in range(RUNS)
    )
    _assert_dp(a, b, eps, delta)


def test_new_cell_of_one_person_is_never_revealed() -> None:
    # Neighbour: one person's post creates cell "x". Its presence must stay hidden.
    shown = sum(
        "x" in noisy_counts({"a": 50, "x": 1}, epsilon=0.5, delta=1e-6, k=10).values
        for _ in range(RUNS)
    )
    assert shown == 0


def test_more_contributions_raise_noise_and_threshold() -> None:
    one = noisy_counts({"a": 100}, epsilon=0.5, delta=1e-6, k=10)
    five = noisy_counts({"a": 100}, epsilon=0.5, delta=1e-6, k=10, contributions=5)
    assert five.scale == 5 * one.scale
    assert five.threshold > one.threshold


def test_noisy_median_is_dp_for_neighbours() -> None:
    eps = 1.0
    base = [3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0]
    cands = [float(c) for c in range(0, 31)]
    a = Counter(noisy_median(base, candidates=cands, epsilon=eps) // 3 for _ in range(RUNS // 2))
    b = Counter(
        noisy_median([*base, 30.0], candidates=cands, epsilon=eps) // 3 for _ in range(RUNS // 2)
    )
    for event in set(a) | set(b):
        pa, pb = a[event] / (RUNS // 2), b[event] / (RUNS // 2)
        assert pa <= math.exp(eps) * pb + 2 * _slack(pa)
        assert pb <= math.exp(eps) * pa + 2 * _slack(pb)
    assert 4 <= noisy_median(base * 20, candidates=cands, epsilon=eps) <= 12


@pytest.mark.parametrize(
    "kwargs",
    [
        {"epsilon": 0.0, "delta": 1e-6, "k": 10},  # no privacy loss is not a mechanism
        {"epsilon": 0.5, "delta": 0.0, "k": 10},  # thresholding needs a delta
        {"epsilon": 0.5, "delta": 1e-6, "k": 0},  # k below 1
    ],
    ids=["eps-zero", "delta-zero", "k-zero"],
)
def test_bad_parameters_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        noisy_counts({"a": 10}, **kwargs)  # type: ignore[arg-type]
