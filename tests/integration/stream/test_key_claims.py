"""New subject keys are claimed, not raced (``sphere.storage.key_batch``): two batches that
meet the same new pseudonymous authors at the same time never run again for a key, and
every record of a subject stays under its one key.

On the real thing: PostgreSQL for the claim itself, and two ``sphere worker`` processes
draining one JetStream stream of posts by a few authors each has many posts by.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sphere.audit.chain import verify
from sphere.intake.files import publish_file
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.interactions import InteractionRepository
from tests.factories import mastodon_status
from tests.integration.stream.conftest import (
    open_stream_runtime,
    run_async,
    sphere_cmd,
    stream_settings,
    table_counts,
    worker_env,
    write_jsonl,
)

pytestmark = pytest.mark.postgres
SOURCES = (("masto", "mastodon"),)


def test_a_key_claimed_by_two_batches_is_one_key(
    settings: Settings, pg_url: str, tmp_path: Path
) -> None:
    """Both transactions made a key for the same new subject in memory and encrypted
    under it; the second to flush adopts the first one's key and re-encrypts what it
    had encrypted, without an error and without waiting for the other to commit."""
    runtime = open_stream_runtime(stream_settings(settings, pg_url, None, "UNUSED"), SOURCES)
    subject = "pseudo:claimed-by-two-batches"
    try:
        ring = runtime.keyring
        with runtime.session() as first, runtime.session() as second:
            mine, theirs = ring.key_batch(first), ring.key_batch(second)
            mine.preload([subject])
            theirs.preload([subject])
            row = {"text_ciphertext": mine.encrypt(subject, "Post aus Stapel eins")}
            other = theirs.encrypt(subject, "Post aus Stapel zwei")
            theirs.flush()  # committed at once: the first claim wins
            mine.flush()  # lost: no IntegrityError, no wait for `first`'s commit
            before = row["text_ciphertext"]
            mine.reseal_rows([row])
            assert row["text_ciphertext"] != before  # re-encrypted under the winner's key
            again = mine.encrypt(subject, "noch ein Post")  # the winner's key from now on
        with runtime.session() as session:
            assert ring.decrypt_text(session, subject, row["text_ciphertext"]) == (
                "Post aus Stapel eins"
            )
            assert ring.decrypt_text(session, subject, other) == "Post aus Stapel zwei"
            assert ring.decrypt_text(session, subject, again) == "noch ein Post"
            keys = session.execute(
                text("SELECT count(*) FROM subject_keys WHERE subject_id = :s"), {"s": subject}
            ).scalar_one()
            assert keys == 1
    finally:
        runtime.close()


def _posts_by_few_authors(n: int, authors: int) -> list[dict[str, Any]]:
    """``n`` posts addressed to the company (stored, pseudonymised) by ``authors`` new
    authors in turn: every batch of either worker meets the same new subjects."""
    return [
        mastodon_status(
            str(400000000000000000 + i),
            f"Frage {i}: mein Objektiv klemmt",
            account_id=str(700000000000000000 + i % authors),
            username=f"neu{i % authors}",
            mention_company=True,
        )
        for i in range(n)
    ]


def _start_worker(settings: Settings) -> subprocess.Popen[str]:
    return subprocess.Popen(
        sphere_cmd("worker", "--json", "--ack-wait", "5", "--stop-when-idle", "4"),
        env=worker_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_workers_meeting_the_same_new_authors_never_rerun_a_batch(
    settings: Settings, pg_url: str, nats_url: str, stream_name: str, tmp_path: Path
) -> None:
    n, authors = 600, 30
    s = stream_settings(settings, pg_url, nats_url, stream_name, worker_batch_size=20)
    runtime: Runtime = open_stream_runtime(s, SOURCES)
    try:
        path = write_jsonl(tmp_path / "posts.jsonl", _posts_by_few_authors(n, authors))
        assert run_async(publish_file(runtime, path, source_name="masto")).published == n
        workers = [_start_worker(s), _start_worker(s)]
        stats = []
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err[-3000:]
            stats.append(json.loads(out))
        assert all(st["processed"] > 0 for st in stats), stats  # both took part
        assert sum(st["conflicts"] for st in stats) == 0, stats  # no batch ran again
        counts = table_counts(pg_url)
        assert (counts["receipts"], counts["interactions"], counts["quarantine"]) == (n, n, 0)
        with runtime.session() as session:
            keys = session.execute(
                text("SELECT count(*) FROM subject_keys WHERE subject_id LIKE 'pseudo:%'")
            ).scalar_one()
            assert keys == authors  # one key per author, whoever claimed it
            rows = InteractionRepository(session, runtime.keyring).latest(n + 10)
            assert len(rows) == n and all(r.text and "Objektiv" in r.text for r in rows)
            assert verify(session).ok
    finally:
        runtime.close()
