"""Intake through JetStream into PostgreSQL with `sphere worker` (real NATS, real PG)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphere.audit.chain import verify
from sphere.intake.files import publish_file
from sphere.intake.stream import StreamNames
from sphere.intake.worker import Worker
from sphere.settings import Settings
from tests.integration.stream.conftest import (
    expected_counts,
    mixed_posts,
    open_stream_runtime,
    run_async,
    stream_settings,
    table_counts,
    write_jsonl,
)

pytestmark = pytest.mark.postgres


def _worker(runtime, **options) -> Worker:  # noqa: ANN001
    settings = runtime.settings
    return Worker(
        runtime,
        url=settings.nats_url,
        names=StreamNames(settings.nats_stream),
        batch_size=options.pop("batch_size", 50),
        max_deliveries=options.pop("max_deliveries", 3),
        ack_wait=options.pop("ack_wait", 5.0),
        idle_exit=options.pop("idle_exit", 1.5),
        **options,
    )


def test_file_via_stream_is_processed_once(
    settings: Settings, pg_url: str, nats_url: str, stream_name: str, tmp_path: Path
) -> None:
    s = stream_settings(settings, pg_url, nats_url, stream_name)
    runtime = open_stream_runtime(s, (("masto", "mastodon"),))
    try:
        path = write_jsonl(tmp_path / "posts.jsonl", mixed_posts(120))
        with path.open("a", encoding="utf-8") as handle:
            handle.write("{not json\n")
        first = run_async(publish_file(runtime, path, source_name="masto"))
        assert (first.published, first.duplicates, first.quarantined) == (120, 0, 1)
        again = run_async(publish_file(runtime, path, source_name="masto"))
        assert (again.published, again.duplicates, again.quarantined) == (0, 120, 0)
        stats = run_async(_worker(runtime).run())
        assert stats.processed == 120 and stats.skipped == 0
        stored, counted = expected_counts(120)
        counts = table_counts(pg_url)
        assert counts["interactions"] == stored
        assert counts["aggregate_sum"] == counted
        assert counts["receipts"] == 120
        assert counts["quarantine"] == 1  # the bad line, quarantined by the publisher
        with runtime.session() as session:
            assert verify(session).ok
    finally:
        runtime.close()
