"""Process a list of raw records of one source in one transaction — the entry point that
live intake (webhooks in-process, ``sphere worker``) shares with file ingestion.

``before_commit`` runs inside the transaction after the records: a worker writes its
stream receipts there, so a message's effects and the note that it had them commit
together (or not at all).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from sphere.channels import RawRecord
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.process import RecordProcessor
from sphere.pipeline.summary import IngestSummary
from sphere.storage.db import session_scope
from sphere.storage.entities import Source
from sphere.storage.faults import (
    LostRace,
    is_conflict,
    is_shared_key_race,
    is_transient,
    is_unavailable,
)

log = logging.getLogger(__name__)
BeforeCommit = Callable[[Session], None]
CONFLICT_ATTEMPTS = 8


def process_records(
    factory: sessionmaker[Session],
    ctx: PipelineContext,
    records: Sequence[RawRecord],
    *,
    source: Source,
    file: str,
    summary: IngestSummary | None = None,
    before_commit: BeforeCommit | None = None,
) -> IngestSummary:
    """Run ``records`` through the pipeline and commit once.

    Stored records are written together at the end. If the transaction loses a race
    (another worker committed the same record, subject key or identity first, or a
    deadlock), it is rolled back and run again — the fresh reads then see the winner's
    rows, so nothing is lost and nothing doubled. A failure that persists runs the
    records one by one in SAVEPOINTs, so only the failing record is quarantined. A lost
    server propagates (``storage.faults.is_unavailable``): the caller waits and retries.
    """
    summary = summary or IngestSummary(source=source.name)
    adapter = ctx.registry.get(source.channel.value)
    buffered, attempt = True, 0
    while True:
        attempt += 1
        checkpoint = summary.checkpoint()
        try:
            with session_scope(factory) as session:
                processor = RecordProcessor(
                    session,
                    ctx,
                    source=source,
                    adapter=adapter,
                    summary=summary,
                    file=file,
                    buffered=buffered,
                )
                processor.process_batch(records)  # set-based reads, batched writes
                processor.finish()
                if before_commit is not None:
                    before_commit(session)
            return summary
        except (DBAPIError, LostRace) as exc:
            summary.restore(checkpoint)
            if is_unavailable(exc) or (
                not buffered and (is_transient(exc) or is_shared_key_race(exc))
            ):
                raise  # the caller waits and retries the whole list
            if buffered and is_conflict(exc) and attempt <= CONFLICT_ATTEMPTS:
                # Another transaction committed the same key (a record, a new subject's
                # key, an identity) or won a deadlock: run again; the fresh reads see
                # what it committed.
                summary.note("batch run again: a concurrent transaction won a race")
                time.sleep(random.uniform(0.0, 0.1 * attempt))
                continue
            if not buffered:
                raise
            buffered = False  # isolate the record that keeps failing (quarantined)
            log.warning("batch of %d records from %s retried one by one", len(records), file)
