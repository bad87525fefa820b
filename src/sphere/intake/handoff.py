"""Where verified intake goes: the stream (``SPHERE_NATS_URL`` set) or the pipeline, now.

Both take the records of one source and return once they are safe: published and
acknowledged by JetStream, or committed to the database. Callers (webhooks, listeners,
``sphere ingest --via-stream``) answer or advance their cursor only after that.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from sphere.channels import RawRecord
from sphere.channels.reader import json_depth_exceeds
from sphere.intake.shapes import IntakeRecord
from sphere.intake.stream import StreamNames, StreamPublisher, connect, ensure_stream
from sphere.pipeline.batch import process_records
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.summary import IngestSummary
from sphere.storage.db import session_scope
from sphere.storage.entities import Source
from sphere.storage.repositories.intake import StreamReceiptRepository


class Handoff(Protocol):
    async def submit(self, source: Source, records: Sequence[IntakeRecord], *, ref: str) -> int:
        """Make ``records`` durable; return how many were new."""
        ...

    async def close(self) -> None: ...


def make_handoff(
    *,
    nats_url: str | None,
    stream: str,
    factory: sessionmaker[Session],
    context: Callable[[], PipelineContext],
) -> InProcessHandoff | StreamHandoff:
    """The stream when ``SPHERE_NATS_URL`` is set, else the pipeline in this process."""
    if nats_url:
        return StreamHandoff(nats_url, StreamNames(stream))
    return InProcessHandoff(factory, context)


def raw_record(payload: bytes, *, line: int) -> RawRecord:
    """A stream or webhook payload as the pipeline's input record (errors named, not raised)."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return RawRecord(line=line, error="payload is not UTF-8")
    if json_depth_exceeds(text):
        return RawRecord(line=line, error="payload nested too deeply")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return RawRecord(line=line, error=f"malformed JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(value, dict):
        return RawRecord(line=line, error=f"expected a JSON object, got {type(value).__name__}")
    return RawRecord(line=line, value=value)


class InProcessHandoff:
    """Runs the pipeline in this process (the default without NATS; ``make demo``).

    One batch at a time: the pipeline context (thread context, caches) is shared, and
    SQLite has one writer anyway.
    """

    def __init__(
        self, factory: sessionmaker[Session], context: Callable[[], PipelineContext]
    ) -> None:
        """``context`` builds the pipeline context on first use (policy, PII analyzer)."""
        self.factory, self._make_context = factory, context
        self._ctx: PipelineContext | None = None
        self._lock = threading.Lock()

    def process(self, source: Source, records: Sequence[IntakeRecord], *, ref: str) -> int:
        """Process the records not seen before; their receipts commit with their effects,
        so a redelivered webhook or a listener replaying from its cursor has no second
        effect (an anonymous count, too, is counted once)."""
        with self._lock:
            if self._ctx is None:
                self._ctx = self._make_context()
            with session_scope(self.factory) as session:
                seen = StreamReceiptRepository(session).seen(r.msg_id for r in records)
            fresh = list({r.msg_id: r for r in records if r.msg_id not in seen}.values())
            if not fresh:
                return 0
            raws = [raw_record(r.payload, line=i) for i, r in enumerate(fresh, start=1)]
            summary = IngestSummary(source=source.name)
            at = self._ctx.clock.now()

            def receipts(session: Session) -> None:
                StreamReceiptRepository(session).add(((r.msg_id, 0) for r in fresh), at=at)

            process_records(
                self.factory,
                self._ctx,
                raws,
                source=source,
                file=ref,
                summary=summary,
                before_commit=receipts,
            )
        return len(raws) - summary.duplicates

    async def submit(self, source: Source, records: Sequence[IntakeRecord], *, ref: str) -> int:
        return await asyncio.to_thread(self.process, source, records, ref=ref)

    async def close(self) -> None:
        return None


class StreamHandoff:
    """Publishes to JetStream; ``sphere worker`` processes. Connects on first use (inside
    the caller's event loop) and reconnects by itself after a server restart."""

    def __init__(self, url: str, names: StreamNames) -> None:
        self.url, self.names = url, names
        self._publisher: StreamPublisher | None = None
        self._client = None
        self._lock: asyncio.Lock | None = None

    async def publisher(self) -> StreamPublisher:
        if self._publisher is None:
            self._lock = self._lock or asyncio.Lock()
            async with self._lock:
                if self._publisher is None:
                    client = await connect(self.url, name="sphere-intake")
                    js = client.jetstream()
                    await ensure_stream(js, self.names)
                    self._client, self._publisher = client, StreamPublisher(js, self.names)
        return self._publisher

    async def submit(self, source: Source, records: Sequence[IntakeRecord], *, ref: str) -> int:
        publisher = await self.publisher()
        return await publisher.publish(source.name, records, ref=ref)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.flush()
            await self._client.close()
            self._client, self._publisher = None, None
