"""Wire-format spellings shared by the channel renderers: timestamps and platform ids."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_X_EPOCH_MS = 1288834974657


def iso_z(ts: float, *, millis: bool = True) -> str:
    """``2026-05-02T10:11:12.345Z`` (Mastodon, X, Bluesky)."""
    dt = datetime.fromtimestamp(ts, UTC)
    if millis:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_naive(ts: float) -> str:
    """A timestamp without a zone: deliberately malformed input."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def fb_time(ts: float) -> str:
    """Graph API spelling: ``2026-05-02T10:11:12+0000``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def x_snowflake(ts: float, seq: int) -> str:
    return str(((int(ts * 1000) - _X_EPOCH_MS) << 22) | (seq & 0x3FFFFF))


def mastodon_id(ts: float, seq: int) -> str:
    return str((int(ts * 1000) << 16) | (seq & 0xFFFF))


def tid(ts: float, seq: int) -> str:
    """atproto record key (TID): 53-bit microseconds and a 10-bit clock id, base32-sortable."""
    value = (int(ts * 1_000_000) << 10) | (seq & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 0x1F])
        value >>= 5
    return "".join(reversed(chars))


def fake_cid(*parts: str) -> str:
    """A CIDv1-looking string (``bafyrei…``); not a real multihash of the record."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


@dataclass
class FileStats:
    """What one renderer wrote; the manifest is built from these."""

    records: int = 0  # well-formed items an adapter should yield
    lines: int = 0
    posts: int = 0
    deletes: int = 0
    edits: int = 0
    hostile: int = 0
    linked_author_posts: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    malformed: dict[str, int] = field(default_factory=dict)

    def count_post(self, kind: str, lang: str, *, linked: bool, hostile: bool) -> None:
        self.posts += 1
        self.records += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.languages[lang] = self.languages.get(lang, 0) + 1
        self.linked_author_posts += linked
        self.hostile += hostile
