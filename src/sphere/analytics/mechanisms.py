"""Differential-privacy mechanisms for released figures, from OpenDP (no home-made noise).

Three shapes of figure leave Sphere anonymously, each with one mechanism:

* **a table of counts** (posts per topic, per day, per channel …) —
  ``make_laplace_threshold`` (discrete Laplace noise on every count, then a threshold
  on the *noisy* count; Rogers 2023): cells whose noisy count is below the threshold are
  not released, so the set of cells itself stays private. The threshold is at least
  the k of the k-threshold rule and high enough that the privacy loss stays within
  (ε, δ) for the stated contribution bound; it is computed from OpenDP's privacy map,
  not from a formula of ours.
* **one count** (requests answered) — ``make_laplace`` on an integer, then the same
  k-threshold on the noisy value (post-processing, so it costs no privacy).
* **a median** (days to answer a request) — ``make_private_quantile`` over fixed
  candidate values (exponential mechanism, Smith 2011).

The unit of privacy is one contribution: one post (a table of post counts) or one
request. ``contributions`` bounds how many a single person may add to one release
(posts per period); the noise scale grows with it. Neighbouring datasets differ by one
person's contributions; every function states its (ε, δ) for that neighbour relation.

Pure: no I/O, no clock, no database. Randomness comes from OpenDP's CSPRNG; tests check
the mechanisms statistically (``tests/unit/analytics``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sphere.errors import ConfigurationError

#: Most cells a counts table may have before noise (bounds a release's cost).
MAX_CELLS = 100_000


def _dp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


@dataclass(frozen=True, slots=True)
class NoisyCounts:
    """Released cells (noisy counts ≥ ``threshold``) and the guarantee they carry."""

    values: dict[str, int]
    epsilon: float
    delta: float
    threshold: int
    scale: float


@lru_cache(maxsize=64)
def _threshold_measurement(
    epsilon: float, delta: float, k: int, contributions: int
) -> tuple[Any, int, float, float]:
    """The laplace-threshold measurement with the smallest threshold ≥ k whose privacy
    map gives at most (ε, δ) for one person's ``contributions``."""
    if epsilon <= 0 or not 0 < delta < 1 or k < 1 or contributions < 1:
        raise ConfigurationError(
            "release needs epsilon > 0, 0 < delta < 1, k ≥ 1, contributions ≥ 1"
        )
    dp = _dp()
    domain = dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=int))
    metric = dp.l01inf_distance(dp.absolute_distance(T=int))
    scale = contributions / epsilon
    d_in = (contributions, contributions, contributions)

    def build(threshold: int) -> tuple[Any, float, float]:
        meas = dp.m.make_laplace_threshold(domain, metric, scale=scale, threshold=threshold)
        eps, dlt = meas.map(d_in)
        return meas, float(eps), float(dlt)

    low, high = k, max(k, 1) * 2
    while build(high)[2] > delta:
        low, high = high, high * 2
        if high > 10_000_000:
            raise ConfigurationError("no threshold reaches the requested delta")
    if build(low)[2] <= delta:
        high = low
    while high - low > 1:
        mid = (low + high) // 2
        if build(mid)[2] <= delta:
            high = mid
        else:
            low = mid
    meas, eps, dlt = build(high)
    return meas, high, eps, dlt


def noisy_counts(
    counts: Mapping[str, int],
    *,
    epsilon: float,
    delta: float,
    k: int,
    contributions: int = 1,
) -> NoisyCounts:
    """Release a table of counts under (ε, δ)-DP with k-threshold suppression.

    ``counts`` maps a cell key to a non-negative count; absent cells count as 0 (they
    are never released, since noise is only added to present cells and the threshold
    covers the difference — that is what δ pays for).
    """
    if len(counts) > MAX_CELLS:
        raise ConfigurationError(f"a release may hold at most {MAX_CELLS} cells")
    meas, threshold, eps, dlt = _threshold_measurement(
        float(epsilon), float(delta), int(k), int(contributions)
    )
    clean = {str(key): int(v) for key, v in counts.items() if int(v) > 0}
    released = meas(clean) if clean else {}
    return NoisyCounts(
        {key: int(v) for key, v in released.items()},
        eps,
        dlt,
        threshold,
        contributions / epsilon,
    )


@lru_cache(maxsize=64)
def _laplace_measurement(epsilon: float, contributions: int) -> Any:
    dp = _dp()
    return dp.m.make_laplace(
        dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=contributions / epsilon
    )


def noisy_count(count: int, *, epsilon: float, k: int, contributions: int = 1) -> int | None:
    """One count under ε-DP (δ = 0); None when the noisy value is below ``k``."""
    if epsilon <= 0 or contributions < 1:
        raise ConfigurationError("release needs epsilon > 0 and contributions ≥ 1")
    value = int(_laplace_measurement(float(epsilon), int(contributions))(int(count)))
    return value if value >= k else None


@lru_cache(maxsize=64)
def _median_measurement(candidates: tuple[float, ...], epsilon: float) -> Any:
    dp = _dp()
    lo, hi = candidates[0], candidates[-1]
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()

    def build(scale: float) -> Any:
        return (
            space
            >> dp.t.then_clamp((lo, hi))
            >> dp.m.then_private_quantile(
                dp.max_divergence(), candidates=list(candidates), alpha=0.5, scale=scale
            )
        )

    # ε is inversely proportional to the scale: measure ε at scale 1, then rescale so
    # that adding or removing one value costs exactly ``epsilon`` (OpenDP's privacy map).
    return build(float(build(1.0).map(1)) / epsilon)


def noisy_median(values: Sequence[float], *, candidates: Sequence[float], epsilon: float) -> float:
    """A median under ε-DP, chosen among ``candidates`` (exponential mechanism over
    OpenDP's quantile score; one person changes the data set by one value)."""
    if epsilon <= 0 or not candidates:
        raise ConfigurationError("median needs epsilon > 0 and candidate values")
    meas = _median_measurement(tuple(sorted(float(c) for c in candidates)), float(epsilon))
    return float(meas([float(v) for v in values]))
