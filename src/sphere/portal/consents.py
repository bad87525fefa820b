"""Consents as the person steers them in the portal, and their receipts.

A switch is shown for every purpose the policy bases on consent (Art. 6(1)(a)) and for
any purpose the person has a ledger entry for. Giving consent stores the exact notice
text that was on the screen (``notices`` table, SHA-256) and records its hash with the
consent, so the receipt proves what the person agreed to (Art. 7(1)). Withdrawal goes
through ``sphere.rights.consents`` and deletes every derived datum that relied on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.consent.ledger import states
from sphere.consent.receipt import Controller, consent_receipt
from sphere.domain import LegalBasis, Purpose
from sphere.errors import NotFound
from sphere.i18n import Translator
from sphere.i18n.glossary import article, describe
from sphere.policy import Policy
from sphere.portal.requests import portal_actor
from sphere.rights.consents import grant_consent, withdraw_consent
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.consents import ConsentRepository
from sphere.storage.repositories.contacts import ContactRepository

CHANNEL = "portal"


@dataclass(frozen=True, slots=True)
class ConsentSwitch:
    purpose: Purpose
    description: str
    legal_basis: LegalBasis
    retention_days: int
    is_on: bool
    since: datetime | None
    state: str


def consent_notice(tr: Translator, switch: ConsentSwitch) -> str:
    """The notice shown beside a consent switch, in ``tr``'s language. The page and the
    API both use it, so a consent given through either records the exact text shown."""
    return tr.gettext(
        "By switching this on you agree that we process your data for this purpose: "
        "%(description)s Legal basis: %(article)s. We keep the data for up to %(days)s "
        "days. You may withdraw at any time in this portal.",
        description=describe(tr, switch.purpose, switch.description),
        article=article(tr, switch.legal_basis),
        days=switch.retention_days,
    )


def consent_switches(
    session: Session, policy: Policy, contact_id: str, *, now: datetime
) -> list[ConsentSwitch]:
    current = states(session, contact_id, now=now)
    switches = []
    for purpose, spec in policy.purposes.items():
        status = current.get(purpose)
        if spec.legal_basis is not LegalBasis.CONSENT and status is None:
            continue
        switches.append(
            ConsentSwitch(
                purpose=purpose,
                description=spec.description,
                # a switch is a consent, whatever the purpose's declared basis without one
                legal_basis=LegalBasis.CONSENT,
                retention_days=spec.retention_days,
                is_on=bool(status and status.is_valid),
                since=status.since if status else None,
                state=status.state.value if status else "none",
            )
        )
    return switches


@dataclass(frozen=True, slots=True)
class ObjectionState:
    """What the person objected to (Art. 21); shown back to them in the portal."""

    marketing: bool
    profiling: bool

    @property
    def any(self) -> bool:
        return self.marketing or self.profiling


def own_objection(session: Session, keyring: Keyring, contact_id: str) -> ObjectionState:
    contact = ContactRepository(session, keyring).get(contact_id)
    return ObjectionState(contact.objected_marketing, contact.objected_profiling)


def give_own_consent(
    session: Session,
    policy: Policy,
    contact_id: str,
    purpose: str,
    *,
    notice_text: str,
    lang: str,
    at: datetime,
) -> str:
    """Grant consent for ``purpose`` with the notice shown; returns the ledger id."""
    digest = ConsentRepository(session).store_notice(notice_text, version=policy.version, lang=lang)
    record = grant_consent(
        session,
        policy,
        contact_id,
        purpose,
        channel=CHANNEL,
        at=at,
        actor=portal_actor(contact_id),
        notice_hash=digest,
        evidence={"method": "portal_switch", "lang": lang},
    )
    return record.id


def withdraw_own_consent(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    contact_id: str,
    purpose: str,
    *,
    at: datetime,
) -> int:
    """Withdraw; returns how many derived data were deleted with it."""
    _record, removed = withdraw_consent(
        session,
        keyring,
        policy,
        contact_id,
        purpose,
        channel=CHANNEL,
        at=at,
        actor=portal_actor(contact_id),
    )
    return len(removed)


def own_receipts(
    session: Session, contact_id: str, *, controller: Controller, now: datetime
) -> list[dict[str, Any]]:
    """Every ledger entry of the subject as a DPV JSON-LD consent record, oldest first."""
    return [
        consent_receipt(r, controller=controller, now=now)
        for r in ConsentRepository(session).for_contact(contact_id)
    ]


def own_receipt(
    session: Session, contact_id: str, receipt_id: str, *, controller: Controller, now: datetime
) -> dict[str, Any]:
    """One receipt of the subject; any other id is ``NotFound``."""
    for record in ConsentRepository(session).for_contact(contact_id):
        if record.id == receipt_id:
            return consent_receipt(record, controller=controller, now=now)
    raise NotFound("receipt not found")
