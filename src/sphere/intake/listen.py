"""``sphere listen SOURCE``: streaming consumers that resume from their last cursor.

* **Mastodon** (https://docs.joinmastodon.org/methods/streaming/): server-sent events from
  ``/api/v1/streaming/user/notification`` (the company account's notifications; mentions
  and statuses carry the post) and ``/api/v1/streaming/hashtag?tag=…``. Mastodon's
  stream has no replay, so the cursor is the newest status (or notification) id handed
  on, and after every (re)connect the gap is filled through the REST API with
  ``min_id=<cursor>`` (``/api/v1/notifications``, ``/api/v1/timelines/tag/…``) before
  the stream is read again.
* **Bluesky Jetstream** (https://github.com/bluesky-social/jetstream): JSON over
  WebSocket from ``…/subscribe?wantedCollections=…[&wantedDids=…]&cursor=<time_us>``;
  the cursor is the ``time_us`` of the last event handed on, and Jetstream replays from
  it on reconnect.

Events are handed on (stream or in-process) in small batches; the cursor is saved only
after the hand-off returned, so a crash replays a little (dropped as duplicates) and
never skips.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import websockets
from websockets.asyncio.client import connect as ws_connect

from sphere.errors import ConfigurationError, NotFound
from sphere.intake.config import IntakeKind, SourceIntake
from sphere.intake.handoff import Handoff
from sphere.intake.shapes import IntakeRecord, make_record
from sphere.intake.webhooks import IntakeRuntime
from sphere.storage.db import session_scope
from sphere.storage.entities import Source
from sphere.storage.repositories.intake import IntakeCursorRepository
from sphere.storage.repositories.sources import SourceRepository

log = logging.getLogger(__name__)
MAX_BACKOFF = 30.0
_NOTIFICATION_POSTS = frozenset({"mention", "status", "update"})


@dataclass
class ListenStats:
    events: int = 0  # events handed on
    ignored: int = 0  # heartbeats, other collections, likes, follows
    reconnects: int = 0
    backfilled: int = 0


@dataclass(frozen=True, slots=True)
class _Event:
    stream: str  # the cursor's key: "notification", "hashtag:x", "jetstream"
    cursor: str
    record: Mapping[str, Any]


class Listener:
    """Shared part: batching, hand-off, cursors, reconnect with back-off."""

    def __init__(
        self,
        runtime: IntakeRuntime,
        cfg: SourceIntake,
        handoff: Handoff,
        *,
        max_events: int | None = None,
        batch_size: int = 100,
        batch_seconds: float = 0.2,
    ) -> None:
        self.runtime, self.cfg, self.handoff = runtime, cfg, handoff
        self.max_events, self.batch_size, self.batch_seconds = max_events, batch_size, batch_seconds
        self.stats = ListenStats()
        self.stop = asyncio.Event()
        self._source: Source | None = None

    # -- cursors ---------------------------------------------------------------------------
    def _load_cursor(self, stream: str) -> str | None:
        with session_scope(self.runtime.factory) as session:
            return IntakeCursorRepository(session).get(self.cfg.source, stream)

    def _save_cursor(self, stream: str, cursor: str) -> None:
        with session_scope(self.runtime.factory) as session:
            IntakeCursorRepository(session).set(
                self.cfg.source, stream, cursor, at=self.runtime.clock.now()
            )

    async def cursor(self, stream: str) -> str | None:
        return await asyncio.to_thread(self._load_cursor, stream)

    def _lookup_source(self) -> Source:
        with session_scope(self.runtime.factory) as session:
            try:
                return SourceRepository(session).get(self.cfg.source)
            except NotFound:
                raise ConfigurationError(
                    f"source {self.cfg.source!r} is in intake.yaml but not registered; "
                    "run `sphere source add`"
                ) from None

    # -- hand-off ----------------------------------------------------------------------------
    async def deliver(self, events: list[_Event]) -> None:
        """Hand ``events`` on, then save each stream's newest cursor."""
        if not events:
            return
        if self._source is None:
            self._source = await asyncio.to_thread(self._lookup_source)
        source = self._source
        records: list[IntakeRecord] = []
        for event in events:
            payload = json.dumps(event.record, ensure_ascii=False, separators=(",", ":"))
            records.append(make_record(source.channel, payload.encode("utf-8")))
        await self.handoff.submit(source, records, ref=f"listen:{self.cfg.source}")
        newest: dict[str, str] = {}
        for event in events:
            if event.cursor:  # a deletion carries no id of its own to resume from
                newest[event.stream] = event.cursor
        for stream, cursor in newest.items():
            await asyncio.to_thread(self._save_cursor, stream, cursor)
        self.stats.events += len(events)

    def _enough(self) -> bool:
        return self.max_events is not None and self.stats.events >= self.max_events

    async def pump(self, events: AsyncIterator[_Event | None]) -> None:
        """Batch ``events`` (None = a heartbeat) by count and age; deliver each batch."""
        pending: list[_Event] = []
        started = time.monotonic()
        async for event in events:
            if event is not None:
                pending.append(event)
            limit = None if self.max_events is None else self.max_events - self.stats.events
            full = len(pending) >= self.batch_size or (limit is not None and len(pending) >= limit)
            if pending and (full or time.monotonic() - started >= self.batch_seconds):
                await self.deliver(pending)
                pending, started = [], time.monotonic()
            if self._enough() or self.stop.is_set():
                break
        await self.deliver(pending)

    async def run(self) -> ListenStats:
        backoff = 0.5
        while not self.stop.is_set() and not self._enough():
            try:
                await self.session()
                backoff = 0.5
            except (httpx.HTTPError, OSError, websockets.WebSocketException) as exc:
                log.warning("%s: connection lost (%s); reconnecting in %.1f s",
                            self.cfg.source, type(exc).__name__, backoff)  # fmt: skip
            if self.stop.is_set() or self._enough():
                break
            self.stats.reconnects += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
        return self.stats

    async def session(self) -> None:  # one connection's life
        raise NotImplementedError


