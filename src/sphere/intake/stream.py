"""The durable intake stream on NATS JetStream (nats-py, the maintained client).

One stream (``SPHERE_NATS_STREAM``, default ``SPHERE_INTAKE``) with one subject per
source: ``<stream lower-case>.<source>``. Work-queue retention: a message is removed once
a worker acknowledged it, which it does only after its database transaction committed.
``Nats-Msg-Id`` carries the record's message id (``intake.shapes``), so the server drops
a duplicate published within the duplicate window (2 minutes). The stream is bounded
(``max_msgs``/``max_bytes`` with discard-new): when workers fall behind for long, a
publish is refused and intake answers 503 instead of buffering in memory — back-pressure
reaches the platform, which retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError, NotFoundError

from sphere.intake.errors import IntakeBusy
from sphere.intake.shapes import IntakeRecord

log = logging.getLogger(__name__)
REF_HEADER = "Sphere-Ref"
DUPLICATE_WINDOW = 120.0
CONSUMER = "workers"


@dataclass(frozen=True, slots=True)
class StreamNames:
    stream: str
    max_msgs: int = 1_000_000
    max_bytes: int = 2 * 1024**3

    @property
    def prefix(self) -> str:
        return self.stream.lower()

    def subject(self, source: str) -> str:
        return f"{self.prefix}.{source}"

    def source_of(self, subject: str) -> str:
        return subject[len(self.prefix) + 1 :]


async def connect(url: str, *, name: str) -> Client:
    """A connection that reconnects forever (a restarted server is waited for)."""
    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=3,
        allow_reconnect=True,
    )


async def ensure_stream(js: JetStreamContext, names: StreamNames) -> None:
    config = StreamConfig(
        name=names.stream,
        subjects=[f"{names.prefix}.>"],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        discard=DiscardPolicy.NEW,
        max_msgs=names.max_msgs,
        max_bytes=names.max_bytes,
        duplicate_window=DUPLICATE_WINDOW,
    )
    try:
        await js.stream_info(names.stream)
    except NotFoundError:
        try:
            await js.add_stream(config)
        except BadRequestError:  # created concurrently by another process
            await js.stream_info(names.stream)


def consumer_config(*, ack_wait: float, max_ack_pending: int) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=CONSUMER,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=-1,  # the worker quarantines after SPHERE_WORKER_MAX_DELIVERIES itself
        max_ack_pending=max_ack_pending,
        max_waiting=512,
    )


class StreamPublisher:
    """Publishes intake records and waits for the server's acknowledgement of each."""

    def __init__(self, js: JetStreamContext, names: StreamNames, *, timeout: float = 5.0) -> None:
        self.js, self.names, self.timeout = js, names, timeout

    async def publish(self, source: str, records: Sequence[IntakeRecord], *, ref: str) -> int:
        """Publish ``records``; returns how many were new (not duplicates). Raises
        IntakeBusy when the stream refuses or cannot be reached in time."""
        subject = self.names.subject(source)
        acks = await asyncio.gather(
            *(self._one(subject, record, ref) for record in records), return_exceptions=True
        )
        for ack in acks:
            if isinstance(ack, BaseException):
                log.warning("stream publish failed: %s", type(ack).__name__)
                raise IntakeBusy("the intake stream is unavailable; retry later") from None
        return sum(1 for ack in acks if not getattr(ack, "duplicate", False))

    async def _one(self, subject: str, record: IntakeRecord, ref: str) -> Any:
        headers = {"Nats-Msg-Id": record.msg_id, REF_HEADER: ref}
        try:
            return await self.js.publish(
                subject, record.payload, timeout=self.timeout, headers=headers
            )
        except (TimeoutError, NatsError, NatsTimeout) as exc:
            raise IntakeBusy(f"stream publish failed ({type(exc).__name__})") from None
