"""Find the contact a data-subject request is about, from what the person gave us.

Accepted forms of ``--subject``:

* a contact id (UUID) or portal public id;
* an e-mail address (``name@example.com``);
* a phone number starting with ``+``;
* ``channel:handle`` (``mastodon:lena_fotografie``), a handle on one channel;
* anything else: tried as customer number and as a handle on every channel.

Lookups go through blind indexes only. More than one matching contact is refused as
ambiguous (a handle can belong to different people on different channels); no match
is refused as unknown — in both cases without saying who else exists.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.domain import Channel, IdentityKind
from sphere.errors import NotFound
from sphere.rights.refusal import refuse
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Contact
from sphere.storage.repositories.contacts import ContactRepository

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+[0-9 ()/.-]{5,30}$")
_HANDLE_CHANNELS = (Channel.MASTODON, Channel.X, Channel.FACEBOOK, Channel.BLUESKY, Channel.FORUM)


@dataclass(frozen=True, slots=True)
class Lookup:
    kind: IdentityKind | None  # None: contact id or public id
    channel: Channel | None
    value: str


def _candidates(identifier: str) -> list[Lookup]:
    value = identifier.strip()
    if not value:
        return []
    try:
        uuid.UUID(value)
        return [Lookup(None, None, value)]
    except ValueError:
        pass
    if _EMAIL.match(value):
        return [Lookup(IdentityKind.EMAIL, None, value.lower())]
    if _PHONE.match(value):
        return [Lookup(IdentityKind.PHONE, None, re.sub(r"[ ()/.-]", "", value))]
    prefix, sep, rest = value.partition(":")
    if sep and prefix.lower() in {c.value for c in _HANDLE_CHANNELS} and rest:
        return [Lookup(IdentityKind.HANDLE, Channel(prefix.lower()), rest)]
    out = [Lookup(IdentityKind.CUSTOMER_NUMBER, None, value)]
    out += [Lookup(IdentityKind.HANDLE, channel, value) for channel in _HANDLE_CHANNELS]
    out.append(Lookup(None, None, value))  # public id
    return out


def find_contacts(session: Session, keyring: Keyring, identifier: str) -> list[Contact]:
    """Every live contact the identifier matches (0, 1 or more), via blind indexes."""
    contacts = ContactRepository(session, keyring)
    found: dict[str, Contact] = {}
    for lookup in _candidates(identifier):
        contact: Contact | None = None
        if lookup.kind is None:
            try:
                contact = contacts.get(lookup.value)
            except NotFound:
                try:
                    contact = contacts.get_by_public_id(lookup.value)
                except NotFound:
                    contact = None
        else:
            contact = contacts.find_by_identity(lookup.kind, lookup.value, channel=lookup.channel)
        if contact is not None:
            found[contact.id] = contact
    return list(found.values())


def resolve_subject(
    session: Session,
    keyring: Keyring,
    identifier: str,
    *,
    actor: str,
    at: datetime,
    allow_erased: bool = False,
) -> Contact:
    """Exactly one contact for ``identifier``, or ``Refused`` (audited)."""
    found = find_contacts(session, keyring, identifier)
    if not found:
        raise refuse(
            session,
            "unknown_subject",
            "no data subject matches this identifier",
            actor=actor,
            at=at,
        )
    if len(found) > 1:
        raise refuse(
            session,
            "ambiguous_identifier",
            "the identifier matches more than one data subject; "
            "give an e-mail address, customer number or channel:handle",
            actor=actor,
            at=at,
        )
    contact = found[0]
    if contact.erased_at is not None and not allow_erased:
        raise refuse(
            session,
            "subject_erased",
            "the data of this subject were erased",
            actor=actor,
            at=at,
            subject_id=contact.id,
        )
    return contact
