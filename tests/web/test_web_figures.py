"""Every anonymous figure that leaves Sphere went through the release layer: the
transparency page and API show released (noisy, thresholded) figures with ε and δ, the
release is recorded by the accountant, and reloading spends nothing more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role
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
    assert "not published (too few posts to publish both counts)" in page.text
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


def _seed_listening(engine: Engine, today: date) -> None:
    from datetime import timedelta

    from sphere.storage.repositories.listening import ListeningRepository

    with session_scope(make_session_factory(engine)) as db:
        AggregateRepository(db).increment_many(
            [
                (today - timedelta(days=i), "mastodon", "public_mention", "anonymise", topic, n)
                for i in range(7)
                for topic, n in (("company", 400), ("other", 900))
            ]
        )
        ListeningRepository(db).increment_many(
            [(today, "mastodon", "product", "Tele 70-200", 700), (today, "x", "product", "Rare", 3)]
            + [(today, "mastodon", "sentiment", s, 600) for s in ("positive", "negative")]
        )


@pytest.mark.parametrize(
    ("role", "status"), [(Role.MARKETER, 200), (Role.DPO, 200), (Role.AGENT, 403)]
)
def test_listening_api_releases_through_the_layer(
    client: TestClient,
    fresh_engine: Engine,
    clock: object,
    make_token: Callable[..., str],
    role: Role,
    status: int,
) -> None:
    _seed_listening(fresh_engine, clock.now().date())  # type: ignore[attr-defined]
    response = client.get(
        "/api/v1/listening?days=7", headers={"Authorization": f"Bearer {make_token(role)}"}
    )
    assert response.status_code == status
    if status != 200:
        assert _releases(fresh_engine) == []  # a refused caller spends nothing
        return
    body = response.json()
    assert body["guarantee"]["epsilon"] == 0.5 and body["refusal"] is None
    assert "Tele 70-200" in body["products"] and "Rare" not in body["products"]  # 3 < k
    assert abs(body["share_of_voice"]["company"] - 2800) < 300
    assert len(body["volume"]) == 7
    keys = [(scope, key.split("#")[0]) for scope, key in _releases(fresh_engine)]
    assert set(keys) == {("listening", f"listening/7d/{_week(clock)}")}  # one per month touched


def _week(clock: object) -> str:
    year, week, _ = clock.now().isocalendar()  # type: ignore[attr-defined]
    return f"{year}-W{week:02d}"


def test_listening_page_in_both_languages_and_refusal_when_spent(
    client: TestClient,
    fresh_engine: Engine,
    clock: object,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
    settings: object,
) -> None:
    _seed_listening(fresh_engine, clock.now().date())  # type: ignore[attr-defined]
    api_login(make_user("marketer", Role.MARKETER))
    en = client.get("/cockpit/listening?lang=en&days=7")
    assert en.status_code == 200 and "Share of voice" in en.text and "ε = 0.5" in en.text
    de = client.get("/cockpit/listening?lang=de&days=7")
    assert "Erwähnte Produkte" in de.text and "Differential Privacy" in de.text
    # other windows are fresh releases; the month's budget (10) runs out and is refused
    with session_scope(make_session_factory(fresh_engine)) as db:
        repo = PrivacyReleaseRepository(db)
        spent = repo.spent("listening", clock.now().strftime("%Y-%m"))[0]  # type: ignore[attr-defined]
    assert spent == 0.5
    from sphere.storage.repositories.privacy_releases import StoredRelease

    with session_scope(make_session_factory(fresh_engine)) as db:
        PrivacyReleaseRepository(db).add(
            StoredRelease(
                "listening",
                clock.now().strftime("%Y-%m"),
                "filler",
                9.6,
                0.0,  # type: ignore[attr-defined]
                clock.now(),
                {},  # type: ignore[attr-defined]
            )
        )
    refused = client.get("/cockpit/listening?lang=en&days=28")
    assert "Not released: privacy budget of &#39;listening&#39;" in refused.text
    again = client.get("/cockpit/listening?lang=en&days=7")  # the stored release still reads
    assert "Share of voice" in again.text
