"""``sphere worker``: pull intake messages from JetStream in batches, run the pipeline,
acknowledge after commit.

Guarantees (tested in tests/integration/stream):

* **At least once, one effect.** A message is acknowledged only after the transaction
  holding its effects committed; the same transaction writes its stream receipt
  (``stream_receipts``), so a redelivery after a crash between commit and
  acknowledgement is recognised and acknowledged without a second effect.
* **Poison messages end.** A message delivered more than ``SPHERE_WORKER_MAX_DELIVERIES``
  times (say, one that kills the worker every time) is quarantined with its stream
  sequence and acknowledged, without being processed again. One that cannot be parsed is
  quarantined at first sight (the pipeline's quarantine, file ``stream:<name>``, line =
  stream sequence).
* **Database outages are waited out.** When PostgreSQL is unreachable the worker keeps
  its batch (telling JetStream it is still working on it), backs off exponentially up to
  30 s and retries: a restart costs time, not deliveries.
* **Back-pressure.** A worker holds at most one batch; slow commits slow the pulls, the
  stream absorbs the difference and refuses publishes when full (intake answers 503).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from sqlalchemy.orm import Session

from sphere.errors import NotFound
from sphere.intake.handoff import raw_record
from sphere.intake.stream import StreamNames, connect, consumer_config, ensure_stream
from sphere.intake.webhooks import IntakeRuntime
from sphere.pipeline.batch import process_records
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.summary import IngestSummary
from sphere.storage.db import session_scope
from sphere.storage.entities import Source
from sphere.storage.faults import is_conflict, is_unavailable
from sphere.storage.repositories.intake import StreamReceiptRepository
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.repositories.sources import SourceRepository

log = logging.getLogger(__name__)
MAX_BACKOFF = 30.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the worker needs of one JetStream message (the Msg stays in the event loop)."""

    msg_id: str
    seq: int
    delivered: int
    payload: bytes


@dataclass
class WorkerStats:
    processed: int = 0  # messages whose effects committed in this worker
    skipped: int = 0  # already processed (redelivered after commit)
    quarantined_poison: int = 0
    batches: int = 0
    db_retries: int = 0
    conflicts: int = 0
    summary: dict[str, IngestSummary] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "processed": self.processed,
            "skipped": self.skipped,
            "quarantined_poison": self.quarantined_poison,
            "batches": self.batches,
            "db_retries": self.db_retries,
            "conflicts": self.conflicts
            + sum(
                s.notes["batch run again: a concurrent transaction won a race"]
                for s in self.summary.values()
            ),
            "quarantined": sum(s.quarantine_total for s in self.summary.values()),
        }


def _delivery(msg: Msg) -> Delivery:
    meta = msg.metadata
    msg_id = (msg.headers or {}).get("Nats-Msg-Id") or f"{meta.stream}:{meta.sequence.stream}"
    return Delivery(msg_id, meta.sequence.stream, meta.num_delivered, msg.data)


