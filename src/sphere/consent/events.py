"""Telling the rest of the installation that a consent was given or withdrawn or an
objection recorded — whatever the channel (portal toggle, ``sphere consent``, the API, a GPC
signal, a "STOP" reply, an objection request).

The ledger must not know who listens (it sits below rights and connectors), so the
composition root (``sphere.runtime``) registers observers on the session factory
(``register``, kept in ``Session.info`` as the audit keys are); the ledger calls
``announce`` in the same transaction after recording the change. An observer plans work
(the connected systems' tasks), it does not do network I/O here: the change must take
effect at once even if every connected system is down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

OBSERVERS = "sphere.consent.observers"
GIVEN = "given"  # Art. 6(1)(a), Art. 7(1): marketing tools need the opt-in as well
WITHDRAWN = "withdrawn"  # Art. 7(3)
OBJECTED = "objected"  # Art. 21


@dataclass(frozen=True, slots=True)
class ConsentChange:
    event_id: str  # the ledger entry (a consent, a withdrawal) or a fresh id (an objection)
    contact_id: str
    state: str  # GIVEN, WITHDRAWN or OBJECTED
    purposes: tuple[str, ...]
    at: datetime
    actor: str


ConsentObserver = Callable[[Session, ConsentChange], None]


def register(factory: sessionmaker[Session], name: str, observer: ConsentObserver) -> None:
    """Every session of ``factory`` tells ``observer`` of consent changes (one observer
    per ``name``: registering again replaces it)."""
    info = factory.kw.setdefault("info", {})
    info[OBSERVERS] = {**info.get(OBSERVERS, {}), name: observer}


def announce(session: Session, change: ConsentChange) -> None:
    for observer in dict(session.info.get(OBSERVERS, {})).values():
        observer(session, change)
