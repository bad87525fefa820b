"""Several workers on one PostgreSQL: races between batches run in parallel threads, each
in its own transaction, exactly as two `sphere worker` processes would run them.

Covered: the audit chain stays one verifiable sequence; a platform deletion processed
before (or at the same time as) its post wins; an edit racing its original ends edited;
the same CRM contact imported twice at once yields one contact.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from sphere.audit.chain import verify
from sphere.channels import RawRecord
from sphere.domain import Channel
from sphere.pipeline.batch import process_records
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.faults import is_conflict
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.sources import SourceRepository
from tests.factories import mastodon_status
from tests.integration.stream.conftest import (
    expected_counts,
    mixed_posts,
    open_stream_runtime,
    stream_settings,
)

SOURCES = (("masto", "mastodon"), ("crm", "crm"))


@pytest.fixture
def runtime(settings: Settings, pg_url: str) -> Iterator[Runtime]:
    rt = open_stream_runtime(stream_settings(settings, pg_url, None, "UNUSED"), SOURCES)
    yield rt
    rt.close()


@pytest.fixture
def any_runtime(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    rt = open_stream_runtime(stream_settings(settings, migrated_db_url, None, "UNUSED"), SOURCES)
    yield rt
    rt.close()


def _run(runtime: Runtime, source_name: str, values: list[dict[str, Any]], *, tag: str) -> None:
    """One batch in one transaction; a lost race is retried, as the worker does."""
    with runtime.session() as session:
        source = SourceRepository(session).get(source_name)
    ctx = runtime.pipeline_context()
    raws = [RawRecord(line=i, value=v) for i, v in enumerate(values, start=1)]
    for _ in range(20):
        try:
            process_records(runtime.factory, ctx, raws, source=source, file=tag)
            return
        except Exception as exc:
            if not is_conflict(exc):
                raise
    raise AssertionError("batch lost its race 20 times")


def _parallel(*jobs: tuple[Runtime, str, list[dict[str, Any]]]) -> None:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(index: int, job: tuple[Runtime, str, list[dict[str, Any]]]) -> None:
        try:
            barrier.wait(timeout=30)
            _run(*job, tag=f"thread-{index}")
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    if errors:
        raise errors[0]


def _deletion(status_id: str) -> dict[str, Any]:
    return {"stream": ["user"], "event": "delete", "payload": status_id}


def _edit(status: dict[str, Any], new_text: str, *, addressed: bool = True) -> dict[str, Any]:
    fresh = mastodon_status(status["id"], new_text, mention_company=addressed)
    edited = {**status, "content": fresh["content"], "mentions": fresh["mentions"],
              "edited_at": "2026-05-01T11:00:00.000Z"}  # fmt: skip
    return {"stream": ["user"], "event": "status.update", "payload": json.dumps(edited)}


def _stored(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM interactions")).scalar_one())


def test_edit_before_its_original_wins(any_runtime: Runtime) -> None:
    """The edited text no longer addresses the company: nothing may be stored, also not
    the original arriving after the edit."""
    status = mastodon_status("530000000000000001", "Frage an euch", mention_company=True)
    _run(any_runtime, "masto", [_edit(status, "doch nicht", addressed=False)], tag="edit")
    _run(any_runtime, "masto", [status], tag="original-late")
    assert _stored(any_runtime) == 0


def test_deletion_before_its_post_wins(any_runtime: Runtime) -> None:
    status = mastodon_status("500000000000000001", "Frage an euch", mention_company=True)
    _run(any_runtime, "masto", [_deletion(status["id"])], tag="first")
    _run(any_runtime, "masto", [status], tag="later")
    _run(any_runtime, "masto", [_edit(status, "geändert")], tag="edit-after-delete")
    assert _stored(any_runtime) == 0


@pytest.mark.postgres
def test_post_and_its_deletion_at_the_same_time(runtime: Runtime) -> None:
    for round_ in range(6):
        status = mastodon_status(
            str(510000000000000000 + round_), "Frage an euch", mention_company=True
        )
        _parallel((runtime, "masto", [status]), (runtime, "masto", [_deletion(status["id"])]))
    assert _stored(runtime) == 0


@pytest.mark.postgres
def test_edit_racing_its_original_ends_edited(runtime: Runtime) -> None:
    for round_ in range(4):
        status = mastodon_status(
            str(520000000000000000 + round_), "alter Text zur Reparatur", mention_company=True
        )
        _parallel(
            (runtime, "masto", [status]),
            (runtime, "masto", [_edit(status, "neuer Text zur Reparatur")]),
        )
        with runtime.session() as session:
            stored = InteractionRepository(session, runtime.keyring).get_by_source(
                Channel.MASTODON, status["id"]
            )
            assert stored is not None and stored.text is not None
            assert "neuer Text" in stored.text, f"round {round_}: the original won"


@pytest.mark.postgres
def test_same_contact_imported_twice_at_once_is_one_contact(runtime: Runtime) -> None:
    for n in range(4):
        contact = {
            "customer_number": f"K-77{n}",
            "email": f"race{n}@example.com",
            "first_name": "Lena",
            "last_name": "Beispiel",
            "updated_at": "2026-04-01T09:00:00+02:00",
        }
        _parallel((runtime, "crm", [contact]), (runtime, "crm", [dict(contact)]))
    with runtime.engine.connect() as connection:
        contacts = connection.execute(text("SELECT count(*) FROM contacts")).scalar_one()
        numbers = connection.execute(
            text("SELECT count(*) FROM identities WHERE kind = 'customer_number'")
        ).scalar_one()
    assert (contacts, numbers) == (4, 4)


@pytest.mark.postgres
def test_parallel_batches_keep_one_verifiable_audit_chain(runtime: Runtime) -> None:
    batches = [mixed_posts(60, start=60 * i) for i in range(4)]
    _parallel(*((runtime, "masto", batch) for batch in batches))
    stored, counted = expected_counts(240)
    assert _stored(runtime) == stored
    with runtime.session() as session:
        result = verify(session)
        assert result.ok, result.reason
