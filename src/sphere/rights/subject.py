"""Find the contact a data-subject request is about, from what the person gave us.

Accepted forms of ``--subject``:

* a contact id (UUID) or portal public id;
* an e-mail address (``name@example.com``);
* a phone number, international (``+49 911 95363863``, ``0049 …``) or — read in the
  company's region (``Settings.phone_region``) — national (``0911-953-63863``);
* ``channel:handle`` (``mastodon:lena_fotografie``), a handle on one channel, with or
  without ``@``;
* anything else: tried as customer number and as a handle on every channel (an
  address-like ``lena@photo.example`` also as a Mastodon handle).

Phone numbers are blind-indexed as written, with separators removed
(``storage.crypto.normalize_identity``): ``+49 (0)911 …`` as ``+490911…``, ``0911-953-…``
as ``0911953…``. A number typed in any of these ways is therefore looked up in every
form the same number may have been stored in (:func:`phone_forms`), so the search finds
the contact whichever way the CRM or the customer wrote it.

Lookups go through blind indexes only. More than one matching contact is refused as
ambiguous (a handle can belong to different people on different channels); no match
is refused as unknown — in both cases without saying who else exists.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy.orm import Session

from sphere.domain import Channel, IdentityKind
from sphere.errors import NotFound
from sphere.rights.refusal import refuse
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Contact
from sphere.storage.repositories.contacts import ContactRepository

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # what Sphere reads as an e-mail address
_PHONE = re.compile(r"^\+[0-9 ()/.-]{5,30}$")
# What a person may type for a phone number: digits and the usual separators.
_PHONE_LIKE = re.compile(r"^(?:\+|0)[0-9 ()/.-]{5,30}$")
_SEPARATORS = re.compile(r"[ ()/.-]")
_HANDLE_CHANNELS = (Channel.MASTODON, Channel.X, Channel.FACEBOOK, Channel.BLUESKY, Channel.FORUM)


@dataclass(frozen=True, slots=True)
class Lookup:
    kind: IdentityKind | None  # None: contact id or public id
    channel: Channel | None
    value: str


def parse_phone(value: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """The valid number ``value`` is (``+49 (0)911 …`` and ``0049 …`` read too; ``region``
    reads one without a country code), or None."""
    text = value.strip().replace("(0)", "")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def phone_forms(value: str, region: str | None) -> list[str]:
    """Every form in which the number ``value`` may have been stored: as typed (without
    separators), E.164 (``+4991195363863``), national with the trunk prefix
    (``091195363863``), international with the national prefix kept (``+49 (0)911 …``
    written as ``+49091195363863``) and with ``00`` (``004991195363863``). ``region``
    (ISO 3166-1) reads a number without a country code; an unparsable or invalid number
    gives only the typed form."""
    typed = _SEPARATORS.sub("", value.strip())
    forms = [typed]
    number = parse_phone(value, region)
    if number is None:
        return forms
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = _SEPARATORS.sub(
        "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )
    code = str(number.country_code)
    significant = phonenumbers.national_significant_number(number)
    forms += [e164, national, f"00{code}{significant}"]
    prefix = phonenumbers.ndd_prefix_for_region(phonenumbers.region_code_for_number(number), True)
    if prefix:
        forms.append(f"+{code}{prefix}{significant}")
    return list(dict.fromkeys(f for f in forms if f))


def _candidates(identifier: str, region: str | None = None) -> list[Lookup]:
    value = identifier.strip()
    if not value:
        return []
    try:
        uuid.UUID(value)
        return [Lookup(None, None, value)]
    except ValueError:
        pass
    if _PHONE.match(value):
        return [Lookup(IdentityKind.PHONE, None, form) for form in phone_forms(value, region)]
    prefix, sep, rest = value.partition(":")
    if sep and prefix.lower() in {c.value for c in _HANDLE_CHANNELS} and rest:
        return [Lookup(IdentityKind.HANDLE, Channel(prefix.lower()), rest.lstrip("@"))]
    handle = value.lstrip("@")
    if EMAIL.match(value):
        # an address-like value is an e-mail address or a fediverse handle (user@host)
        return [
            Lookup(IdentityKind.EMAIL, None, value.lower()),
            Lookup(IdentityKind.HANDLE, Channel.MASTODON, handle),
        ]
    out = [Lookup(IdentityKind.CUSTOMER_NUMBER, None, value)]
    if _PHONE_LIKE.match(value) and region:
        out += [Lookup(IdentityKind.PHONE, None, form) for form in phone_forms(value, region)]
    out += [Lookup(IdentityKind.HANDLE, channel, handle) for channel in _HANDLE_CHANNELS]
    out.append(Lookup(None, None, value))  # public id
    return out


def find_contacts(
    session: Session, keyring: Keyring, identifier: str, *, region: str | None = None
) -> list[Contact]:
    """Every live contact the identifier matches (0, 1 or more), via blind indexes;
    ``region`` reads phone numbers written without a country code."""
    contacts = ContactRepository(session, keyring)
    found: dict[str, Contact] = {}
    for lookup in _candidates(identifier, region):
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
