"""The one release layer: every anonymous figure that leaves Sphere passes here.

A *release* is a named set of figures over a data window (the listening report for
the last 28 days, the transparency figures of one month …). ``release`` does, in the
caller's transaction:

1. **re-use**: the same release (scope + key) was made before → return it as stored,
   spending nothing. Keys name the window and a refresh step (a day, a week, a
   month), so a page that is reloaded a hundred times costs one release;
2. **accounting**: the privacy budget of the scope in every calendar month the window
   touches must still hold the release's ε and δ (sequential composition; months are
   disjoint data, so each post is charged in its own month only). Otherwise the release
   is **refused** with a readable reason (:class:`PrivacyBudgetSpent`);
3. **mechanisms**: tables of counts and single counts get OpenDP's laplace-threshold
   (noise, then a threshold ≥ k on the noisy count, high enough that a count below it
   is shown with probability δ at most), medians the exponential mechanism
   (``sphere.analytics.mechanisms``); ε and δ are split evenly over the figures;
4. **record**: the noisy payload and its cost are stored (``privacy_releases``), which
   is the accountant's ledger.

Every :class:`Release` carries ε, δ, k, the applied threshold and the budget left, so
each page, export and API answer can state them beside the figure.

Why: a count of one in "day × channel × topic" identifies a post, and exact counts
released repeatedly can be differenced (Dinur–Nissim 2003); k-anonymity-style
suppression alone does not compose (GDPR Recital 26 asks whether a person is
identifiable "by all the means reasonably likely to be used"; EDPB/Art. 29 WP Opinion
05/2014 on anonymisation names noise addition and differential privacy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sphere.analytics.mechanisms import noisy_counts, noisy_median
from sphere.errors import PolicyViolation
from sphere.storage.repositories.privacy_releases import (
    PrivacyReleaseRepository,
    ReleaseAlreadyRecorded,
    StoredRelease,
)

#: Separator of the parts of a cell key ("2026-12-01\x1ftopic").
KEY_SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class ReleasePolicy:
    """The release parameters (from ``Settings``: ``SPHERE_RELEASE_*``)."""

    k: int = 10
    epsilon: float = 0.5
    delta: float = 1e-6
    contributions: int = 1
    budget_epsilon: float = 10.0
    budget_delta: float = 1e-4

    @classmethod
    def from_settings(cls, settings: Any) -> ReleasePolicy:
        return cls(
            k=settings.release_k,
            epsilon=settings.release_epsilon,
            delta=settings.release_delta,
            contributions=settings.release_contributions,
            budget_epsilon=settings.privacy_budget_epsilon,
            budget_delta=settings.privacy_budget_delta,
        )


@dataclass(frozen=True, slots=True)
class Median:
    values: Sequence[float]
    candidates: Sequence[float]


@dataclass
class Query:
    """Exact figures computed by the caller; never leave this module as they are."""

    tables: dict[str, Mapping[tuple[str, ...], int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    medians: dict[str, Median] = field(default_factory=dict)

    @property
    def parts(self) -> int:
        return len(self.tables) + len(self.counts) + len(self.medians)


@dataclass(frozen=True, slots=True)
class Release:
    """Released (noisy, thresholded) figures and the guarantee they carry."""

    scope: str
    key: str
    periods: tuple[str, ...]
    released_at: datetime
    epsilon: float
    delta: float
    k: int
    tables: dict[str, dict[tuple[str, ...], int]]
    counts: dict[str, int | None]
    medians: dict[str, float | None]
    thresholds: dict[str, int]
    budget_epsilon: float
    spent_epsilon: float

    @property
    def budget_left(self) -> float:
        return max(0.0, self.budget_epsilon - self.spent_epsilon)

    def guarantee(self) -> dict[str, Any]:
        """The statement printed beside the figures (and returned by the API)."""
        return {
            "epsilon": round(self.epsilon, 4),
            "delta": self.delta,
            "k": self.k,
            "thresholds": self.thresholds,
            "unit": "one post or request per person",
            "mechanism": "OpenDP laplace-threshold / discrete Laplace / exponential",
            "periods": list(self.periods),
            "budget_epsilon_per_month": self.budget_epsilon,
            "spent_epsilon_this_month": round(self.spent_epsilon, 4),
            "released_at": self.released_at.isoformat(),
        }


class PrivacyBudgetSpent(PolicyViolation):
    """A release would exceed the privacy budget of its scope in a month."""

    def __init__(self, scope: str, period: str, spent: float, budget: float) -> None:
        self.scope, self.period, self.spent, self.budget = scope, period, spent, budget
        year, month = (int(x) for x in period.split("-"))
        nxt = f"{year + month // 12}-{month % 12 + 1:02d}-01"
        super().__init__(
            f"privacy budget of '{scope}' for {period} is spent (ε {spent:.2f} of "
            f"{budget:.2f}); these figures are not released again until data of {nxt} "
            "or later is asked for"
        )


def months(since: date, until: date) -> tuple[str, ...]:
    """Calendar months ("YYYY-MM") a window touches, in order."""
    out = []
    y, m = since.year, since.month
    while (y, m) <= (until.year, until.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def _encode(key: tuple[str, ...]) -> str:
    return KEY_SEP.join(key)


def _decode(key: str) -> tuple[str, ...]:
    return tuple(key.split(KEY_SEP))


def _payload(release: Release) -> dict[str, Any]:
    return {
        "tables": {n: {_encode(k): v for k, v in t.items()} for n, t in release.tables.items()},
        "counts": release.counts,
        "medians": release.medians,
        "thresholds": release.thresholds,
        "k": release.k,
        "epsilon": release.epsilon,
        "delta": release.delta,
        "periods": list(release.periods),
    }


def _from_stored(stored: StoredRelease, budget: float, spent: float) -> Release:
    p = stored.payload
    return Release(
        scope=stored.scope,
        key=stored.release_key,
        periods=tuple(p["periods"]),
        released_at=stored.released_at,
        epsilon=float(p["epsilon"]),
        delta=float(p["delta"]),
        k=int(p["k"]),
        tables={n: {_decode(k): int(v) for k, v in t.items()} for n, t in p["tables"].items()},
        counts={n: (None if v is None else int(v)) for n, v in p["counts"].items()},
        medians={n: (None if v is None else float(v)) for n, v in p["medians"].items()},
        thresholds={n: int(v) for n, v in p["thresholds"].items()},
        budget_epsilon=budget,
        spent_epsilon=spent,
    )


def release(
    repository: PrivacyReleaseRepository,
    *,
    scope: str,
    key: str,
    window: tuple[date, date],
    compute: Callable[[], Query],
    policy: ReleasePolicy,
    now: datetime,
) -> Release:
    """Release the figures ``compute`` returns, or return the earlier identical release.

    Raises :class:`PrivacyBudgetSpent` (a readable refusal) when a month of the window
    has no budget left for it. ``compute`` runs only for a fresh release.
    """
    periods = months(*window)
    stored = repository.get(scope, key)
    if stored is not None:
        spent = repository.spent(scope, periods[-1])[0]
        return _from_stored(stored, policy.budget_epsilon, spent)
    for period in periods:
        eps_spent, dlt_spent = repository.spent(scope, period)
        if (
            eps_spent + policy.epsilon > policy.budget_epsilon + 1e-9
            or dlt_spent + policy.delta > policy.budget_delta + 1e-15
        ):
            raise PrivacyBudgetSpent(scope, period, eps_spent, policy.budget_epsilon)
    query = compute()
    parts = max(1, query.parts)
    eps_part = policy.epsilon / parts
    # tables and single counts both go through the threshold mechanism, so a count below
    # the threshold is shown only with probability δ (not "often, if noise is large")
    thresholded = max(1, len(query.tables) + len(query.counts))
    delta_part = policy.delta / thresholded
    tables: dict[str, dict[tuple[str, ...], int]] = {}
    thresholds: dict[str, int] = {}
    used_delta = 0.0
    for name, table in query.tables.items():
        noisy = noisy_counts(
            {_encode(k): v for k, v in table.items()},
            epsilon=eps_part,
            delta=delta_part,
            k=policy.k,
            contributions=policy.contributions,
        )
        tables[name] = {_decode(k): v for k, v in noisy.values.items()}
        thresholds[name] = noisy.threshold
        used_delta += noisy.delta
    counts: dict[str, int | None] = {}
    for name, value in query.counts.items():
        noisy = noisy_counts(
            {name: value},
            epsilon=eps_part,
            delta=delta_part,
            k=policy.k,
            contributions=policy.contributions,
        )
        counts[name] = noisy.values.get(name)
        thresholds[name] = noisy.threshold
        used_delta += noisy.delta
    medians: dict[str, float | None] = {}
    for name, med in query.medians.items():
        # A median of fewer than k values is not released at all (k-threshold).
        medians[name] = (
            noisy_median(med.values, candidates=med.candidates, epsilon=eps_part)
            if len(med.values) >= policy.k
            else None
        )
    result = Release(
        scope=scope,
        key=key,
        periods=periods,
        released_at=now,
        epsilon=policy.epsilon,
        delta=used_delta,
        k=policy.k,
        tables=tables,
        counts=counts,
        medians=medians,
        thresholds=thresholds,
        budget_epsilon=policy.budget_epsilon,
        spent_epsilon=0.0,
    )
    payload = _payload(result)
    try:
        for i, period in enumerate(periods):
            repository.add(
                StoredRelease(
                    scope,
                    period,
                    key if i == 0 else f"{key}#{period}",
                    result.epsilon,
                    result.delta,
                    now,
                    payload if i == 0 else {"see": key},
                )
            )
    except ReleaseAlreadyRecorded:
        again = repository.get(scope, key)
        if again is None:  # pragma: no cover - the duplicate was rolled back meanwhile
            raise
        return _from_stored(again, policy.budget_epsilon, repository.spent(scope, periods[-1])[0])
    spent = repository.spent(scope, periods[-1])[0]
    return Release(
        **{**{f: getattr(result, f) for f in result.__dataclass_fields__}, "spent_epsilon": spent}
    )
