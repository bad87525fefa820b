"""X Account Activity API webhook bodies through the ``x`` adapter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sphere.channels import BadRecord, adapter_for
from sphere.domain import ObservationKind
from sphere.domain.facts import Visibility

FIXTURE = Path(__file__).parents[2] / "fixtures" / "channels" / "x" / "account_activity.jsonl"


def _bodies() -> list[dict[str, object]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def test_account_activity_tweet_delete_dm_and_like() -> None:
    x = adapter_for("x")
    create, delete, dm, like = (x.parse(b, ref=f"aaa:{i}") for i, b in enumerate(_bodies()))
    (tweet,) = create
    assert tweet.kind is ObservationKind.POST
    assert tweet.source_id == "1790000000000000101"
    assert tweet.created_at == datetime(2026, 5, 5, 8, 0, tzinfo=UTC)
    assert tweet.text.startswith("@optiklinse mein Tele 70-200 klappert & fokussiert")
    assert tweet.author is not None and tweet.author.handle == "anna_k_example"
    assert "optiklinse" in tweet.mentions and "1500000000000000001" in tweet.mentions
    assert tweet.in_reply_to_user_id == "1500000000000000001"
    (gone,) = delete
    assert gone.kind is ObservationKind.DELETION and gone.source_id == tweet.source_id
    (message,) = dm
    assert message.kind is ObservationKind.MESSAGE
    assert message.visibility is Visibility.PRIVATE_MESSAGE
    assert message.mentions == ("1500000000000000001",)
    assert like == []


def test_extended_tweet_full_text_and_retweet() -> None:
    body = _bodies()[0]
    tweet = dict(body["tweet_create_events"][0])  # type: ignore[index]
    tweet["truncated"] = True
    tweet["extended_tweet"] = {"full_text": "the whole text " * 30, "entities": {}}
    (obs,) = adapter_for("x").parse({**body, "tweet_create_events": [tweet]}, ref="r")
    assert obs.text.startswith("the whole text the whole text")
    retweet = {**tweet, "retweeted_status": {"id_str": "1"}}
    assert adapter_for("x").parse({**body, "tweet_create_events": [retweet]}, ref="r") == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"created_at": "2026-05-05T08:00:00Z"}, "tweet_create_events[0].created_at"),
        ({"user": None}, "tweet_create_events[0].user"),
        ({"id_str": None}, "tweet_create_events[0].id_str"),
    ],
    ids=["iso-time-not-v1-format", "no-user", "no-id"],
)
def test_bad_account_activity_tweet_names_the_field(change: dict[str, object], field: str) -> None:
    body = _bodies()[0]
    tweet = {**body["tweet_create_events"][0], **change}  # type: ignore[index,dict-item]
    with pytest.raises(BadRecord) as info:
        adapter_for("x").parse({**body, "tweet_create_events": [tweet]}, ref="r")
    assert info.value.field == field
