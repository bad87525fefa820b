"""Every anonymous figure that leaves Sphere went through the release layer: the
transparency page and API show released (noisy, thresholded) figures with ε and δ, the
release is recorded by the accountant, and reloading spends nothing more."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.storage.db import make_session_factory, session_scope
from sphere.storage.repositories.aggregates import AggregateRepository
from sphere.storage.repositories.privacy_releases import PrivacyReleaseRepository


def _seed_aggregates(engine: Engine, day: date, count: int) -> None:
    with session_scope(make_session_factory(engine)) as db:
        AggregateRepository(db).increment(
            day=day,
            channel="mastodon",
            addressing="public_mention",
            outcome="anonymise",
            by=count,
        )


def _releases(engine: Engine) -> list[tuple[str, str]]:
    with session_scope(make_session_factory(engine)) as db:
        return [(r.scope, r.release_key) for r in PrivacyReleaseRepository(db).list()]


def test_transparency_page_and_api_show_released_figures(
    client: TestClient, fresh_engine: Engine, clock: object
) -> None:
    today = clock.now().date()  # type: ignore[attr-defined]
    _seed_aggregates(fresh_engine, today, 3)  # a count of 3: below k, never shown
    page = client.get("/transparency")
    assert page.status_code == 200
    assert "Differential privacy: ε = 0.5" in page.text
    assert "not published (too few posts)" in page.text
    released = _releases(fresh_engine)
    assert {scope for scope, _ in released} == {"transparency"}
    body = client.get("/api/v1/transparency").json()
    assert body["months"][0]["posts_aggregate_only"] is None
    assert body["months"][0]["guarantee"]["k"] == 10
    assert body["months"][0]["guarantee"]["epsilon"] == 0.5
    assert _releases(fresh_engine) == released  # page and API share one release


def test_large_counts_are_released_with_noise(
    client: TestClient, fresh_engine: Engine, clock: object
) -> None:
    today = clock.now().date()  # type: ignore[attr-defined]
    _seed_aggregates(fresh_engine, today, 5000)
    month = client.get("/api/v1/transparency").json()["months"][0]
    assert month["posts_aggregate_only"] is not None
    assert abs(month["posts_aggregate_only"] - 5000) < 200
