"""X Account Activity API webhook bodies (v1.1 objects), read by the ``x`` adapter.

A delivery is ``{"for_user_id": <subscribed account>, "<type>_events": [...]}``
(https://docs.x.com/x-api/enterprise-gnip-2.0/fundamentals/account-activity). Read here:
``tweet_create_events`` (v1.1 Tweet objects: ``id_str``, ``text`` or
``extended_tweet.full_text``, ``user``, ``entities.user_mentions``, reply ids,
``created_at`` like ``Wed Oct 10 20:19:24 +0000 2018``; retweets yield nothing),
``tweet_delete_events`` (→ DELETION) and ``direct_message_events`` of type
``message_create`` (→ MESSAGE, private). Likes, follows, blocks, typing and read
indicators carry no text about a person's matter and yield nothing.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from sphere.domain import Author, Channel, Observation, ObservationKind
from sphere.domain.facts import Visibility

from .adapter import Fields
from .text import MAX_TEXT_CHARS, clean_text

_V1_TIME = "%a %b %d %H:%M:%S %z %Y"


def _v1_time(fields: Fields, key: str) -> datetime:
    value = fields.req(key)
    try:
        return datetime.strptime(value, _V1_TIME).astimezone(UTC)
    except ValueError:
        raise fields.bad(key, "expected a time like 'Wed Oct 10 20:19:24 +0000 2018'") from None


def _epoch_ms(fields: Fields, key: str) -> datetime:
    value = fields.req(key)
    if not value.isdigit():
        raise fields.bad(key, "expected epoch milliseconds")
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def _text(fields: Fields, key: str) -> str:
    value = fields.data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fields.bad(key, f"expected a string, got {type(value).__name__}")
    if len(value) > MAX_TEXT_CHARS:
        raise fields.bad(key, f"text longer than {MAX_TEXT_CHARS} characters; refused")
    return clean_text(html.unescape(value))


def parse_account_activity(record: Any, *, adapter: str, ref: str) -> list[Observation]:
    body = Fields(record, adapter=adapter)
    body.req("for_user_id")
    out: list[Observation] = []
    for tweet in body.objects("tweet_create_events"):
        out.extend(_tweet(tweet, ref=ref))
    for event in body.objects("tweet_delete_events"):
        status = event.obj("status")
        assert status is not None
        user_id = status.opt("user_id")
        out.append(
            Observation(
                channel=Channel.X,
                kind=ObservationKind.DELETION,
                source_id=status.req("id"),
                created_at=_epoch_ms(event, "timestamp_ms"),
                author=Author(user_id) if user_id else None,
                raw_ref=ref,
            )
        )
    for event in body.objects("direct_message_events"):
        if event.req("type") != "message_create":
            continue
        create = event.obj("message_create")
        assert create is not None
        target = create.obj("target")
        data = create.obj("message_data")
        assert target is not None and data is not None
        out.append(
            Observation(
                channel=Channel.X,
                kind=ObservationKind.MESSAGE,
                source_id=event.req("id"),
                created_at=_epoch_ms(event, "created_timestamp"),
                author=Author(create.req("sender_id")),
                text=_text(data, "text"),
                visibility=Visibility.PRIVATE_MESSAGE,
                mentions=(target.req("recipient_id"),),
                raw_ref=ref,
            )
        )
    return out


def _tweet(tweet: Fields, *, ref: str) -> list[Observation]:
    if tweet.has("retweeted_status"):
        return []
    user = tweet.obj("user")
    assert user is not None
    extended = tweet.obj("extended_tweet", required=False)
    text_source = extended if extended is not None and extended.has("full_text") else tweet
    text = _text(text_source, "full_text" if text_source is extended else "text")
    entities = (extended or tweet).obj("entities", required=False)
    mentions: list[str] = []
    hashtags: list[str] = []
    urls: list[str] = []
    if entities is not None:
        for mention in entities.objects("user_mentions"):
            mentions.append(mention.req("screen_name").lower())
            if mention.has("id_str"):
                mentions.append(mention.req("id_str"))
        hashtags = [h.req("text").lower() for h in entities.objects("hashtags")]
        urls = [
            u.opt("expanded_url", max_len=4000) or u.req("url", max_len=4000)
            for u in entities.objects("urls")
        ]
    reply_to = tweet.opt("in_reply_to_status_id_str")
    return [
        Observation(
            channel=Channel.X,
            kind=ObservationKind.COMMENT if reply_to else ObservationKind.POST,
            source_id=tweet.req("id_str"),
            created_at=_v1_time(tweet, "created_at"),
            author=Author(
                channel_user_id=user.req("id_str"),
                handle=user.opt("screen_name").lower() if user.has("screen_name") else None,
                display_name=user.text("name") or None,
            ),
            text=text,
            visibility=Visibility.RESTRICTED
            if user.flag("protected", default=False)
            else Visibility.PUBLIC,
            language=tweet.opt("lang"),
            mentions=tuple(dict.fromkeys(mentions)),
            hashtags=tuple(hashtags),
            urls=tuple(urls),
            in_reply_to_id=reply_to,
            in_reply_to_user_id=tweet.opt("in_reply_to_user_id_str"),
            quoted_id=tweet.opt("quoted_status_id_str"),
            conversation_id=reply_to,
            raw_ref=ref,
        )
    ]
