"""Process a list of raw records of one source in one transaction — the entry point that
live intake (webhooks in-process, ``sphere worker``) shares with file ingestion.

``before_commit`` runs inside the transaction after the records: a worker writes its
stream receipts there, so a message's effects and the note that it had them commit
together (or not at all).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from sphere.channels import RawRecord
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.process import RecordProcessor
from sphere.pipeline.summary import IngestSummary
from sphere.storage.db import session_scope
from sphere.storage.entities import Source
from sphere.storage.faults import is_transient

log = logging.getLogger(__name__)
BeforeCommit = Callable[[Session], None]


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

    Stored records are written together at the end; if that write fails (a concurrent
    worker stored one of them first), the transaction is rolled back and the records
    run again one by one in SAVEPOINTs, so only the conflicting record is affected.
    A lost race (deadlock, serialization failure) or a lost server propagates
    (``storage.faults.is_transient``): the caller retries the whole list.
    """
    summary = summary or IngestSummary(source=source.name)
    adapter = ctx.registry.get(source.channel.value)
    for buffered in (True, False):
        attempt = summary.checkpoint()
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
        except DBAPIError as exc:
            summary.restore(attempt)
            if not buffered or is_transient(exc):  # the caller retries the whole list
                raise
            log.warning("batch of %d records from %s retried one by one", len(records), file)
    return summary  # pragma: no cover - the loop returns or raises
