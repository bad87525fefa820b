"""Faults on the real thing: a worker killed with SIGKILL mid-batch, NATS and PostgreSQL
restarted during a run, poison and unparsable messages, a slow database.

Each test counts effects exactly: stored interactions AND anonymous counters (a counter
incremented twice would show a message processed twice, which the unique key on stored
records alone would hide) and one stream receipt per message.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from pathlib import Path

import nats
import pytest
from sqlalchemy import create_engine, text

from sphere.audit.chain import verify
from sphere.intake.errors import IntakeBusy
from sphere.intake.files import publish_file
from sphere.intake.shapes import IntakeRecord
from sphere.intake.stream import StreamNames, StreamPublisher, ensure_stream
from sphere.intake.worker import Worker
from sphere.settings import Settings
from sphere.storage.db import upgrade
from tests.integration.stream.conftest import (
    PrivateNats,
    PrivatePostgres,
    expected_counts,
    mixed_posts,
    open_stream_runtime,
    run_async,
    sphere_cmd,
    stream_settings,
    table_counts,
    worker_env,
    write_jsonl,
)

# serial: worker processes killed, private NATS/PostgreSQL restarted, ack-wait and idle
# timeouts of seconds - run alone in make test's second pass, never beside other tests.
pytestmark = [pytest.mark.postgres, pytest.mark.serial]
SOURCES = (("masto", "mastodon"),)


def _wait_for(predicate, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _receipts(db_url: str) -> int:
    return table_counts(db_url)["receipts"]


def _run_worker(settings: Settings, *extra: str, timeout: float = 240) -> dict[str, int]:
    done = subprocess.run(
        sphere_cmd("worker", "--json", "--ack-wait", "2", "--stop-when-idle", "4", *extra),
        env=worker_env(settings),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _assert_exactly_once(db_url: str, n: int) -> None:
    stored, counted = expected_counts(n)
    counts = table_counts(db_url)
    assert counts["receipts"] == n
    assert counts["interactions"] == stored
    assert counts["aggregate_sum"] == counted
    assert counts["decisions"] == stored
    assert counts["quarantine"] == 0


def test_kill_9_mid_batch_loses_nothing_and_doubles_nothing(
    settings: Settings, pg_url: str, nats_url: str, stream_name: str, tmp_path: Path
) -> None:
    n = 900
    s = stream_settings(settings, pg_url, nats_url, stream_name, worker_batch_size=100)
    runtime = open_stream_runtime(s, SOURCES)
    try:
        path = write_jsonl(tmp_path / "posts.jsonl", mixed_posts(n))
        assert run_async(publish_file(runtime, path, source_name="masto")).published == n
        victim = subprocess.Popen(
            sphere_cmd("worker", "--ack-wait", "2"),
            env=worker_env(s),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(lambda: _receipts(pg_url) >= 100, 120, "the first committed batch")
            victim.send_signal(signal.SIGKILL)  # mid-way through the next batch
            victim.wait(timeout=10)
        finally:
            if victim.poll() is None:
                victim.kill()
        left = n - _receipts(pg_url)
        assert 0 < left < n
        stats = _run_worker(s)
        assert stats["processed"] + stats["skipped"] >= left
        _assert_exactly_once(pg_url, n)
        with runtime.session() as session:
            assert verify(session).ok
    finally:
        runtime.close()


def test_poison_and_unparsable_messages_are_quarantined_with_their_sequence(
    settings: Settings, pg_url: str, nats_url: str, stream_name: str
) -> None:
    s = stream_settings(settings, pg_url, nats_url, stream_name, worker_max_deliveries=2)
    runtime = open_stream_runtime(s, SOURCES)
    names = StreamNames(stream_name)

    async def scenario() -> None:
        client = await nats.connect(nats_url)
        js = client.jetstream()
        await ensure_stream(js, names)
        publisher = StreamPublisher(js, names)
        await publisher.publish("masto", [IntakeRecord(b"{not json", "bad:1")], ref="test")
        await publisher.publish(
            "masto", [IntakeRecord(json.dumps(mixed_posts(1)[0]).encode(), "poison:1")], ref="t"
        )
        # Deliver the second message three times without acknowledging it, as a worker
        # that crashes on it would (the first is acknowledged only by the worker below).
        worker = _make_worker(runtime, max_deliveries=2)
        sub = await js.pull_subscribe(f"{names.prefix}.>", durable="workers", stream=stream_name,
                                      config=_consumer())  # fmt: skip
        for _ in range(3):
            msgs = await sub.fetch(2, timeout=5)
            for msg in msgs:
                if msg.headers and msg.headers.get("Nats-Msg-Id") == "poison:1":
                    await msg.nak()
                else:
                    await msg.nak()
        await client.close()
        stats = await worker.run()
        assert stats.quarantined_poison == 2  # both were delivered > 2 times by now

    try:
        run_async(scenario())
        engine = create_engine(pg_url)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT file, line, reason FROM quarantine ORDER BY line")
            ).all()
        engine.dispose()
        assert [(r.file, r.line) for r in rows] == [(f"stream:{stream_name}", 1),
                                                    (f"stream:{stream_name}", 2)]  # fmt: skip
        assert all("delivered 4 times" in r.reason for r in rows)
        assert table_counts(pg_url)["receipts"] == 2
    finally:
        runtime.close()


def test_unparsable_message_is_quarantined_at_first_sight(
    settings: Settings, pg_url: str, nats_url: str, stream_name: str
) -> None:
    s = stream_settings(settings, pg_url, nats_url, stream_name)
    runtime = open_stream_runtime(s, SOURCES)
    names = StreamNames(stream_name)

    async def scenario() -> None:
        client = await nats.connect(nats_url)
        js = client.jetstream()
        await ensure_stream(js, names)
        publisher = StreamPublisher(js, names)
        await publisher.publish("masto", [IntakeRecord(b"[1, 2", "bad:2")], ref="test")
        await publisher.publish("nosuchsource", [IntakeRecord(b"{}", "bad:3")], ref="test")
        await client.close()
        stats = await _make_worker(runtime).run()
        assert stats.processed == 2 and stats.quarantined_poison == 0

    try:
        run_async(scenario())
        engine = create_engine(pg_url)
        with engine.connect() as connection:
            reasons = connection.execute(text("SELECT reason FROM quarantine ORDER BY line")).all()
        engine.dispose()
        assert "malformed JSON" in reasons[0].reason
        assert reasons[1].reason == "unknown source"
    finally:
        runtime.close()


def _consumer():  # noqa: ANN202
    from sphere.intake.stream import consumer_config

    return consumer_config(ack_wait=1.0, max_ack_pending=1000)


def _make_worker(runtime, **options) -> Worker:  # noqa: ANN001
    return Worker(
        runtime,
        url=runtime.settings.nats_url,
        names=StreamNames(runtime.settings.nats_stream),
        batch_size=options.pop("batch_size", 50),
        max_deliveries=options.pop("max_deliveries", 3),
        ack_wait=options.pop("ack_wait", 1.0),
        idle_exit=options.pop("idle_exit", 3.0),
        **options,
    )


def test_nats_restart_during_a_run(
    settings: Settings, pg_url: str, private_nats: PrivateNats, tmp_path: Path
) -> None:
    n = 600
    s = stream_settings(settings, pg_url, private_nats.url, "TRESTART", worker_batch_size=50)
    runtime = open_stream_runtime(s, SOURCES)
    try:
        path = write_jsonl(tmp_path / "posts.jsonl", mixed_posts(n))
        assert run_async(publish_file(runtime, path, source_name="masto")).published == n
        worker = subprocess.Popen(
            sphere_cmd("worker", "--json", "--ack-wait", "2", "--stop-when-idle", "8"),
            env=worker_env(s),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_for(lambda: _receipts(pg_url) >= 50, 120, "the first committed batch")
            private_nats.stop()
            time.sleep(1.0)
            private_nats.start()  # same store directory: the stream and consumer survive
            out, err = worker.communicate(timeout=240)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == 0, err[-3000:]
        _assert_exactly_once(pg_url, n)
    finally:
        runtime.close()


@pytest.mark.slow
def test_postgres_restart_during_a_run(
    settings: Settings, nats_url: str, stream_name: str, private_postgres: PrivatePostgres,
    tmp_path: Path,
) -> None:  # fmt: skip
    n = 600
    db_url = private_postgres.url
    upgrade(db_url)
    s = stream_settings(settings, db_url, nats_url, stream_name, worker_batch_size=50)
    runtime = open_stream_runtime(s, SOURCES)
    try:
        path = write_jsonl(tmp_path / "posts.jsonl", mixed_posts(n))
        assert run_async(publish_file(runtime, path, source_name="masto")).published == n
        runtime.engine.dispose()
        worker = subprocess.Popen(
            sphere_cmd("worker", "--json", "--ack-wait", "2", "--stop-when-idle", "8"),
            env=worker_env(s),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_for(lambda: _receipts(db_url) >= 50, 120, "the first committed batch")
            private_postgres.stop()
            time.sleep(2.0)  # the worker meets a dead database and backs off
            private_postgres.start()
            out, err = worker.communicate(timeout=240)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == 0, err[-3000:]
        stats = json.loads(out)
        assert stats["db_retries"] >= 1
        _assert_exactly_once(db_url, n)
    finally:
        runtime.close()


def test_slow_database_pushes_back_instead_of_buffering(
    settings: Settings, pg_url: str, nats_url: str, stream_name: str
) -> None:
    """The audit head is held locked by another transaction (a stalled database): the
    worker holds one batch and waits; the rest stays in the stream; once the stream is
    full, publishing is refused (IntakeBusy → 503) instead of anything growing."""
    s = stream_settings(settings, pg_url, nats_url, stream_name)
    runtime = open_stream_runtime(s, SOURCES)
    names = StreamNames(stream_name, max_msgs=200)
    engine = create_engine(pg_url)
    blocker = engine.connect()
    blocker.begin()
    blocker.execute(text("SELECT * FROM audit_head FOR UPDATE"))
    try:

        async def scenario() -> None:
            client = await nats.connect(nats_url)
            js = client.jetstream()
            await ensure_stream(js, names)
            publisher = StreamPublisher(js, names)
            posts = mixed_posts(200)
            records = [
                IntakeRecord(json.dumps(p).encode(), f"slow:{i}") for i, p in enumerate(posts)
            ]
            assert await publisher.publish("masto", records, ref="t") == 200
            worker = _make_worker(runtime, batch_size=20, idle_exit=60.0)
            task = asyncio.create_task(worker.run())
            await asyncio.sleep(3.0)
            consumer = await js.consumer_info(stream_name, "workers")
            assert consumer.num_ack_pending <= 20  # one batch in the worker, no more
            info = await js.stream_info(stream_name)
            assert info.state.messages == 200  # the rest waits in the stream
            with pytest.raises(IntakeBusy):  # full: intake would answer 503
                await publisher.publish(
                    "masto", [IntakeRecord(b'{"id": "1"}', "slow:extra")], ref="t"
                )
            await asyncio.to_thread(blocker.rollback)  # the database recovers
            deadline = time.monotonic() + 120
            while (
                await js.stream_info(stream_name)
            ).state.messages and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            worker.stop.set()
            await task
            await client.close()

        run_async(scenario())
        _assert_exactly_once(pg_url, 200)
    finally:
        if blocker.in_transaction():
            blocker.rollback()
        blocker.close()
        engine.dispose()
        runtime.close()
