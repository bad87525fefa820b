"""Other services' interest in what the pipeline reads, without the pipeline knowing them.

Some posts matter to another service as well as to the pipeline: a post quoting a portal
log-in phrase meets a social-handle challenge (``sphere.portal.handle_login``). The
composition root (``sphere.runtime``) registers such services as observers on the
``PipelineContext``; the pipeline asks each cheaply whether it wants an observation and
hands over the ones it wants, inside the batch's transaction, in a SAVEPOINT of their own
(so what they write commits with the batch, and a failure quarantines only that record).
File ingestion, quarantine retries and stream workers run the same pipeline and so the
same observers.

``BatchObserver``: a service that keeps something current from the records a batch
stored (the Art. 14 duties of ``sphere.rights.notices``) is told once per batch, after
the batch's writes and in its transaction, which records it stored — set-based work
per batch, nothing per record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from sphere.domain import Observation
from sphere.policy import Policy


class Observer(Protocol):
    def wants(self, obs: Observation) -> bool:
        """A cheap pre-check (a regex, a kind test): ordinary posts must pay nothing."""
        ...

    def observe(self, session: Session, obs: Observation, *, at: datetime) -> None:
        """Act on ``obs`` in the caller's transaction (never commit); audit what changes."""
        ...


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record a batch stored: whose, from where, under which rule, when."""

    contact_id: str | None
    source_name: str
    channel: str
    rule_id: str | None
    ingested_at: datetime


class BatchObserver(Protocol):
    def stored(self, session: Session, records: Sequence[StoredRecord], *, policy: Policy) -> None:
        """Called once per batch that stored records, after its writes, in its transaction
        (never commit). A failure fails the batch (which is then retried)."""
        ...