# --- Mastodon ------------------------------------------------------------------------------


def _streaming_path(stream: str) -> tuple[str, str, dict[str, str]]:
    """(streaming path, REST back-fill path, query) for ``notification`` or ``hashtag:x``."""
    if stream == "notification":
        return "/api/v1/streaming/user/notification", "/api/v1/notifications", {}
    kind, _, tag = stream.partition(":")
    if kind == "hashtag" and tag:
        return (
            "/api/v1/streaming/hashtag",
            f"/api/v1/timelines/tag/{quote(tag, safe='')}",
            {"tag": tag},
        )
    raise ConfigurationError(f"unknown Mastodon stream {stream!r}; use notification or hashtag:TAG")


def _snowflake(value: str) -> tuple[int, str]:
    return (len(value), value)  # Mastodon ids are decimal strings of growing length


class MastodonListener(Listener):
    """One SSE connection per configured stream, run side by side."""

    def _headers(self) -> dict[str, str]:
        token = self.cfg.access_token.get_secret_value() if self.cfg.access_token else None
        return {"Authorization": f"Bearer {token}"} if token else {}

    @staticmethod
    def _record(stream: str, event: str, data: str) -> tuple[str, Mapping[str, Any]] | None:
        """(cursor, adapter record) for one SSE event, or None for events without a post."""
        if stream == "notification":
            if event != "notification":
                return None
            note = json.loads(data)
            status = note.get("status")
            if note.get("type") not in _NOTIFICATION_POSTS or not isinstance(status, dict):
                return str(note.get("id", "")), {}
            kind = "status.update" if note.get("type") == "update" else "update"
            return str(note["id"]), {"event": kind, "payload": json.dumps(status)}
        if event in ("update", "status.update"):
            status = json.loads(data)
            return str(status.get("id", "")), {"event": event, "payload": data}
        if event == "delete":
            return None, {"event": "delete", "payload": data}  # type: ignore[return-value]
        return None

    async def _backfill(self, client: httpx.AsyncClient, stream: str) -> None:
        cursor = await self.cursor(stream)
        if cursor is None:
            return  # first start: begin with what arrives now
        _, rest, _ = _streaming_path(stream)
        while not self.stop.is_set():
            params: dict[str, Any] = {"min_id": cursor, "limit": 40}
            if stream == "notification":
                params["types[]"] = sorted(_NOTIFICATION_POSTS)
            response = await client.get(rest, params=params)
            response.raise_for_status()
            items = sorted(response.json(), key=lambda item: _snowflake(str(item["id"])))
            if not items:
                return
            events = []
            for item in items:
                event = "notification" if stream == "notification" else "update"
                found = self._record(stream, event, json.dumps(item))
                if found is not None and found[1]:
                    events.append(_Event(stream, found[0], found[1]))
                cursor = str(item["id"])
            if events:
                await self.deliver(events)
                self.stats.backfilled += len(events)
            if not events or events[-1].cursor != cursor:
                await asyncio.to_thread(self._save_cursor, stream, cursor)

    async def _sse(self, client: httpx.AsyncClient, stream: str) -> AsyncIterator[_Event | None]:
        path, _, query = _streaming_path(stream)
        event, data, last = "message", [], await self.cursor(stream)
        async with client.stream(
            "GET", path, params=query, timeout=httpx.Timeout(10, read=90)
        ) as r:
            r.raise_for_status()
            async for line in r.aiter_lines():
                if line.startswith(":"):
                    yield None  # heartbeat (":thump")
                    continue
                if line:
                    key, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if key == "event":
                        event = value
                    elif key == "data":
                        data.append(value)
                    continue
                found = self._record(stream, event, "\n".join(data)) if data else None
                event, data = "message", []
                if found is None or not found[1]:
                    self.stats.ignored += 1
                    yield None
                    continue
                cursor = found[0] or last or ""
                last = cursor
                yield _Event(stream, cursor, found[1])

    async def _one(self, client: httpx.AsyncClient, stream: str) -> None:
        await self._backfill(client, stream)
        await self.pump(self._sse(client, stream))

    async def session(self) -> None:
        async with httpx.AsyncClient(base_url=str(self.cfg.url), headers=self._headers()) as c:
            await asyncio.gather(*(self._one(c, s) for s in self.cfg.streams or ("notification",)))


