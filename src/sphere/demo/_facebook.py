"""Facebook Graph API: the page feed, one post per line with its comments nested,
as ``GET /1234567890/feed?fields=id,message,created_time,from,message_tags,
comments{id,message,created_time,from,parent,message_tags}`` returns them.

Post ids are ``<page id>_<n>``; comment ids ``<n>_<m>``. A reply to a comment names
its top-level comment in ``parent``. Mentions are written as the display name and
listed in ``message_tags`` with code-point ``offset``/``length``. Every record here
was written on the company's own page.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import Any

from sphere.demo._company import FACEBOOK_PAGE_ID
from sphere.demo._malformed import interleave, malformed_lines
from sphere.demo._plan import Account, PlannedPost
from sphere.demo._wire import FileStats, dumps, fb_time


def _message(segments: Iterable[tuple[str, object]]) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    tags: list[dict[str, Any]] = []
    pos = 0
    for kind, value in segments:
        if kind == "m":
            assert isinstance(value, Account)
            piece = value.display_name
            tags.append(
                {
                    "id": FACEBOOK_PAGE_ID if value.is_company else value.user_id,
                    "name": piece,
                    "type": "page" if value.is_company else "user",
                    "offset": pos,
                    "length": len(piece),
                }
            )
        elif kind == "h":
            piece = f"#{value}"
        else:
            piece = str(value)
        out.append(piece)
        pos += len(piece)
    return "".join(out), tags


def _from(a: Account) -> dict[str, str]:
    return {"name": a.display_name, "id": FACEBOOK_PAGE_ID if a.is_company else a.user_id}


def render(
    plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats, expected: int
) -> Iterator[str]:
    return interleave(
        _lines(plan, rng, stats), _malformed(rng), rng, expected_lines=expected, stats=stats
    )


def _lines(plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats) -> Iterator[str]:
    """Collects the feed first: a post's line can only be written once its comments exist."""
    posts: dict[int, dict[str, Any]] = {}
    order: list[int] = []
    ids: list[str] = []
    top_comment: list[int] = []  # seq of the top-level comment each record hangs under
    counter = rng.randrange(100000, 900000)
    for post in plan:
        counter += rng.randrange(1, 40)
        message, tags = _message(post.segments)
        item: dict[str, Any] = {
            "message": message,
            "created_time": fb_time(post.created),
            "from": _from(post.author),
        }
        if tags:
            item["message_tags"] = tags
        stats.count_post(
            post.kind, post.lang, linked=bool(post.author.customer_number), hostile=post.hostile
        )
        if post.reply_to is None:
            item = {"id": f"{FACEBOOK_PAGE_ID}_{counter}", **item, "comments": {"data": []}}
            posts[post.seq] = item
            order.append(post.seq)
            ids.append(item["id"])
            top_comment.append(-1)
            continue
        root_post = posts[post.root]
        cid = f"{root_post['id'].split('_')[1]}_{counter}"
        item = {"id": cid, **item}
        parent_top = top_comment[post.reply_to]
        if post.reply_to != post.root:
            anchor = post.reply_to if parent_top == -1 else parent_top
            item["parent"] = {"id": ids[anchor]}
            top_comment.append(anchor)
        else:
            top_comment.append(-1)
        ids.append(cid)
        root_post["comments"]["data"].append(item)
    for seq in order:
        item = posts[seq]
        if not item["comments"]["data"]:
            del item["comments"]
        yield dumps(item)


def _malformed(rng: random.Random) -> list[tuple[str, str]]:
    ts = 1780000000.0

    def make(i: int) -> dict[str, Any]:
        return {
            "id": f"{FACEBOOK_PAGE_ID}_{990000 + i}",
            "message": "Kaputte Zeile, bitte ignorieren",
            "created_time": fb_time(ts + i),
            "from": {"name": "Broken Feed", "id": "9999999999999999"},
        }

    def naive(t: float) -> str:
        return fb_time(t).removesuffix("+0000")

    return malformed_lines(rng, make, required="id", time_field="created_time", naive=naive, ts=ts)
