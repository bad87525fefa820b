"""X (Twitter) API v2: one response page per line, ``{"data": [...], "includes":
{"users": [...]}, "meta": {...}}``, plus tweet-compliance deletion events
``{"data": {"delete": {"tweet": {...}, "event_at": ...}}}``.

Like the real API, ``text`` has ``&``, ``<`` and ``>`` escaped as HTML entities; entity
``start``/``end`` are code-point offsets into the *unescaped* text (what a reader sees),
so ``html.unescape(text)[start:end] == "@username"``.
Followers-only posts come from accounts with ``"protected": true``. An edit is a new
tweet whose ``edit_history_tweet_ids`` lists the original id first.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterable, Iterator
from typing import Any

from sphere.demo._malformed import interleave, malformed_lines
from sphere.demo._plan import Account, PlannedPost
from sphere.demo._wire import FileStats, dumps, iso_naive, iso_z, x_snowflake


def _text(segments: Iterable[tuple[str, object]]) -> tuple[str, dict[str, list]]:
    out: list[str] = []
    pos = 0
    mentions: list[dict[str, Any]] = []
    hashtags: list[dict[str, Any]] = []
    for kind, value in segments:
        if kind == "m":
            assert isinstance(value, Account)
            piece = f"@{value.username}"
            mentions.append(
                {
                    "start": pos,
                    "end": pos + len(piece),
                    "username": value.username,
                    "id": value.user_id,
                }
            )
        elif kind == "h":
            piece = f"#{value}"
            hashtags.append({"start": pos, "end": pos + len(piece), "tag": str(value)})
        else:
            piece = str(value)
        out.append(html.escape(piece, quote=False))
        pos += len(piece)
    entities: dict[str, list] = {}
    if mentions:
        entities["mentions"] = mentions
    if hashtags:
        entities["hashtags"] = hashtags
    return "".join(out), entities


def _user(a: Account) -> dict[str, Any]:
    return {
        "id": a.user_id,
        "name": a.display_name,
        "username": a.username,
        "protected": a.protected,
    }


def render(
    plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats, expected: int
) -> Iterator[str]:
    return interleave(
        _lines(plan, rng, stats), _malformed(rng), rng, expected_lines=expected, stats=stats
    )


def _lines(plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats) -> Iterator[str]:
    ids: list[str] = []
    authors: list[Account] = []
    page: list[dict[str, Any]] = []
    users: dict[str, dict[str, Any]] = {}
    page_size = rng.randrange(10, 50)
    deleted: set[int] = set()
    pending_deletes: list[str] = []
    for post in plan:
        tid = x_snowflake(post.created, post.seq)
        parent = post.reply_to
        segments = post.segments
        if parent is not None and not (segments and segments[0] == ("m", authors[parent])):
            segments = (("m", authors[parent]), ("t", " "), *segments)
        text, entities = _text(segments)
        tweet: dict[str, Any] = {
            "id": tid,
            "text": text,
            "author_id": post.author.user_id,
            "created_at": iso_z(post.created),
            "lang": post.lang,
            "conversation_id": ids[post.root] if post.root != post.seq else tid,
            "edit_history_tweet_ids": [tid],
            "reply_settings": "everyone",
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": rng.randrange(9),
            },
        }
        if parent is not None:
            tweet["in_reply_to_user_id"] = authors[parent].user_id
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": ids[parent]}]
        if entities:
            tweet["entities"] = entities
        ids.append(tid)
        authors.append(post.author)
        stats.count_post(
            post.kind, post.lang, linked=bool(post.author.customer_number), hostile=post.hostile
        )
        page.append(tweet)
        users[post.author.user_id] = _user(post.author)
        for kind, value in segments:
            if kind == "m" and isinstance(value, Account):
                users.setdefault(value.user_id, _user(value))
        roll = rng.random()
        if roll < 0.008:
            new_id = x_snowflake(post.created + rng.randrange(60, 1800), post.seq + 0x200000)
            edited = dict(
                tweet, id=new_id, text=text + " (edit)", edit_history_tweet_ids=[tid, new_id]
            )
            page.append(edited)
            stats.edits += 1
            stats.records += 1
        elif roll < 0.018 and post.seq:
            victim = rng.randrange(max(0, post.seq - 300), post.seq)
            if victim not in deleted:
                deleted.add(victim)
                event = {
                    "tweet": {"id": ids[victim], "author_id": authors[victim].user_id},
                    "event_at": iso_z(post.created + 1),
                }
                pending_deletes.append(dumps({"data": {"delete": event}}))
        if len(page) >= page_size:
            yield _page(page, users)
            for line in pending_deletes:
                stats.deletes += 1
                stats.records += 1
                yield line
            page, users, pending_deletes = [], {}, []
            page_size = rng.randrange(10, 50)
    if page:
        yield _page(page, users)
    for line in pending_deletes:
        stats.deletes += 1
        stats.records += 1
        yield line


def _page(page: list[dict[str, Any]], users: dict[str, dict[str, Any]]) -> str:
    meta = {"result_count": len(page), "newest_id": page[-1]["id"], "oldest_id": page[0]["id"]}
    return dumps({"data": page, "includes": {"users": list(users.values())}, "meta": meta})


def _malformed(rng: random.Random) -> list[tuple[str, str]]:
    ts = 1780000000.0

    def make(i: int) -> dict[str, Any]:
        tid = x_snowflake(ts + i, 0x3FFFFF - i)
        tweet = {
            "id": tid,
            "text": "Kaputte Zeile, bitte ignorieren",
            "author_id": "2999999999999999999",
            "created_at": iso_z(ts + i),
            "lang": "de",
            "conversation_id": tid,
            "edit_history_tweet_ids": [tid],
        }
        user = {
            "id": "2999999999999999999",
            "name": "Broken",
            "username": "broken",
            "protected": False,
        }
        return {"data": [tweet], "includes": {"users": [user]}, "meta": {"result_count": 1}}

    # A page holding one tweet: the bad tweet is the whole line, so one line = one quarantine.
    bad = malformed_lines(
        rng, make, required="data.0.id", time_field="data.0.created_at", naive=iso_naive, ts=ts
    )
    return bad
