"""Quarantine: list, inspect, retry and drop records that could not be processed.

``retry`` runs the stored payload through the pipeline again (after a policy fix, an
adapter fix, or once the source is registered); if it fails again, a new quarantine
entry with the new reason replaces the old one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.channels import RawRecord
from sphere.errors import InvalidInput
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.process import RecordProcessor
from sphere.pipeline.summary import IngestSummary
from sphere.storage.crypto import Keyring
from sphere.storage.entities import QuarantineItem
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.repositories.sources import SourceRepository


@dataclass(frozen=True, slots=True)
class RetryResult:
    item_id: str
    ok: bool
    reason: str | None  # the new reason when it failed again


def list_items(
    session: Session, keyring: Keyring, *, source_name: str | None = None, limit: int | None = None
) -> list[QuarantineItem]:
    return QuarantineRepository(session, keyring).list(
        source_name=source_name, pending_only=True, limit=limit
    )


def show_item(session: Session, keyring: Keyring, item_id: str) -> QuarantineItem:
    return QuarantineRepository(session, keyring).get(item_id)


def retry_item(session: Session, ctx: PipelineContext, item_id: str) -> RetryResult:
    repository = QuarantineRepository(session, ctx.keyring)
    item = repository.get(item_id)
    if item.payload is None:
        raise InvalidInput(
            f"quarantine item {item_id} kept no payload (the input line was unreadable); "
            "fix the file and ingest it again"
        )
    source = SourceRepository(session).get(item.source_name)
    summary = IngestSummary(source=source.name)
    processor = RecordProcessor(
        session,
        ctx,
        source=source,
        adapter=ctx.registry.get(source.channel.value),
        summary=summary,
        file=item.file,
    )
    processor.process(RawRecord(line=item.line or 0, value=json.loads(item.payload), error=None))
    processor.finish()
    repository.delete(item_id)
    failed = summary.quarantine[0].reason if summary.quarantine else None
    audit(
        session,
        actor=ctx.actor,
        action="quarantine.retried",
        object_ids=(item_id,),
        details={"ok": failed is None},
        at=ctx.clock.now(),
    )
    return RetryResult(item_id, failed is None, failed)


def drop_item(
    session: Session, keyring: Keyring, item_id: str, *, actor: str, at: datetime
) -> None:
    QuarantineRepository(session, keyring).delete(item_id)
    audit(session, actor=actor, action="quarantine.dropped", object_ids=(item_id,), at=at)