# --- Bluesky Jetstream -------------------------------------------------------------------


class JetstreamListener(Listener):
    STREAM = "jetstream"

    async def _url(self) -> str:
        query: list[tuple[str, str]] = [
            ("wantedCollections", c) for c in (self.cfg.collections or ("app.bsky.feed.post",))
        ]
        query += [("wantedDids", did) for did in self.cfg.streams]
        cursor = await self.cursor(self.STREAM)
        if cursor is not None:
            query.append(("cursor", cursor))
        return f"{self.cfg.url}?{urlencode(query)}"

    async def _frames(self, socket: Any) -> AsyncIterator[_Event | None]:
        wanted = set(self.cfg.collections or ("app.bsky.feed.post",))
        async for frame in socket:
            try:
                event = json.loads(frame)
            except (json.JSONDecodeError, TypeError):
                self.stats.ignored += 1
                continue
            commit = event.get("commit") if isinstance(event, dict) else None
            if (
                not isinstance(commit, dict)
                or event.get("kind") != "commit"
                or commit.get("collection") not in wanted
                or not isinstance(event.get("time_us"), int)
            ):
                self.stats.ignored += 1
                yield None
                continue
            yield _Event(self.STREAM, str(event["time_us"]), event)

    async def session(self) -> None:
        async with ws_connect(await self._url(), max_size=2**21, open_timeout=10) as socket:
            await self.pump(self._frames(socket))


def make_listener(
    runtime: IntakeRuntime, cfg: SourceIntake, handoff: Handoff, **options: Any
) -> Listener:
    if cfg.kind is IntakeKind.MASTODON:
        return MastodonListener(runtime, cfg, handoff, **options)
    if cfg.kind is IntakeKind.BLUESKY:
        return JetstreamListener(runtime, cfg, handoff, **options)
    raise ConfigurationError(
        f"source {cfg.source!r} is a {cfg.kind.value} webhook; `sphere listen` runs "
        "mastodon and bluesky listeners"
    )
