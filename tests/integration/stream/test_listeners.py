"""`sphere listen` consumers against local servers on loopback that replay frames in the
platforms' documented formats (no network): Mastodon's streaming API (server-sent events,
https://docs.joinmastodon.org/methods/streaming/) with its REST timelines for the back-fill,
and Bluesky Jetstream (JSON over WebSocket, cursor = time_us). Both resume from the cursor
they saved, after a restart. Processed in-process (no NATS) on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route
from websockets.asyncio.server import serve

from sphere.intake.config import intake_config_from_mapping
from sphere.intake.handoff import make_handoff
from sphere.intake.listen import make_listener
from sphere.settings import Settings
from tests.factories import mastodon_status
from tests.integration.stream.conftest import (
    _free_port,
    open_stream_runtime,
    run_async,
    stream_settings,
)

STATUSES = [
    mastodon_status(
        str(400000000000000000 + i),
        f"Frage {i} an euch",
        mention_company=True,
        account_id=str(910000000000000000 + i),
        username=f"k{i}",
    )
    for i in range(6)
]


def _notification(status: dict[str, Any], kind: str = "mention") -> dict[str, Any]:
    return {
        "id": str(int(status["id"]) - 100000000000000000),
        "type": kind,
        "created_at": status["created_at"],
        "account": status["account"],
        "status": status,
    }


class MastodonServer:
    """Streams the first three notifications, then holds the connection with heartbeats;
    the REST endpoint serves every notification newer than ``min_id``."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.notifications = [_notification(s) for s in STATUSES]
        self.notifications.insert(2, {**_notification(STATUSES[0], "favourite"), "id": "1"})
        self.streamed = self.notifications[:4]
        self.auth: list[str] = []
        app = Starlette(
            routes=[
                Route("/api/v1/streaming/user/notification", self.stream),
                Route("/api/v1/notifications", self.rest),
            ]
        )
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def stream(self, request: Request) -> StreamingResponse:
        self.auth.append(request.headers.get("authorization", ""))

        async def frames() -> AsyncIterator[bytes]:
            yield b":)\n\n"
            for note in self.streamed:
                yield f"event: notification\ndata: {json.dumps(note)}\n\n".encode()
            for _ in range(50):
                await asyncio.sleep(0.1)
                yield b":thump\n\n"

        return StreamingResponse(frames(), media_type="text/event-stream")

    async def rest(self, request: Request) -> JSONResponse:
        min_id = int(request.query_params.get("min_id", "0"))
        newer = [n for n in self.notifications if int(n["id"]) > min_id]
        return JSONResponse(sorted(newer, key=lambda n: -int(n["id"]))[:40])

    def __enter__(self) -> MastodonServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _jetstream_events() -> list[dict[str, Any]]:
    events = []
    for i in range(5):
        events.append(
            {
                "did": f"did:plc:fakeauthor00000000000{i:04d}",
                "time_us": 1777960000000000 + i,
                "kind": "commit",
                "commit": {
                    "rev": f"r{i}",
                    "operation": "create",
                    "collection": "app.bsky.feed.post",
                    "rkey": f"3kfake{i}",
                    "cid": f"bafy{i}",
                    "record": {
                        "$type": "app.bsky.feed.post",
                        "text": f"@optiklinse Frage {i}",
                        "createdAt": "2026-05-05T08:00:00Z",
                        "langs": ["de"],
                    },
                },
            }
        )
    events.insert(
        2,
        {
            "did": "did:plc:x",
            "time_us": 1777960000000001,
            "kind": "identity",
            "identity": {"did": "did:plc:x", "seq": 1},
        },
    )
    return events


class JetstreamServer:
    """Replays events with time_us >= the client's cursor, then stays open."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.events = _jetstream_events()
        self.queries: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stopping: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    async def handler(self, socket: Any) -> None:
        path = socket.request.path
        self.queries.append(path)
        cursor = int(path.split("cursor=")[1].split("&")[0]) if "cursor=" in path else 0
        for event in self.events:
            if event["time_us"] >= cursor:
                await socket.send(json.dumps(event))
        await asyncio.sleep(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self.stopping = asyncio.Event()
            async with serve(self.handler, "127.0.0.1", self.port):
                self.ready.set()
                await self.stopping.wait()

        self.loop.run_until_complete(main())

    def __enter__(self) -> JetstreamServer:
        self.thread.start()
        self.ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        assert self.stopping is not None
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def listen_runtime(settings: Settings, migrated_db_url: str) -> Iterator[Any]:
    s = stream_settings(settings, migrated_db_url, None, "UNUSED")
    runtime = open_stream_runtime(s, (("masto", "mastodon"), ("bsky", "bluesky")))
    yield runtime
    runtime.close()


def _listen(runtime: Any, cfg: dict[str, Any], name: str, max_events: int) -> Any:
    config = intake_config_from_mapping({"sources": {name: cfg}}, where="test")
    handoff = make_handoff(
        nats_url=None, stream="x", factory=runtime.factory, context=runtime.pipeline_context
    )
    listener = make_listener(
        runtime, config.get(name), handoff, max_events=max_events, batch_seconds=0.0
    )

    async def run() -> Any:
        return await asyncio.wait_for(listener.run(), timeout=240)

    return run_async(run())


def _stored(runtime: Any, channel: str) -> int:
    from sqlalchemy import text

    with runtime.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*) FROM interactions WHERE channel = :c"), {"c": channel}
        ).scalar_one()
        counted = connection.execute(
            text("SELECT coalesce(sum(count), 0) FROM aggregates WHERE channel = :c"),
            {"c": channel},
        ).scalar_one()
        return int(stored) + int(counted)  # every post has exactly one effect


def test_mastodon_notifications_then_backfill_after_restart(listen_runtime: Any) -> None:
    cfg = {"kind": "mastodon", "url": "", "access_token": "tok-1", "streams": ["notification"]}
    with MastodonServer() as server:
        cfg["url"] = f"http://127.0.0.1:{server.port}"
        first = _listen(listen_runtime, cfg, "masto", max_events=3)
        assert first.events == 3  # the favourite in between carries no post
        assert server.auth[0] == "Bearer tok-1"
        assert _stored(listen_runtime, "mastodon") == 3
        # Restart: the three newer notifications arrived while it was down; the REST
        # back-fill from the saved cursor fetches them before the stream is read again.
        second = _listen(listen_runtime, cfg, "masto", max_events=3)
        assert second.backfilled == 3
        assert _stored(listen_runtime, "mastodon") == 6


def test_jetstream_resumes_from_cursor(listen_runtime: Any) -> None:
    with JetstreamServer() as server:
        cfg = {"kind": "bluesky", "url": f"ws://127.0.0.1:{server.port}/subscribe"}
        first = _listen(listen_runtime, cfg, "bsky", max_events=3)
        assert first.events == 3 and first.ignored >= 1  # the identity event
        assert "cursor=" not in server.queries[0]
        assert "wantedCollections=app.bsky.feed.post" in server.queries[0]
        second = _listen(listen_runtime, cfg, "bsky", max_events=3)
        assert "cursor=1777960000000002" in server.queries[1]
        assert second.events == 3  # the last one again (inclusive cursor) and two new
        assert _stored(listen_runtime, "bluesky") == 5  # the repeat has no second effect
