"""X (Twitter) API v2: tweet lookup/search responses, single tweet objects, DM events and
compliance deletion events.

Formats follow https://developer.x.com/en/docs/twitter-api/data-dictionary/example-payloads
and the conversation guide (``conversation_id``): a response ``{"data": [...], "includes":
{"users": [...]}}`` yields one Observation per tweet in ``data`` with its author resolved
from ``includes.users``. ``referenced_tweets`` gives ``replied_to`` (→ ``in_reply_to_id``)
and ``quoted`` (→ ``quoted_id``); a pure retweet yields nothing. X escapes ``&``, ``<`` and
``>`` in ``text``; they are decoded exactly once. A tweet with ``edit_history_tweet_ids``
longer than one is an EDIT of the first id. Compliance events
``{"data": {"delete": {"tweet": {"id": ...}, "event_at": ...}}}`` become DELETION.
DM events (``event_type`` MessageCreate) become MESSAGE with PRIVATE_MESSAGE visibility and
the participants as ``mentions``. Account Activity API webhook bodies (``for_user_id``)
are read by ``x_activity``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, ClassVar

from sphere.domain import Author, Channel, Clock, Observation, ObservationKind, SystemClock
from sphere.domain.facts import Visibility

from .adapter import Fields
from .text import MAX_TEXT_CHARS, clean_text
from .x_activity import parse_account_activity


class XAdapter:
    NAME: ClassVar[str] = "x"
    CHANNEL: ClassVar[Channel] = Channel.X

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()

    def parse(self, record: Mapping[str, Any], *, ref: str) -> list[Observation]:
        if isinstance(record, Mapping) and "for_user_id" in record:
            return parse_account_activity(record, adapter=self.NAME, ref=ref)
        fields = Fields(record, adapter=self.NAME)
        data = record.get("data")
        if isinstance(data, Mapping) and "delete" in data:
            return [self._deletion(Fields(data, adapter=self.NAME, prefix="data"), ref=ref)]
        if "delete" in record:
            return [self._deletion(fields, ref=ref)]
        if "event_type" in record:
            return self._dm(fields, ref=ref)
        users: dict[str, Fields] = {}
        includes = fields.obj("includes", required=False)
        if includes is not None:
            for user in includes.objects("users"):
                users[user.req("id")] = user
        if data is None:
            if "id" in record and "text" in record:
                return self._tweet(fields, users, ref=ref)
            if "errors" in record:
                return []  # an error-only response (e.g. not found) carries no tweet
            raise fields.bad("data", "missing")
        if isinstance(data, Mapping):
            return self._tweet(Fields(data, adapter=self.NAME, prefix="data"), users, ref=ref)
        out: list[Observation] = []
        for tweet in fields.objects("data"):
            out.extend(self._tweet(tweet, users, ref=ref))
        return out

    def _deletion(self, fields: Fields, *, ref: str) -> Observation:
        delete = fields.obj("delete")
        assert delete is not None
        tweet = delete.obj("tweet")
        assert tweet is not None
        when = delete.when("event_at") or self.clock.now()
        author_id = tweet.opt("author_id")
        return Observation(
            channel=self.CHANNEL,
            kind=ObservationKind.DELETION,
            source_id=tweet.req("id"),
            created_at=when,
            author=Author(author_id) if author_id else None,
            raw_ref=ref,
        )

    def _dm(self, event: Fields, *, ref: str) -> list[Observation]:
        if event.req("event_type") != "MessageCreate":
            return []  # ParticipantsJoin/Leave carry no message
        sender = event.req("sender_id")
        participants = tuple(p for p in event.strs("participant_ids") if p != sender)
        return [
            Observation(
                channel=self.CHANNEL,
                kind=ObservationKind.MESSAGE,
                source_id=event.req("id"),
                created_at=event.req_when("created_at"),
                author=Author(sender),
                text=_decode_text(event, "text"),
                visibility=Visibility.PRIVATE_MESSAGE,
                mentions=participants,
                conversation_id=event.opt("dm_conversation_id"),
                raw_ref=ref,
            )
        ]

    def _tweet(self, tweet: Fields, users: dict[str, Fields], *, ref: str) -> list[Observation]:
        references = {r.req("type"): r.req("id") for r in tweet.objects("referenced_tweets")}
        if "retweeted" in references:
            return []
        author_id = tweet.opt("author_id")
        user = users.get(author_id) if author_id else None
        author = None
        visibility = Visibility.PUBLIC
        if author_id:
            author = Author(
                channel_user_id=author_id,
                handle=user.opt("username").lower() if user and user.has("username") else None,
                display_name=(user.text("name") or None) if user else None,
            )
            if user is not None and user.flag("protected", default=False):
                visibility = Visibility.RESTRICTED
        entities = tweet.obj("entities", required=False)
        mentions: list[str] = []
        hashtags: list[str] = []
        urls: list[str] = []
        if entities is not None:
            for mention in entities.objects("mentions"):
                mentions.append(mention.req("username").lower())
                if mention.has("id"):
                    mentions.append(mention.req("id"))
            hashtags = [h.req("tag").lower() for h in entities.objects("hashtags")]
            urls = [
                u.opt("expanded_url", max_len=4000) or u.req("url", max_len=4000)
                for u in entities.objects("urls")
            ]
        history = tweet.strs("edit_history_tweet_ids")
        source_id = tweet.req("id")
        kind = ObservationKind.COMMENT if "replied_to" in references else ObservationKind.POST
        created_at = tweet.req_when("created_at")
        edited_at = None
        attributes: dict[str, Any] = {}
        if len(history) > 1 and history[0] != source_id:
            kind, edited_at = ObservationKind.EDIT, created_at
            attributes["version_id"] = source_id
            source_id = history[0]
        return [
            Observation(
                channel=self.CHANNEL,
                kind=kind,
                source_id=source_id,
                created_at=created_at,
                author=author,
                text=_decode_text(tweet, "text"),
                visibility=visibility,
                language=tweet.opt("lang"),
                mentions=tuple(dict.fromkeys(mentions)),
                hashtags=tuple(hashtags),
                urls=tuple(urls),
                in_reply_to_id=references.get("replied_to"),
                in_reply_to_user_id=tweet.opt("in_reply_to_user_id"),
                quoted_id=references.get("quoted"),
                conversation_id=tweet.opt("conversation_id"),
                edited_at=edited_at,
                attributes=attributes,
                raw_ref=ref,
            )
        ]


def _decode_text(fields: Fields, key: str) -> str:
    value = fields.data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fields.bad(key, f"expected a string, got {type(value).__name__}")
    if len(value) > MAX_TEXT_CHARS:
        raise fields.bad(key, f"text longer than {MAX_TEXT_CHARS} characters; refused")
    return clean_text(html.unescape(value))
