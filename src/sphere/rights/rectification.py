"""Rectification (Art. 16 GDPR) in Sphere and in every connected system — the one
service behind ``sphere dsr rectify``, the cockpit's correction form (the DPO carrying
out a rectification request) and the portal's (the person correcting their own data;
the DPO carries it out).

* **Fields** (``FIELDS``): ``email`` and ``phone`` are identities Sphere holds as well;
  ``given_name``, ``family_name``, ``street``, ``postcode`` and ``city`` are held in
  the connected systems (a field's ``rectify`` key, docs/connectors.md) and, where one
  exists, as a provided attribute of that name in Sphere. The CLI may also name any
  identity kind with its wrong value (``--kind --old``) or an attribute by id.
* **Validation** (``validate_corrections``): an e-mail address as the rest of Sphere
  reads one, a phone number valid for ``phonenumbers`` (read in the company's region,
  stored E.164), names and address lines without control characters and within a
  length. Every problem is reported per field (``InvalidCorrections``) with a message
  id the forms translate; nothing is stored or changed then.
* **Recorded** (``record_corrections``): the values wait on the request, encrypted
  under the person's key (gone with it on erasure), audited with the field names only.
* **Carried out** (``rectify_everywhere``): the identifiers the systems still hold are
  taken first; Sphere's own identity or attribute is corrected; then every connected
  system that can rectify, every manual system with instructions for it and every
  webhook recipient of ``rectification`` gets a task carrying ``{field: new value}``
  (encrypted with the identifiers under the request's key; tried at once, retried with
  back-off, dead-lettered) — Art. 19: every recipient is told. The values stored on the
  request are cleared: from then on only the tasks hold them, until each is done. A
  request completed or rejected otherwise drops them too (``rights.requests``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import AttributeKind, Channel, IdentityKind
from sphere.errors import InvalidInput
from sphere.i18n import N_
from sphere.rights.controls import attribute_name, rectify_attribute, rectify_identity
from sphere.rights.requests import RequestType, get_request
from sphere.rights.subject import EMAIL, parse_phone
from sphere.rights.systems import (
    RECTIFICATION,
    ConnectedSystems,
    carry_everywhere,
    subject_identifiers,
)
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.rights import RightsRepository

# The fields a person or the DPO corrects by form, in the forms' order.
IDENTITY_FIELDS = ("email", "phone")
FIELDS = (*IDENTITY_FIELDS, "given_name", "family_name", "street", "postcode", "city")
MAX_CHARS = {"email": 254, "phone": 40, "postcode": 20}
MAX_TEXT_CHARS = 200
_POSTCODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z -]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

NOT_EMAIL = N_("This is not an e-mail address (name@example.com).")
NOT_PHONE = N_(
    "This is not a valid phone number; give it with the country code, e.g. +49 30 1234567."
)
TOO_LONG = N_("This is too long.")
CONTROL = N_("This contains characters that cannot be stored (line breaks, control characters).")
NOT_POSTCODE = N_("A postcode has only letters, digits, spaces and hyphens.")
NOTHING = N_("Enter at least one corrected value.")
BUSY = N_(
    "The earlier correction is still being carried out in our systems; please send this "
    "one once it is done."
)


class InvalidCorrections(InvalidInput):
    """One or more values were refused; ``errors`` maps a field (or ``""``: the form as
    a whole) to a message id (English, translated by the forms)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.errors.items()))


@dataclass(frozen=True, slots=True)
class Correction:
    """One value to correct: ``field`` an identity kind or a field key (``FIELDS``);
    ``old`` the wrong identifier (else the one of that kind on file), ``channel`` a
    handle's; ``attribute_id`` one attribute of Sphere's (the CLI's ``--attribute``)."""

    field: str
    new: str
    old: str | None = None
    channel: Channel | None = None
    attribute_id: str | None = None

    def __repr__(self) -> str:  # never the values
        return f"Correction(field={self.field!r})"


def _phone(value: str, region: str | None) -> str | None:
    number = parse_phone(value, region)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check(key: str, value: str, region: str | None) -> tuple[str | None, str | None]:
    """(the value as stored, None) or (None, the message id of what is wrong)."""
    if len(value) > MAX_CHARS.get(key, MAX_TEXT_CHARS):
        return None, TOO_LONG
    if _CONTROL.search(value):
        return None, CONTROL
    if key == "email":
        return (value.lower(), None) if EMAIL.match(value) else (None, NOT_EMAIL)
    if key == "phone":
        number = _phone(value, region)
        return (number, None) if number else (None, NOT_PHONE)
    if key == "postcode" and not _POSTCODE.match(value):
        return None, NOT_POSTCODE
    return value, None


