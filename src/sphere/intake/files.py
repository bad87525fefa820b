"""``sphere ingest FILE --via-stream``: publish a file's records to the intake stream.

Each good record becomes one message (its JSON, with the record's message id, so a file
published twice is dropped by JetStream's duplicate window and, later, by the workers'
stream receipts). A line that cannot be read is quarantined here with its file and line,
exactly as ``sphere ingest`` would, and is not published.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sphere.channels import read_records
from sphere.errors import InvalidInput, NotFound
from sphere.intake.handoff import StreamHandoff
from sphere.intake.shapes import IntakeRecord, make_record
from sphere.intake.stream import StreamNames
from sphere.intake.webhooks import IntakeRuntime
from sphere.pipeline.runner import file_format
from sphere.storage.db import session_scope
from sphere.storage.entities import Source
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.repositories.sources import SourceRepository

CHUNK = 500


@dataclass
class PublishSummary:
    source: str
    file: str
    published: int = 0
    duplicates: int = 0
    quarantined: int = 0

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _source(runtime: IntakeRuntime, name: str) -> Source:
    with session_scope(runtime.factory) as session:
        try:
            return SourceRepository(session).get(name)
        except NotFound:
            raise InvalidInput(
                f"unknown source {name!r}; register it with `sphere source add`"
            ) from None


def _quarantine(runtime: IntakeRuntime, source: str, file: str, bad: list[tuple[int, str]]) -> int:
    with session_scope(runtime.factory) as session:
        repository = QuarantineRepository(session, runtime.keyring)
        held = repository.lines_held(source, file=file)
        fresh = [(line, reason) for line, reason in bad if line not in held]
        for line, reason in fresh:
            repository.add(
                source,
                file=file,
                line=line,
                reason=reason[:500],
                at=runtime.clock.now(),
                keep_for=timedelta(days=runtime.settings.quarantine_retention_days),
            )
        return len(fresh)


async def publish_file(runtime: IntakeRuntime, path: Path, *, source_name: str) -> PublishSummary:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    url = runtime.settings.nats_url
    if not url:
        raise InvalidInput("--via-stream needs SPHERE_NATS_URL (a NATS server with JetStream)")
    fmt = file_format(path)
    source = await asyncio.to_thread(_source, runtime, source_name)
    handoff = StreamHandoff(url, StreamNames(runtime.settings.nats_stream))
    summary = PublishSummary(source=source_name, file=path.name)
    chunk: list[IntakeRecord] = []
    bad: list[tuple[int, str]] = []

    async def flush() -> None:
        if chunk:
            new = await handoff.submit(source, chunk, ref=f"{path.name}")
            summary.published += new
            summary.duplicates += len(chunk) - new
            chunk.clear()

    try:
        for raw in read_records(path, format=fmt):
            if raw.error is not None or raw.value is None:
                bad.append((raw.line, raw.error or "empty record"))
                continue
            payload = json.dumps(raw.value, ensure_ascii=False, separators=(",", ":"))
            chunk.append(make_record(source.channel, payload.encode("utf-8")))
            if len(chunk) >= CHUNK:
                await flush()
        await flush()
    finally:
        await handoff.close()
    if bad:
        summary.quarantined = await asyncio.to_thread(
            _quarantine, runtime, source_name, path.name, bad
        )
    return summary
