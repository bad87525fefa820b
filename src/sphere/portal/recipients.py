"""Who receives the person's data, and transfers outside the EU/EEA with their safeguard
(Art. 13(1)(e)-(f), 14(1)(e)-(f), 15(1)(c), 15(2)), from the recipients register for the
purposes the person's data are held for; and the recipients told of the person's
rectification, erasure or restriction (Art. 19 sentence 2). In the reader's language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.i18n import N_, Translator
from sphere.i18n.glossary import term
from sphere.rights.disclosure import ACTION_WORDS, SAFEGUARD_WORDS
from sphere.storage.repositories.recipients import RecipientRepository

ROLE_WORDS = {"processor": N_("processes data on our behalf (processor)"),
              "sub_processor": N_("engaged by one of our processors (sub-processor)"),
              "controller": N_("receives data as a controller of its own"),
              "authority": N_("public authority")}  # fmt: skip


def who_receives(session: Session, purposes: Iterable[str], tr: Translator) -> list[dict[str, Any]]:
    """The current recipients registered for one of ``purposes``; for contact details
    the person gave (``provided``) those that receive contact data."""
    wanted = set(purposes)
    contact = "provided" in wanted
    return [
        {"name": r.name, "role": tr.gettext(ROLE_WORDS.get(r.role, r.role)),
         "country": r.country,
         "purposes": ", ".join(term(tr, "purpose", p) for p in r.purposes
                               if p in wanted or contact),
         "safeguard": tr.gettext(SAFEGUARD_WORDS[r.transfer_mechanism])
         if r.transfer_mechanism else ""}
        for r in RecipientRepository(session).list(active_only=True)
        if (wanted & set(r.purposes) or (contact and "contact_data" in r.data_categories))
        and r.role != "authority"
    ]  # fmt: skip


def told_of_requests(
    session: Session, contact_id: str, tr: Translator
) -> dict[str, list[Mapping[str, Any]]]:
    """Per request id: who was told, of what, when."""
    told: dict[str, list[Mapping[str, Any]]] = {}
    for n in RecipientRepository(session).notifications(contact_id=contact_id):
        told.setdefault(n.request_id, []).append(
            {"name": n.recipient_name, "action": tr.gettext(ACTION_WORDS[n.action]),
             "at": n.notified_at if isinstance(n.notified_at, datetime) else None}
        )  # fmt: skip
    return told
