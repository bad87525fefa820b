"""CRM contact import (CSV or JSONL). Schema: ``docs/channels.md#crm``.

Columns (German export headers in brackets are accepted as aliases):
``customer_number`` [Kundennummer] required; ``email`` [E-Mail]; ``phone`` [Telefon];
``first_name`` [Vorname]; ``last_name`` [Nachname]; ``language`` [Sprache];
``consent_email`` [Einwilligung_Email], ``consent_phone`` [Einwilligung_Telefon],
``consent_newsletter`` [Einwilligung_Newsletter] — booleans (true/false, ja/nein, 1/0);
``updated_at`` [Geaendert_am] required, ISO 8601 with zone; ``is_employee`` [Mitarbeiter]
boolean; ``birth_date`` [Geburtsdatum, date_of_birth, dob] ``YYYY-MM-DD`` or
``DD.MM.YYYY`` — used only to tell whether the person is a minor (GDPR Art. 8), never
stored. Social accounts the customer gave us, per channel: ``x_username``, ``x_user_id``,
``mastodon_acct``, ``mastodon_account_id``, ``bluesky_handle``, ``bluesky_did``,
``facebook_user_id``, ``forum_user_id`` — they become channel-scoped handle identities in
``attributes["handles"]`` (channel value → account names/ids), the only way a post is
later linked to this contact.

The contact's identifiers go to ``attributes["identities"]`` keyed by
:class:`IdentityKind` value, consent flags to ``attributes["consents"]`` (purpose-like key →
bool, or None when the column is empty: unknown is not "no"), the name to
``attributes["name"]``. Data the person provided (GDPR Art. 15: PROVIDED).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from sphere.domain import AttributeKind, Channel, IdentityKind, Observation, ObservationKind
from sphere.domain.facts import Visibility

from .adapter import Fields

ALIASES = {
    "kundennummer": "customer_number",
    "e-mail": "email",
    "email-adresse": "email",
    "telefon": "phone",
    "vorname": "first_name",
    "nachname": "last_name",
    "sprache": "language",
    "einwilligung_email": "consent_email",
    "einwilligung_telefon": "consent_phone",
    "einwilligung_newsletter": "consent_newsletter",
    "geaendert_am": "updated_at",
    "geändert_am": "updated_at",
    "mitarbeiter": "is_employee",
    "geburtsdatum": "birth_date",
    "date_of_birth": "birth_date",
    "dob": "birth_date",
}
HANDLE_COLUMNS: dict[str, Channel] = {
    "x_username": Channel.X,
    "x_user_id": Channel.X,
    "mastodon_acct": Channel.MASTODON,
    "mastodon_account_id": Channel.MASTODON,
    "bluesky_handle": Channel.BLUESKY,
    "bluesky_did": Channel.BLUESKY,
    "facebook_user_id": Channel.FACEBOOK,
    "forum_user_id": Channel.FORUM,
}
CONSENT_COLUMNS = ("consent_email", "consent_phone", "consent_newsletter")
_BIRTH_DATE = re.compile(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4})$")


def _birth_date(row: Fields) -> str | None:
    value = row.opt("birth_date", max_len=20)
    if value and not _BIRTH_DATE.match(value.strip()):
        raise row.bad("birth_date", "not a date (YYYY-MM-DD or DD.MM.YYYY)")
    return value.strip() if value else None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()/.-]{5,30}$")


def canonical_columns(record: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = str(key).strip().lower()
        out[ALIASES.get(name, name)] = value
    return out


class CrmAdapter:
    NAME: ClassVar[str] = "crm"
    CHANNEL: ClassVar[Channel] = Channel.CRM

    def parse(self, record: Mapping[str, Any], *, ref: str) -> list[Observation]:
        row = Fields(canonical_columns(record), adapter=self.NAME)
        number = row.req("customer_number", max_len=64)
        identities: dict[str, str] = {IdentityKind.CUSTOMER_NUMBER.value: number}
        email = row.opt("email", max_len=254)
        if email:
            if not _EMAIL.match(email):
                raise row.bad("email", "not an e-mail address")
            identities[IdentityKind.EMAIL.value] = email.lower()
        phone = row.opt("phone", max_len=40)
        if phone:
            if not _PHONE.match(phone):
                raise row.bad("phone", "not a phone number")
            identities[IdentityKind.PHONE.value] = re.sub(r"[ ()/.-]", "", phone)
        consents = {column.removeprefix("consent_"): row.flag(column) for column in CONSENT_COLUMNS}
        name = {k: v for k in ("first_name", "last_name") if (v := row.text(k))}
        handles: dict[str, list[str]] = {}
        for column, channel in HANDLE_COLUMNS.items():
            account = row.opt(column, max_len=200)
            if account:
                handles.setdefault(channel.value, []).append(account.lstrip("@"))
        return [
            Observation(
                channel=self.CHANNEL,
                kind=ObservationKind.CONTACT,
                source_id=number,
                created_at=row.req_when("updated_at"),
                visibility=Visibility.RESTRICTED,
                language=row.opt("language"),
                attributes={
                    "identities": identities,
                    "name": name,
                    "consents": consents,
                    "handles": handles,
                    "is_employee": bool(row.flag("is_employee")),
                    "birth_date": _birth_date(row),
                    "attribute_kind": AttributeKind.PROVIDED.value,
                },
                raw_ref=ref,
            )
        ]
