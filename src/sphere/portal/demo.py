"""Portal log-in links issued at the command line: one for a demo customer, printed by
``sphere demo`` and — on the demo's database — by ``sphere serve`` at every start (a link
lasts 15 minutes), and one for any address on file (``sphere portal link EMAIL``, for
staff helping a customer who cannot receive the e-mail). Each is audited
(``portal.link_issued``) with who issued it."""

from __future__ import annotations

import hashlib
import hmac
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy.orm import Session

from sphere.domain import IdentityKind
from sphere.domain.time import Clock
from sphere.errors import NotFound
from sphere.portal.links import create_login_link
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.ingest_runs import IngestRunRepository

LOGIN_PATH = "/portal/login/"
# The checkpoint ``sphere demo`` writes when it replays the scenario's consents: a
# database that has it holds the fictional company, never real customers.
DEMO_MARK = "demo-consents"


class _Runtime(Protocol):  # the parts of sphere.runtime.Runtime used here
    settings: Settings
    keyring: Keyring
    clock: Clock

    def session(self) -> AbstractContextManager[Session]: ...


def link_throttle_key(settings: Settings) -> bytes:
    """Key for the per-address rate limit of log-in links (HMAC domain separation)."""
    secret = settings.pseudonym_secret.get_secret_value().encode("utf-8")
    return hmac.new(secret, b"sphere.portal:link-throttle", hashlib.sha256).digest()


def is_demo_database(session: Session) -> bool:
    return bool(IngestRunRepository(session).list(source_name=DEMO_MARK))


def issue_portal_link(
    runtime: _Runtime, address: str, *, base_url: str = "", actor: str = "cli"
) -> str:
    """A one-time link (15 minutes) for the one living contact with ``address`` on file;
    ``NotFound`` when there is none or more than one."""
    with runtime.session() as session:
        link = create_login_link(
            session,
            runtime.keyring,
            address,
            at=runtime.clock.now(),
            throttle_secret=link_throttle_key(runtime.settings),
            actor=actor,
        )
    if link is None:
        raise NotFound("no single living contact has this e-mail address on file")
    return f"{base_url.rstrip('/')}{LOGIN_PATH}{link.token}"


def demo_portal_link(runtime: _Runtime, *, base_url: str = "") -> str | None:
    """A fresh link for the demo customer when the database is the demo's, else ``None``
    (a real company's database never gets a link printed at start-up)."""
    with runtime.session() as session:
        if not is_demo_database(session):
            return None
    try:
        return issue_demo_portal_link(runtime, base_url=base_url)
    except NotFound:
        return None


def issue_demo_portal_link(runtime: _Runtime, *, base_url: str = "") -> str:
    """A one-time link (``{base_url}/portal/login/<token>``) for the first living contact
    with an e-mail address on file; ``NotFound`` when there is none."""
    with runtime.session() as session:
        contacts = ContactRepository(session, runtime.keyring)
        for contact_id in contacts.living_ids():
            emails = [
                i.value
                for i in contacts.identities(contact_id)
                if i.kind is IdentityKind.EMAIL and i.value
            ]
            if not emails:
                continue
            link = create_login_link(
                session,
                runtime.keyring,
                emails[0],
                at=runtime.clock.now(),
                throttle_secret=link_throttle_key(runtime.settings),
                actor="demo",
            )
            if link is not None:
                return f"{base_url.rstrip('/')}{LOGIN_PATH}{link.token}"
    raise NotFound("no demo customer with an e-mail address on file")
