"""Consents given and withdrawn and objections outside requests, carried to the connected
systems (Art. 7(1) and (3), Art. 21; Art. 19 for the recipients).

``SystemsConsentObserver`` is registered by the composition root on the session factory
(``consent.events``); the ledger announces each consent, withdrawal and objection in its own
transaction, and the observer plans one task per system whose definition declares
preferences (``preference``, the purposes and state), per manual system whose owner has
instructions for it, and per webhook recipient of ``consent`` (given or withdrawn) or
``objection``. The tasks belong to the consent event (no request): they are attempted by
the retry job like any other, with back-off and dead letter, and the identifiers' key
goes once every one is done. Nothing reaches a system inside the caller's transaction:
the withdrawal takes effect in Sphere at once even if every system is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.consent.events import OBJECTED, ConsentChange
from sphere.errors import SphereError
from sphere.rights.systems.base import (
    PREFERENCE,
    ConnectedSystems,
    ConsentEventRef,
    plan,
    subject_identifiers,
)
from sphere.rights.systems.erasure import targets
from sphere.storage.crypto import Keyring

log = logging.getLogger(__name__)


class SystemsConsentObserver:
    def __init__(self, keyring: Keyring, systems: Callable[[], ConnectedSystems]) -> None:
        self.keyring = keyring
        self.systems = systems  # read on first use: most sessions never withdraw

    def __call__(self, session: Session, change: ConsentChange) -> None:
        hook = "objection" if change.state == OBJECTED else "consent"
        try:
            systems = self.systems()
            found = targets(systems, PREFERENCE, hook)
        except SphereError as exc:  # a broken definition must not stop the withdrawal
            log.warning("consent change not carried to the connected systems: %s", exc)
            audit(session, actor=change.actor, action="system.consent_not_carried",
                  subject_id=change.contact_id, object_ids=(change.event_id,),
                  details={"error": str(exc)[:500]}, at=change.at)  # fmt: skip
            return
        if not found:
            return
        identifiers = subject_identifiers(session, self.keyring, change.contact_id)
        if identifiers.is_empty:
            return
        params = {"operation": PREFERENCE, "event": hook, "state": change.state,
                  "purposes": list(change.purposes)}  # fmt: skip
        event = ConsentEventRef(change.event_id, change.contact_id)
        plan(session, self.keyring, systems, None, identifiers, found, at=change.at,
             actor=change.actor, params=params, event=event)  # fmt: skip
