"""Wire the stages, own the batching, the transactions, the checkpoint and quarantine.

One batch of ``batch_size`` input lines is one transaction (``batch.process_records``, the
entry point file ingestion shares with live intake): its stored records, decision log
rows, audit entries, aggregate counters, quarantine rows and the file checkpoint commit
together. A crash loses at most the open batch; a rerun of the same file resumes
after the last committed line, and records already stored are recognised by
(channel, source id), so re-ingesting adds nothing.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from sphere.channels import RawRecord, read_records
from sphere.channels.text import replace_invalid_code_points
from sphere.errors import InvalidInput, NotFound
from sphere.pipeline.batch import process_records
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.summary import IngestSummary
from sphere.storage.db import session_scope
from sphere.storage.repositories.ingest_runs import IngestRunRepository
from sphere.storage.repositories.sources import SourceRepository

log = logging.getLogger(__name__)
Progress = Callable[[int], None]  # called with the number of input lines done so far
_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}


def file_format(path: Path) -> str:
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise InvalidInput(
            f"{path.name}: unknown file type {path.suffix!r}; expected .jsonl, .json or .csv"
        ) from None


def fingerprint(path: Path) -> str:
    """Identify a file's content cheaply: size, modification time (ns) and SHA-256 of its
    first and last MiB.

    Size and ends alone took a file edited only in the middle for one already ingested
    (issue 18); an edit changes the modification time. A file whose edit kept size and
    time (set back on purpose) is still taken for the old one: that costs nothing but
    the edit, because records are recognised by (channel, source id) and anonymous
    counts by their keyed token, so reading a file twice never stores or counts twice.
    """
    info = path.stat()
    size = info.st_size
    digest = hashlib.sha256(f"{size}:{info.st_mtime_ns}".encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        if size > 2 << 20:
            handle.seek(-(1 << 20), 2)
            digest.update(handle.read(1 << 20))
    return digest.hexdigest()


def _batches(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    batch: list[RawRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _advance(run_id: str, line: int, session: Session) -> None:
    """The file checkpoint, in the batch's transaction: a rerun resumes after ``line``."""
    IngestRunRepository(session).advance(run_id, line)


def ingest_file(
    factory: sessionmaker[Session],
    ctx: PipelineContext,
    path: Path,
    *,
    source_name: str,
    summary: IngestSummary | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Stream ``path`` through the pipeline in committed batches; see module docstring."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    fmt = file_format(path)
    # A file name with bytes that are not UTF-8 holds lone surrogates (surrogateescape);
    # it names the file in checkpoints, quarantine rows and summaries, so it is repaired.
    name = replace_invalid_code_points(path.name)
    summary = summary or IngestSummary(source=source_name)
    summary.files.append(name)
    started = time.perf_counter()
    with session_scope(factory) as session:
        try:
            source = SourceRepository(session).get(source_name)
        except NotFound:
            known = ", ".join(s.name for s in SourceRepository(session).list()) or "none"
            raise InvalidInput(
                f"unknown source {source_name!r} (registered: {known}); "
                "register it with `sphere source add`"
            ) from None
        run = IngestRunRepository(session).start(
            source_name, fingerprint(path), file=name, at=ctx.clock.now()
        )
    if run.completed:
        summary.resumed_from_line = run.last_line
        summary.seconds += time.perf_counter() - started
        return summary
    skip_until = run.last_line
    summary.resumed_from_line = skip_until
    records = (r for r in read_records(path, format=fmt) if r.line > skip_until)
    for batch in _batches(records, ctx.batch_size):
        last = batch[-1].line
        process_records(
            factory,
            ctx,
            batch,
            source=source,
            summary=summary,
            file=name,
            before_commit=partial(_advance, run.id, last),
        )
        if progress:
            progress(last)
    with session_scope(factory) as session:
        IngestRunRepository(session).complete(run.id, at=ctx.clock.now())
    summary.seconds += time.perf_counter() - started
    return summary