def validate_corrections(raw: Mapping[str, str], *, region: str | None) -> dict[str, str]:
    """The form's values checked and normalised (empty ones left out); an unknown field
    is refused, as is a form with nothing to correct (``InvalidCorrections``)."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, given in raw.items():
        if key not in FIELDS:
            raise InvalidInput(f"unknown field to correct: {key!r} (one of {', '.join(FIELDS)})")
        text = " ".join((given or "").split()) if key != "email" else (given or "").strip()
        if not text:
            continue
        value, problem = _check(key, text, region)
        if problem:
            errors[key] = problem
        elif value is not None:
            values[key] = value
    if not values and not errors:
        errors[""] = NOTHING
    if errors:
        raise InvalidCorrections(errors)
    return {k: values[k] for k in FIELDS if k in values}


def check_value(kind: str, value: str, *, region: str | None) -> str:
    """One value of the CLI's ``--kind``/``--attribute`` checked like the forms' (an
    e-mail address, a phone number; other kinds for length and control characters)."""
    stored, problem = _check(kind, " ".join(value.split()) if kind != "email" else value.strip(),
                             region)  # fmt: skip
    if problem:
        raise InvalidCorrections({kind: problem})
    assert stored is not None
    return stored


def record_corrections(
    session: Session,
    keyring: Keyring,
    request_id: str,
    corrections: Mapping[str, str],
    *,
    at: datetime,
    actor: str,
) -> None:
    """Store validated corrections on an open rectification request (encrypted under the
    person's key), replacing earlier ones; audited with the field names only."""
    request = get_request(session, request_id)
    if request.type != RequestType.RECTIFICATION.value or request.contact_id is None:
        raise InvalidInput(f"request {request_id} is not a rectification request")
    if request.state not in ("received", "identity_verified"):  # being carried out, or closed
        raise InvalidCorrections({"": BUSY})
    payload = json.dumps(dict(corrections), ensure_ascii=False)
    RightsRepository(session).update_request(
        request_id,
        corrections_ciphertext=keyring.encrypt_for(session, request.contact_id, payload),
    )
    audit(
        session,
        actor=actor,
        action="dsr.corrections_recorded",
        subject_id=request.contact_id,
        object_ids=(request_id,),
        details={"fields": sorted(corrections), "article": "art16"},
        at=at,
    )


def recorded_corrections(session: Session, keyring: Keyring, request_id: str) -> dict[str, str]:
    """The corrections waiting on the request (empty when none, or carried out)."""
    request = get_request(session, request_id)
    if request.corrections_ciphertext is None or request.contact_id is None:
        return {}
    text = keyring.decrypt_text(session, request.contact_id, request.corrections_ciphertext)
    return {str(k): str(v) for k, v in json.loads(text).items()}


def _in_sphere(
    session: Session, keyring: Keyring, contact_id: str, c: Correction, *, at: datetime, actor: str
) -> tuple[str, int]:
    """Correct Sphere's own copy; (the key the systems get, how many were changed here)."""
    if c.attribute_id is not None:
        key = attribute_name(session, keyring, contact_id, c.attribute_id)
        rectify_attribute(session, keyring, contact_id, c.attribute_id, c.new, at=at, actor=actor)
        return key, 1
    kinds = {k.value: k for k in IdentityKind}
    if c.field in kinds:
        kind = kinds[c.field]
        old = c.old
        if old is None:
            held = [
                i.value
                for i in ContactRepository(session, keyring).identities(contact_id)
                if i.kind is kind and i.value
            ]
            if len(held) > 1:
                raise InvalidInput(
                    f"several {kind.value} identities are on file for this person: correct "
                    f"the wrong one with `sphere dsr rectify --kind {kind.value} --old …`"
                )
            if not held:  # Sphere holds none: only the connected systems are corrected
                return c.field, 0
            old = held[0]
        rectify_identity(session, keyring, contact_id, kind, old, c.new, at=at, actor=actor,
                         channel=c.channel)  # fmt: skip
        return c.field, 1
    attributes = AttributeRepository(session, keyring)
    mine = [
        a.id
        for a in attributes.list_for_contact(contact_id)
        if a.name == c.field and a.kind is not AttributeKind.DERIVED
    ]
    for attribute_id in mine:
        rectify_attribute(session, keyring, contact_id, attribute_id, c.new, at=at, actor=actor)
    return c.field, len(mine)


@dataclass(frozen=True, slots=True)
class Rectified:
    """What a rectification did: how many values Sphere itself held and corrected, the
    keys carried to the systems, and the request's per-system tasks."""

    in_sphere: int
    fields: tuple[str, ...]
    tasks: tuple[str, ...]  # systems given a task

    def counts(self) -> dict[str, int]:
        return {"rectified": self.in_sphere, "fields": len(self.fields)}


def rectify_everywhere(
    session: Session,
    keyring: Keyring,
    systems: ConnectedSystems | None,
    request_id: str,
    corrections: Sequence[Correction],
    *,
    at: datetime,
    actor: str,
) -> Rectified:
    """Correct Sphere, then carry ``{field: new value}`` to every connected system (see
    the module docstring). The request (verified, of type rectification) is completed
    by the caller (``complete_unless_open``) once Sphere's part is done."""
    if not corrections:
        raise InvalidCorrections({"": NOTHING})
    request = get_request(session, request_id)
    contact_id = request.contact_id
    if contact_id is None:
        raise InvalidInput(f"request {request_id} has no subject any more")
    before = subject_identifiers(session, keyring, contact_id)  # what the systems hold
    changes: dict[str, str] = {}
    changed = 0
    for c in corrections:
        key, n = _in_sphere(session, keyring, contact_id, c, at=at, actor=actor)
        changes[key] = c.new
        changed += n
    if request.corrections_ciphertext is not None:  # now only the tasks hold the values
        RightsRepository(session).update_request(request_id, corrections_ciphertext=None)
    tasks = carry_everywhere(session, keyring, systems, request_id, before, RECTIFICATION,
                             changes=changes, at=at, actor=actor)  # fmt: skip
    return Rectified(changed, tuple(changes), tuple(t.system for t in tasks))


def as_corrections(values: Mapping[str, str]) -> list[Correction]:
    """Validated form values (``validate_corrections``) as corrections."""
    return [Correction(k, v) for k, v in values.items()]
