"""Hostile values and record mutations shared by the Hypothesis and atheris harnesses.

A mutation takes one known-good payload object (the documented fixtures of every
adapter) and replaces one leaf, or adds or removes one key, with a hostile value: lone
UTF-16 surrogates, noncharacters, NUL and bidi controls, markup, strings around every
length limit, wrong types, huge and non-finite numbers, deep nesting.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sphere.channels import read_records

FIXTURES = Path(__file__).parents[1] / "fixtures" / "channels"

# adapter name -> fixture files (format by suffix)
ADAPTER_FIXTURES = {
    "mastodon": ["statuses.jsonl", "streaming.jsonl"],
    "x": ["tweet_lookup.json", "edits.jsonl", "compliance.jsonl"],
    "facebook": ["page_feed.json", "webhook.jsonl"],
    "bluesky": ["get_posts.json", "jetstream.jsonl"],
    "forum": ["posts.jsonl", "posts.csv"],
    "crm": ["contacts.csv"],
    "web": ["pageviews.jsonl"],
    "mobile": ["events.jsonl"],
}

SPECIALS: tuple[Any, ...] = (
    "\ud83d",  # lone high surrogate: JavaScript cut 😀 in half
    "\udc00",  # lone low surrogate
    "ok \ud83d\ude00 \ud83d",  # a valid pair (as two code points) and a lone one
    "\ufffe",
    "\U0010ffff",  # noncharacters
    "\x00",
    "a\x00b",
    "\u202etxt.exe",  # bidi override
    "\u200b\u2060\ufeff",  # invisibles
    "<script>alert(1)</script>",
    "<p>x<br>y</p>",
    "&amp;lt;b&amp;gt;",
    "",
    " ",
    "😀" * 300,
    "a" * 255,
    "a" * 256,
    "9" * 1001,
    "x" * 200_001,
    "2026-05-01T10:00:00",  # timestamp without a zone
    "2026-05-01T10:00:00Z",
    "9999-12-31T23:59:59+14:00",
    "true",
    "ja",
    0,
    1,
    -1,
    2**63,
    10**300,
    1e308,
    float("inf"),
    float("nan"),
    True,
    None,
    [],
    {},
    ["\ud83d"],
    {"\ud83d": "\ud83d"},
    json.loads("[" * 70 + "]" * 70),  # deeper than MAX_DEPTH
)


def fixture_records() -> list[tuple[str, str, dict[str, Any]]]:
    """(adapter, fixture file, payload object) for every fixture record."""
    out = []
    for adapter, files in ADAPTER_FIXTURES.items():
        for name in files:
            path = FIXTURES / adapter / name
            fmt = {".jsonl": "jsonl", ".json": "json", ".csv": "csv"}[path.suffix]
            for raw in read_records(path, format=fmt):  # type: ignore[arg-type]
                if raw.value is not None:
                    out.append((adapter, name, dict(raw.value)))
    return out


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a node of a JSON value (the root excluded)."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [(prefix, value)]
    while stack:
        where, node = stack.pop()
        children: list[tuple[Any, Any]] = []
        if isinstance(node, dict):
            children = list(node.items())
        elif isinstance(node, list):
            children = list(enumerate(node))
        for key, child in children:
            out.append((*where, key))
            stack.append(((*where, key), child))
    return sorted(out, key=repr)


def mutate(
    record: dict[str, Any], *, choose: Callable[[int], int], value: Any, how: int
) -> dict[str, Any]:
    """A copy of ``record`` with one node replaced (how 0), one key added to an object
    (how 1), one node removed (how 2), or a string node extended by ``value`` (how 3).
    ``choose(n)`` picks an index below n (Hypothesis or atheris drives it)."""
    mutated = copy.deepcopy(record)
    # Embedded JSON (Mastodon streaming "payload") is mutated decoded, then re-encoded.
    embedded = isinstance(mutated.get("payload"), str) and mutated["payload"].startswith("{")
    if embedded and choose(2):
        try:
            inner = json.loads(mutated["payload"])
        except ValueError:  # an earlier mutation broke it: mutate the outer record
            inner = None
        if isinstance(inner, dict):
            mutated["payload"] = json.dumps(mutate(inner, choose=choose, value=value, how=how))
            return mutated
    candidates = paths(mutated)
    if not candidates:
        return {"x": value}
    path = candidates[choose(len(candidates))]
    parent: Any = mutated
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if how == 1 and isinstance(parent, dict):
        parent[str(value)[:20] if isinstance(value, str) else "extra"] = value
    elif how == 2:
        del parent[last]
    elif how == 3 and isinstance(parent[last], str) and isinstance(value, str):
        parent[last] = parent[last] + value
    else:
        parent[last] = value
    return mutated
