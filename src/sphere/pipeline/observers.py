"""Other services' interest in what the pipeline reads, without the pipeline knowing them.

Some posts matter to another service as well as to the pipeline: a post quoting a portal
log-in phrase meets a social-handle challenge (``sphere.portal.handle_login``). The
composition root (``sphere.runtime``) registers such services as observers on the
``PipelineContext``; the pipeline asks each cheaply whether it wants an observation and
hands over the ones it wants, inside the batch's transaction, in a SAVEPOINT of their own
(so what they write commits with the batch, and a failure quarantines only that record).
File ingestion, quarantine retries and stream workers run the same pipeline and so the
same observers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from sphere.domain import Observation


class Observer(Protocol):
    def wants(self, obs: Observation) -> bool:
        """A cheap pre-check (a regex, a kind test): ordinary posts must pay nothing."""
        ...

    def observe(self, session: Session, obs: Observation, *, at: datetime) -> None:
        """Act on ``obs`` in the caller's transaction (never commit); audit what changes."""
        ...
