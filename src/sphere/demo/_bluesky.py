"""Bluesky: one post view per line, as ``app.bsky.feed.getPosts`` returns them.

Facets index the UTF-8 *bytes* of ``record.text`` (``byteStart`` inclusive,
``byteEnd`` exclusive), so umlauts and emoji shift them — a classic adapter bug the
demo data exercises. Deletions arrive as Jetstream commit events
(``{"kind": "commit", "commit": {"operation": "delete", ...}}``). Bluesky has no
followers-only posts and no edits.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import Any

from sphere.demo._malformed import interleave, malformed_lines
from sphere.demo._plan import Account, PlannedPost
from sphere.demo._wire import FileStats, dumps, fake_cid, iso_naive, iso_z, tid

MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"


def text_and_facets(segments: Iterable[tuple[str, object]]) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    facets: list[dict[str, Any]] = []
    pos = 0  # in UTF-8 bytes
    for kind, value in segments:
        feature: dict[str, str] | None = None
        if kind == "m":
            assert isinstance(value, Account)
            piece = f"@{value.username}"
            feature = {"$type": MENTION, "did": value.user_id}
        elif kind == "h":
            piece = f"#{value}"
            feature = {"$type": TAG, "tag": str(value)}
        else:
            piece = str(value)
        size = len(piece.encode("utf-8"))
        if feature is not None:
            facets.append(
                {"index": {"byteStart": pos, "byteEnd": pos + size}, "features": [feature]}
            )
        out.append(piece)
        pos += size
    return "".join(out), facets


def render(
    plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats, expected: int
) -> Iterator[str]:
    return interleave(
        _lines(plan, rng, stats), _malformed(rng), rng, expected_lines=expected, stats=stats
    )


def _lines(plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats) -> Iterator[str]:
    refs: list[dict[str, str]] = []
    authors: list[Account] = []
    deleted: set[int] = set()
    for post in plan:
        rkey = tid(post.created, post.seq)
        uri = f"at://{post.author.user_id}/app.bsky.feed.post/{rkey}"
        text, facets = text_and_facets(post.segments)
        created = iso_z(post.created)
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": created,
            "langs": [post.lang],
        }
        if facets:
            record["facets"] = facets
        if post.reply_to is not None:
            record["reply"] = {"root": refs[post.root], "parent": refs[post.reply_to]}
        cid = fake_cid(uri, text)
        view = {
            "uri": uri,
            "cid": cid,
            "author": {
                "did": post.author.user_id,
                "handle": post.author.username,
                "displayName": post.author.display_name,
            },
            "record": record,
            "replyCount": 0,
            "repostCount": 0,
            "likeCount": rng.randrange(20),
            "indexedAt": iso_z(post.created + 0.4),
        }
        refs.append({"uri": uri, "cid": cid})
        authors.append(post.author)
        stats.count_post(
            post.kind, post.lang, linked=bool(post.author.customer_number), hostile=post.hostile
        )
        yield dumps(view)
        if rng.random() < 0.01 and post.seq:
            victim = rng.randrange(max(0, post.seq - 200), post.seq)
            if victim not in deleted:
                deleted.add(victim)
                stats.deletes += 1
                stats.records += 1
                yield dumps(
                    {
                        "did": authors[victim].user_id,
                        "time_us": int(post.created * 1_000_000) + 1,
                        "kind": "commit",
                        "commit": {
                            "rev": tid(post.created, 0x3FF),
                            "operation": "delete",
                            "collection": "app.bsky.feed.post",
                            "rkey": refs[victim]["uri"].rsplit("/", 1)[1],
                        },
                    }
                )


def _malformed(rng: random.Random) -> list[tuple[str, str]]:
    ts = 1780000000.0

    def make(i: int) -> dict[str, Any]:
        uri = f"at://did:plc:broken00000000000000000/app.bsky.feed.post/{tid(ts + i, i)}"
        return {
            "uri": uri,
            "cid": fake_cid(uri),
            "author": {"did": "did:plc:broken00000000000000000", "handle": "broken.bsky.example"},
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "Kaputte Zeile, bitte ignorieren",
                "createdAt": iso_z(ts + i),
                "langs": ["de"],
            },
            "indexedAt": iso_z(ts + i),
        }

    return malformed_lines(
        rng, make, required="uri", time_field="record.createdAt", naive=iso_naive, ts=ts
    )
