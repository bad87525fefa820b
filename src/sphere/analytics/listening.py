"""Social listening for marketing, anonymous by construction.

The report is built only from the anonymous counters — ``aggregates`` (public posts
that mentioned the company's market without addressing it, counted per day, channel and
topic after the policy allowed monitoring as anonymous counts) and ``listening_counts``
(products mentioned, sentiment) — and leaves Sphere only through the release layer: one
release per window and ISO week holds five tables (volume per day, share of voice,
channels, products, sentiment), each with noise and a k-threshold, ε and δ split over
them, charged to the ``listening`` budget of every month the window touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sphere.analytics.release import PrivacyBudgetSpent, Query, Release, ReleasePolicy, release
from sphere.storage.repositories.listening import ListeningRepository
from sphere.storage.repositories.privacy_releases import PrivacyReleaseRepository

SCOPE = "listening"
#: Windows the page offers (days up to and including today).
WINDOWS = (7, 28, 91)
SENTIMENTS = ("positive", "neutral", "negative")


@dataclass(frozen=True, slots=True)
class ListeningReport:
    """Released figures (None where a refusal took their place)."""

    since: date
    until: date
    volume: list[tuple[str, int]]  # (day, posts) for days above the threshold
    share_of_voice: dict[str, int]  # topic ("company" | "other") → posts
    channels: dict[str, int]
    products: dict[str, int]
    sentiment: dict[str, int]
    release: Release | None
    refusal: str | None = None

    @property
    def company_share(self) -> float | None:
        total = sum(self.share_of_voice.values())
        return None if total == 0 else self.share_of_voice.get("company", 0) / total


def listening_report(
    session: object, *, days: int, now: datetime, policy: ReleasePolicy
) -> ListeningReport:
    """The released report over the last ``days`` days (today included)."""
    until = now.date()
    since = until - timedelta(days=days - 1)
    year, week, _ = now.isocalendar()
    key = f"listening/{days}d/{year}-W{week:02d}"
    listening = ListeningRepository(session)  # type: ignore[arg-type]

    def compute() -> Query:
        volume: dict[tuple[str, ...], int] = {}
        voice: dict[tuple[str, ...], int] = {}
        channels: dict[tuple[str, ...], int] = {}
        for day, channel, topic, n in listening.monitored(
            since=since, until=until, outcome="anonymise", addressing="public_mention"
        ):
            volume[(day.isoformat(),)] = volume.get((day.isoformat(),), 0) + n
            voice[(topic or "other",)] = voice.get((topic or "other",), 0) + n
            channels[(channel,)] = channels.get((channel,), 0) + n
        products = {
            (k,): v for k, v in listening.by_kind("product", since=since, until=until).items()
        }
        sentiment = {
            (k,): v for k, v in listening.by_kind("sentiment", since=since, until=until).items()
        }
        return Query(
            tables={
                "volume": volume,
                "share_of_voice": voice,
                "channels": channels,
                "products": products,
                "sentiment": sentiment,
            }
        )

    try:
        rel = release(
            PrivacyReleaseRepository(session),  # type: ignore[arg-type]
            scope=SCOPE,
            key=key,
            window=(since, until),
            compute=compute,
            policy=policy,
            now=now,
        )
    except PrivacyBudgetSpent as refusal:
        return ListeningReport(since, until, [], {}, {}, {}, {}, None, str(refusal))

    def flat(name: str) -> dict[str, int]:
        return {k[0]: v for k, v in sorted(rel.tables.get(name, {}).items())}

    return ListeningReport(
        since=since,
        until=until,
        volume=sorted(flat("volume").items()),
        share_of_voice=flat("share_of_voice"),
        channels=flat("channels"),
        products=dict(sorted(flat("products").items(), key=lambda kv: -kv[1])),
        sentiment={s: flat("sentiment")[s] for s in SENTIMENTS if s in flat("sentiment")},
        release=rel,
    )
