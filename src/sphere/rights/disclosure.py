"""Recipients and transfers as the access report states them (Art. 15(1)(c), 15(2)), from
the recipients register (``governance.recipients``), and the recipients told of the
person's rectification, erasure or restriction (Art. 19 sentence 2, ``rights.art19``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from sphere.i18n import N_
from sphere.storage.repositories.recipients import Recipient, RecipientRepository

OWN_STAFF = N_("the controller's own staff for the stated purpose")
NO_DISCLOSURE = N_(
    "the controller's own staff for the stated purpose; no disclosure to third parties"
)
WORDS = (OWN_STAFF, NO_DISCLOSURE)  # recipient words the summary translates
# Art. 15(2): the safeguards of a transfer (the code stays in data.json; words in the summary).
SAFEGUARD_WORDS = {
    "adequacy": N_("adequacy decision of the European Commission (Art. 45 GDPR)"),
    "dpf": N_("EU-US Data Privacy Framework, adequacy decision (Art. 45 GDPR)"),
    "scc": N_("standard contractual clauses of the European Commission (Art. 46(2)(c) GDPR)"),
    "bcr": N_("binding corporate rules (Art. 47 GDPR)"),
    "derogation": N_("derogation for specific situations (Art. 49 GDPR)"),
}
ACTION_WORDS = {"rectification": N_("rectification"), "erasure": N_("erasure"),
                "restriction": N_("restriction of processing")}  # fmt: skip


class Disclosure:
    """The register read once per report; ``recipients(purpose)`` per datum."""

    def __init__(self, session: Session) -> None:
        self.registered: Sequence[Recipient] = RecipientRepository(session).list(active_only=True)

    def recipients(self, purposes: Iterable[str | None] = (), category: str | None = None
                   ) -> list[str]:  # fmt: skip
        wanted = {p for p in purposes if p}
        found = [
            r
            for r in self.registered
            if r.role != "authority"
            and (wanted & set(r.purposes) or (category and category in r.data_categories))
        ]
        if not found:
            return [NO_DISCLOSURE]
        return [OWN_STAFF, *(f"{r.name} ({r.role}, {r.country})" for r in found)]

    def transfers(self, purposes: Iterable[str]) -> list[dict[str, Any]]:
        """Art. 15(2): every transfer outside the EU/EEA for a purpose the data are held for."""
        wanted = set(purposes)
        return [
            {"recipient": r.name, "country": r.country, "safeguard": r.transfer_mechanism,
             "scc_module": r.scc_module}
            for r in self.registered
            if r.transfer_mechanism and wanted & set(r.purposes)
        ]  # fmt: skip


def recipients_told(session: Session, contact_id: str) -> list[dict[str, Any]]:
    """Art. 19 sentence 2: who was told of which of the person's requests, and when."""
    return [
        {"recipient": n.recipient_name, "action": n.action, "request_id": n.request_id,
         "notified_at": n.notified_at.isoformat()}
        for n in RecipientRepository(session).notifications(contact_id=contact_id)
    ]  # fmt: skip