class Worker:
    def __init__(
        self,
        runtime: IntakeRuntime,
        *,
        url: str,
        names: StreamNames,
        batch_size: int,
        max_deliveries: int,
        ack_wait: float = 30.0,
        idle_exit: float | None = None,
        max_messages: int | None = None,
    ) -> None:
        self.runtime, self.url, self.names = runtime, url, names
        self.batch_size, self.max_deliveries = batch_size, max_deliveries
        self.ack_wait, self.idle_exit, self.max_messages = ack_wait, idle_exit, max_messages
        self.stats = WorkerStats()
        self.stop = asyncio.Event()
        self._ctx: PipelineContext | None = None
        self._sources: dict[str, Source | None] = {}

    # -- the loop --------------------------------------------------------------------------
    async def run(self) -> WorkerStats:
        client = await connect(self.url, name="sphere-worker")
        try:
            js = client.jetstream()
            await ensure_stream(js, self.names)
            subscription = await js.pull_subscribe(
                f"{self.names.prefix}.>",
                durable="workers",
                stream=self.names.stream,
                config=consumer_config(
                    ack_wait=self.ack_wait, max_ack_pending=max(1000, 4 * self.batch_size)
                ),
            )
            self._ctx = await asyncio.to_thread(self.runtime.pipeline_context)
            idle_since = time.monotonic()
            while not self.stop.is_set():
                if self.max_messages is not None and self._done() >= self.max_messages:
                    break
                try:
                    msgs = await subscription.fetch(self.batch_size, timeout=1.0)
                except (NatsTimeout, TimeoutError):
                    if (
                        self.idle_exit is not None
                        and time.monotonic() - idle_since > self.idle_exit
                    ):
                        break
                    continue
                idle_since = time.monotonic()
                await self.handle(msgs)
        finally:
            with contextlib.suppress(Exception):
                await client.close()
        return self.stats

    def _done(self) -> int:
        return self.stats.processed + self.stats.skipped + self.stats.quarantined_poison

    async def handle(self, msgs: Sequence[Msg]) -> None:
        """One fetched batch: per source, one transaction, then the acknowledgements."""
        by_source: dict[str, list[Msg]] = defaultdict(list)
        for msg in msgs:
            by_source[self.names.source_of(msg.subject)].append(msg)
        for source_name, group in by_source.items():
            await self._settle(source_name, group)
        self.stats.batches += 1

    async def _settle(self, source_name: str, group: list[Msg]) -> None:
        deliveries = [_delivery(m) for m in group]
        heartbeat = asyncio.create_task(self._keep_alive(group))
        try:
            backoff, conflicts = 0.5, 0
            while True:
                try:
                    await asyncio.to_thread(self.commit, source_name, deliveries)
                    break
                except Exception as exc:
                    if is_conflict(exc) and conflicts < 5:  # lost a race again: run again
                        conflicts += 1
                        self.stats.conflicts += 1
                        await asyncio.sleep(random.uniform(0.0, 0.05))
                        continue
                    if not is_unavailable(exc):
                        raise
                    self.stats.db_retries += 1
                    log.warning("database unavailable (%s); retry in %.1f s",
                                type(exc).__name__, backoff)  # fmt: skip
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
        except Exception:
            log.exception("batch of %d from %s failed; redelivered later", len(group), source_name)
            for msg in group:
                with contextlib.suppress(Exception):
                    await msg.nak(delay=min(self.ack_wait, 5.0))
            return
        finally:
            heartbeat.cancel()
        for msg in group:
            await msg.ack()

    async def _keep_alive(self, group: list[Msg]) -> None:
        """Tell JetStream the batch is still being worked on (long commits, DB outage)."""
        while True:
            await asyncio.sleep(max(self.ack_wait / 3, 0.5))
            for msg in group:
                with contextlib.suppress(Exception):
                    await msg.in_progress()

    # -- the transaction (runs in a worker thread) ---------------------------------------------
    def _source(self, name: str) -> Source | None:
        if name not in self._sources:
            with session_scope(self.runtime.factory) as session:
                try:
                    self._sources[name] = SourceRepository(session).get(name)
                except NotFound:
                    self._sources[name] = None
        return self._sources[name]

    def commit(self, source_name: str, deliveries: Sequence[Delivery]) -> None:
        """Process the deliveries not yet processed and record them, in one transaction."""
        assert self._ctx is not None
        with session_scope(self.runtime.factory) as session:
            seen = StreamReceiptRepository(session).seen(d.msg_id for d in deliveries)
        fresh = [d for d in deliveries if d.msg_id not in seen]
        self.stats.skipped += len(deliveries) - len(fresh)
        if not fresh:
            return
        poison = [d for d in fresh if d.delivered > self.max_deliveries]
        work = [d for d in fresh if d.delivered <= self.max_deliveries]
        source = self._source(source_name)
        file = f"stream:{self.names.stream}"

        def before_commit(session: Session) -> None:
            for d in poison:
                self._quarantine(
                    session, source_name, d, f"delivered {d.delivered} times without success"
                )
            # Stamped just before the commit: bench/bench_stream.py reads it as the time
            # the decision became durable.
            at = self.runtime.clock.now()
            StreamReceiptRepository(session).add(((d.msg_id, d.seq) for d in fresh), at=at)

        if source is None:  # published for a source that was removed meanwhile
            with session_scope(self.runtime.factory) as session:
                for d in work:
                    self._quarantine(session, source_name, d, "unknown source")
                before_commit(session)
        else:
            summary = self.stats.summary.setdefault(source_name, IngestSummary(source_name))
            process_records(
                self.runtime.factory,
                self._ctx,
                [raw_record(d.payload, line=d.seq) for d in work],
                source=source,
                file=file,
                summary=summary,
                before_commit=before_commit,
            )
        self.stats.processed += len(work)
        self.stats.quarantined_poison += len(poison)

    def _quarantine(self, session: Session, source: str, d: Delivery, reason: str) -> None:
        try:
            payload = d.payload.decode("utf-8")
        except UnicodeDecodeError:
            payload = None
        QuarantineRepository(session, self.runtime.keyring).add(
            source,
            file=f"stream:{self.names.stream}",
            line=d.seq,
            reason=reason,
            payload=payload,
            at=self.runtime.clock.now(),
            keep_for=timedelta(days=self.runtime.settings.quarantine_retention_days),
        )
