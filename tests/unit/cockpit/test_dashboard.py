"""The home's figures without a database: the consent cards' windows and the trends as a
findings snapshot stores them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sphere.cockpit.dashboard import Series, Trends, _consent_cards

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_consent_rate_and_withdrawals_compare_two_windows_of_seven_days() -> None:
    days = {
        "given": {date(2026, 12, 3): 6, date(2026, 11, 27): 3, date(2026, 11, 26): 8,
                  date(2026, 11, 19): 100},  # the last is older than 14 days: ignored
        "withdrawn": {date(2026, 12, 1): 2, date(2026, 11, 20): 2},
    }  # fmt: skip
    rate, withdrawn = _consent_cards(days, NOW)
    assert rate.detail == {"given": 9, "withdrawn": 2}  # 27 Nov .. 3 Dec
    assert rate.value == 81.8 and rate.previous == 80.0 and rate.change == 1.8
    assert (withdrawn.value, withdrawn.previous, withdrawn.change) == (2, 2, 0)


def test_no_consent_decision_means_no_rate() -> None:
    rate, withdrawn = _consent_cards({}, NOW)
    assert rate.value is None and rate.change is None and withdrawn.value == 0


def test_trends_survive_a_snapshot_round_trip() -> None:
    trends = Trends(
        {"given": {date(2026, 12, 1): 3}},
        {"requests": Series((date(2026, 11, 30),), {"received": (1.0,), "days": (None,)})},
    )
    assert Trends.from_dict(trends.to_dict()) == trends
