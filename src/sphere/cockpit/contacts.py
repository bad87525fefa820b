"""Staff find a contact by what the customer tells them, then open the timeline.

A service agent on the phone or answering a post knows an e-mail address, a phone
number, a customer number or a handle (``mastodon:lena_fotografie``). The lookup goes
through the keyed blind indexes only (``rights.subject.find_contacts``): no list of
contacts, no partial matches, no browsing. A hit shows what kinds of identities are on
file and the contact's restrictions — never the values — and links to the timeline,
which shows each role only what its purpose allows.

Every lookup is audited (who, role, how many matches, which contacts; never the query),
so the DPO can review staff access to customer records (GDPR Art. 32(4), Art. 5(2)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.accounts import Role
from sphere.audit import record as audit
from sphere.errors import InvalidInput
from sphere.rights.subject import find_contacts
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.contacts import ContactRepository

MAX_QUERY_CHARS = 200


@dataclass(frozen=True, slots=True)
class ContactHit:
    contact_id: str
    since: datetime
    on_file: tuple[str, ...]  # identity kinds and channels, e.g. "email", "mastodon handle"
    restricted: bool  # Art. 18: only supervision roles see its records
    objected: bool  # Art. 21: no marketing or profiling

    def to_dict(self) -> dict[str, object]:
        return {
            "contact_id": self.contact_id,
            "since": self.since.isoformat(),
            "on_file": list(self.on_file),
            "restricted": self.restricted,
            "objected": self.objected,
            "timeline": f"/cockpit/contacts/{self.contact_id}/timeline",
        }


def find_for_staff(
    session: Session,
    keyring: Keyring,
    query: str,
    *,
    role: Role,
    actor: str,
    at: datetime,
    region: str | None = None,
) -> list[ContactHit]:
    """Living contacts matching ``query`` exactly (0, 1 or — for a bare handle used on
    several networks — more), audited. E-mail addresses match in any case, handles with
    or without ``@``, phone numbers however they are written (``region`` reads one
    without a country code, e.g. ``DE`` for ``0911-953-63863``)."""
    value = query.strip()
    if not value:
        raise InvalidInput("type an e-mail address, phone number, customer number or handle")
    if len(value) > MAX_QUERY_CHARS:
        raise InvalidInput(f"the search text is longer than {MAX_QUERY_CHARS} characters")
    contacts = ContactRepository(session, keyring)
    hits = []
    for contact in find_contacts(session, keyring, value, region=region):
        if contact.erased_at is not None:
            continue
        kinds = sorted(
            {
                f"{i.channel} {i.kind.value}" if i.channel else i.kind.value
                for i in contacts.identities(contact.id)
            }
        )
        hits.append(
            ContactHit(
                contact_id=contact.id,
                since=contact.created_at,
                on_file=tuple(k.replace("_", " ") for k in kinds),
                restricted=contact.restricted,
                objected=contact.objected_marketing or contact.objected_profiling,
            )
        )
    audit(
        session,
        actor=actor,
        action="staff.contact_lookup",
        object_ids=tuple(h.contact_id for h in hits),
        details={"role": role.value, "matches": len(hits)},
        at=at,
    )
    return hits
