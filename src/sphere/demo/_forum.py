"""The company's own forum (forum.optiklinse.example), in Sphere's generic forum export
format (``docs/channels.md#forum``, ``sphere.channels.forum``): one post per line with
``post_id``, ``thread_id``, ``board_id``, ``created_at``, ``author_id``, ``author_name``,
``title`` (first post of a thread), ``body`` (``body_format`` text or html),
``visibility`` (public | members), ``parent_id``, ``parent_author_id``, ``mentions``,
``language``; an edit repeats the post with ``edited_at``; a deletion is
``{"post_id", "thread_id", "created_at", "author_id", "deleted": true}``.

The forum has no private messages, so members-only posts carry the private context.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterable, Iterator
from typing import Any

from sphere.demo._malformed import interleave, malformed_lines
from sphere.demo._plan import Account, PlannedPost
from sphere.demo._wire import FileStats, dumps, iso_naive, iso_z

BOARDS: dict[str, str] = {
    "addressed": "service",
    "direct": "service",
    "brand": "objektive",
    "private": "mitglieder",
    "unrelated": "offtopic",
    "company_reply": "service",
    "company_post": "ankuendigungen",
}
_TITLES = {
    "de": (
        "Frage zum Objektiv",
        "Problem mit Bestellung",
        "Erfahrungen?",
        "Kaufberatung",
        "Hilfe!",
    ),
    "en": ("Question about a lens", "Order problem", "Experiences?", "Buying advice", "Help!"),
}


_NEWS = {"de": ("Neuigkeiten", "Ankündigung"), "en": ("News", "Announcement")}


def _body(segments: Iterable[tuple[str, object]], as_html: bool) -> tuple[str, list[str]]:
    out: list[str] = []
    mentions: list[str] = []
    for kind, value in segments:
        if kind == "m":
            assert isinstance(value, Account)
            piece = f"@{value.username}"
            mentions.append(value.username)
        elif kind == "h":
            piece = f"#{value}"
        else:
            piece = str(value)
        out.append(html.escape(piece, quote=False) if as_html and kind != "x" else piece)
    text = "".join(out)
    return (f"<p>{text}</p>" if as_html else text), mentions


def render(
    plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats, expected: int
) -> Iterator[str]:
    return interleave(
        _lines(plan, rng, stats), _malformed(rng), rng, expected_lines=expected, stats=stats
    )


def _lines(plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats) -> Iterator[str]:
    ids: list[str] = []
    authors: list[Account] = []
    threads: list[str] = []
    deleted: set[int] = set()
    for post in plan:
        pid = f"f-{post.seq + 1}"
        as_html = rng.random() < 0.5
        body, mentions = _body(post.segments, as_html)
        record: dict[str, Any] = {
            "post_id": pid,
            "thread_id": threads[post.root] if post.root != post.seq else f"t-{post.seq + 1}",
            "board_id": BOARDS[post.kind],
            "created_at": iso_z(post.created, millis=False),
            "author_id": post.author.user_id,
            "author_name": post.author.display_name,
        }
        if post.reply_to is None:
            titles = _NEWS if post.author.is_company else _TITLES
            record["title"] = rng.choice(titles[post.lang])
        else:
            record["parent_id"] = ids[post.reply_to]
            record["parent_author_id"] = authors[post.reply_to].user_id
        record["body"] = body
        record["body_format"] = "html" if as_html else "text"
        record["visibility"] = "members" if post.kind == "private" else "public"
        if mentions:
            record["mentions"] = mentions
        record["language"] = post.lang
        ids.append(pid)
        authors.append(post.author)
        threads.append(record["thread_id"])
        stats.count_post(
            post.kind, post.lang, linked=bool(post.author.customer_number), hostile=post.hostile
        )
        yield dumps(record)
        roll = rng.random()
        if roll < 0.01:
            record["edited_at"] = iso_z(post.created + rng.randrange(60, 86400), millis=False)
            record["body"] += " [bearbeitet]" if post.lang == "de" else " [edited]"
            stats.edits += 1
            stats.records += 1
            yield dumps(record)
        elif roll < 0.015 and post.seq:
            victim = rng.randrange(max(0, post.seq - 100), post.seq)
            if victim not in deleted:
                deleted.add(victim)
                stats.deletes += 1
                stats.records += 1
                yield dumps(
                    {
                        "post_id": ids[victim],
                        "thread_id": threads[victim],
                        "created_at": iso_z(post.created, millis=False),
                        "author_id": authors[victim].user_id,
                        "deleted": True,
                    }
                )


def _malformed(rng: random.Random) -> list[tuple[str, str]]:
    ts = 1780000000.0

    def make(i: int) -> dict[str, Any]:
        return {
            "post_id": f"f-broken-{i}",
            "thread_id": "t-broken",
            "board_id": "offtopic",
            "created_at": iso_z(ts + i, millis=False),
            "author_id": "u-99999",
            "body": "Kaputte Zeile, bitte ignorieren",
            "visibility": "public",
        }

    return malformed_lines(
        rng, make, required="post_id", time_field="created_at", naive=iso_naive, ts=ts
    )
