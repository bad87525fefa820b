"""Mastodon: one Status entity per line, as the REST API returns it, seen from the
company's home instance ``photo.example`` (local accounts have a bare ``acct``).

Deletions and edits are streaming-API events: ``{"event": "delete", "payload": "<id>"}``
and ``{"event": "status.update", "payload": "<Status as a JSON string>"}`` — the
streaming API really double-encodes the payload. ``content`` is HTML; text is escaped
except for the hostile fragments, which a malicious remote server would send raw.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterable, Iterator
from typing import Any

from sphere.demo._company import MASTODON_DOMAIN
from sphere.demo._malformed import interleave, malformed_lines
from sphere.demo._plan import Account, PlannedPost
from sphere.demo._wire import FileStats, dumps, iso_naive, iso_z, mastodon_id

_EDIT_SUFFIX = (" EDIT: hat sich erledigt, danke!", " (edit: typo)", " Nachtrag: Problem gelöst.")


def acct(a: Account) -> str:
    return a.username if a.domain == MASTODON_DOMAIN else f"{a.username}@{a.domain}"


def profile_url(a: Account) -> str:
    return f"https://{a.domain}/@{a.username}"


def account_entity(a: Account) -> dict[str, Any]:
    return {
        "id": a.user_id,
        "username": a.username,
        "acct": acct(a),
        "display_name": a.display_name,
        "url": profile_url(a),
        "locked": False,
        "bot": False,
    }


def _content(segments: Iterable[tuple[str, object]], suffix: str = "") -> tuple[str, list, list]:
    body: list[str] = []
    mentions: list[dict[str, str]] = []
    tags: list[dict[str, str]] = []
    for kind, value in segments:
        if kind == "t":
            body.append(html.escape(str(value)))
        elif kind == "x":
            body.append(str(value))
        elif kind == "m":
            assert isinstance(value, Account)
            url = profile_url(value)
            body.append(
                f'<span class="h-card" translate="no"><a href="{url}" class="u-url mention">'
                f"@<span>{html.escape(value.username)}</span></a></span>"
            )
            if all(m["id"] != value.user_id for m in mentions):
                mentions.append(
                    {
                        "id": value.user_id,
                        "username": value.username,
                        "url": url,
                        "acct": acct(value),
                    }
                )
        else:
            tag = str(value)
            url = f"https://{MASTODON_DOMAIN}/tags/{tag.lower()}"
            body.append(
                f'<a href="{url}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>'
            )
            if all(t["name"] != tag.lower() for t in tags):
                tags.append({"name": tag.lower(), "url": url})
    return f"<p>{''.join(body)}{html.escape(suffix)}</p>", mentions, tags


def _visibility(rng: random.Random, post: PlannedPost, parent_kind: str | None) -> str:
    if post.kind == "direct" or (post.kind == "company_reply" and parent_kind == "direct"):
        return "direct"
    if post.kind == "private":
        has_mention = any(k == "m" for k, _ in post.segments)
        return "direct" if has_mention and rng.random() < 0.4 else "private"
    return "unlisted" if rng.random() < 0.15 else "public"


def render(
    plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats, expected: int
) -> Iterator[str]:
    return interleave(
        _lines(plan, rng, stats), _malformed(rng), rng, expected_lines=expected, stats=stats
    )


def _lines(plan: Iterable[PlannedPost], rng: random.Random, stats: FileStats) -> Iterator[str]:
    ids: list[str] = []
    authors: list[Account] = []
    kinds: list[str] = []
    deleted: set[int] = set()
    for post in plan:
        sid = mastodon_id(post.created, post.seq)
        parent = post.reply_to
        segments = post.segments
        if parent is not None and not (segments and segments[0] == ("m", authors[parent])):
            segments = (("m", authors[parent]), ("t", " "), *segments)
        content, mentions, tags = _content(segments)
        status = {
            "id": sid,
            "created_at": iso_z(post.created),
            "in_reply_to_id": ids[parent] if parent is not None else None,
            "in_reply_to_account_id": authors[parent].user_id if parent is not None else None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": _visibility(rng, post, kinds[parent] if parent is not None else None),
            "language": post.lang,
            "uri": f"https://{post.author.domain}/users/{post.author.username}/statuses/{sid}",
            "url": f"{profile_url(post.author)}/{sid}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": rng.randrange(0, 12),
            "edited_at": None,
            "content": content,
            "reblog": None,
            "account": account_entity(post.author),
            "media_attachments": [],
            "mentions": mentions,
            "tags": tags,
            "emojis": [],
            "card": None,
            "poll": None,
        }
        ids.append(sid)
        authors.append(post.author)
        kinds.append(post.kind)
        stats.count_post(
            post.kind, post.lang, linked=bool(post.author.customer_number), hostile=post.hostile
        )
        yield dumps(status)
        roll = rng.random()
        if roll < 0.01 and post.seq not in deleted:
            status["content"] = _content(segments, rng.choice(_EDIT_SUFFIX))[0]
            status["edited_at"] = iso_z(post.created + rng.randrange(60, 7200))
            stats.edits += 1
            stats.records += 1
            yield dumps({"event": "status.update", "payload": dumps(status)})
        elif roll < 0.02 and post.seq:
            victim = rng.randrange(max(0, post.seq - 100), post.seq)
            if victim not in deleted:
                deleted.add(victim)
                stats.deletes += 1
                stats.records += 1
                yield dumps({"event": "delete", "payload": ids[victim]})


def _malformed(rng: random.Random) -> list[tuple[str, str]]:
    ts = 1780000000.0  # 2026-05-28

    def make(i: int) -> dict[str, Any]:
        sid = mastodon_id(ts + i, 0xFFFF)
        return {
            "id": sid,
            "created_at": iso_z(ts + i),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "visibility": "public",
            "language": "de",
            "content": "<p>Kaputte Zeile, bitte ignorieren</p>",
            "account": {
                "id": "119999999999999999",
                "username": "broken",
                "acct": "broken@social.example",
                "display_name": "Broken Feed",
                "url": "https://social.example/@broken",
            },
            "mentions": [],
            "tags": [],
            "edited_at": None,
        }

    return malformed_lines(
        rng, make, required="id", time_field="created_at", naive=iso_naive, ts=ts
    )
