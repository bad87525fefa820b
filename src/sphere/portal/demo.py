"""One portal log-in link for a demo customer, printed by ``sphere demo`` at start-up."""

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

LOGIN_PATH = "/portal/login/"


class _Runtime(Protocol):  # the parts of sphere.runtime.Runtime used here
    settings: Settings
    keyring: Keyring
    clock: Clock

    def session(self) -> AbstractContextManager[Session]: ...


def link_throttle_key(settings: Settings) -> bytes:
    """Key for the per-address rate limit of log-in links (HMAC domain separation)."""
    secret = settings.pseudonym_secret.get_secret_value().encode("utf-8")
    return hmac.new(secret, b"sphere.portal:link-throttle", hashlib.sha256).digest()


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
            )
            if link is not None:
                return f"{base_url.rstrip('/')}{LOGIN_PATH}{link.token}"
    raise NotFound("no demo customer with an e-mail address on file")
