"""The consent ledger service: record, withdraw and read consents, in the caller's
transaction, each with an audit entry.

Withdrawal takes effect at once (GDPR Art. 7(3)): every derived datum that relied on the
withdrawn consent — and everything derived from those in turn — is deleted through its
provenance, and the audit entry lists what was removed (ids and counts only). The
registered observers (``consent.events``: the connected systems) are told.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.consent.events import GIVEN, WITHDRAWN, ConsentChange, announce
from sphere.consent.state import ConsentStatus, current_state, current_states
from sphere.domain import ConsentState, LegalBasis, Purpose
from sphere.domain.consent import ConsentRecord, DataUse
from sphere.errors import ConsentError
from sphere.storage.crypto import Keyring
from sphere.storage.entities import SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.consents import ConsentRepository


class UnknownPurpose(ConsentError):
    def __init__(self, purpose: str, known: list[str]) -> None:
        self.purpose = purpose
        super().__init__(
            f"the policy does not declare purpose {purpose!r}; known: {', '.join(known)}"
        )


def grant(
    session: Session,
    contact_id: str,
    purpose: Purpose,
    *,
    channel: str,
    at: datetime,
    actor: str,
    explicit: bool = False,
    notice_hash: str | None = None,
    evidence: Mapping[str, Any] | None = None,
    expires_at: datetime | None = None,
    sources: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
    guardian: bool = False,
) -> ConsentRecord:
    """Append a consent. ``sources``/``categories`` narrow what it covers (Art. 4(11));
    None: what the notice shown describes for the purpose, from any source. ``guardian``:
    given or authorised by a holder of parental responsibility (Art. 8(1)) — what lets a
    minor's data be used for profiling, enrichment or marketing."""
    entry = ConsentRepository(session).append(
        contact_id,
        purpose,
        action="given",
        channel=channel,
        explicit=explicit,
        notice_hash=notice_hash,
        evidence=evidence,
        expires_at=expires_at,
        at=at,
        sources=sources,
        categories=categories,
        guardian=guardian,
    )
    audit(
        session,
        actor=actor,
        action="consent.given",
        subject_id=contact_id,
        object_ids=(entry.id,),
        purpose=purpose,
        legal_basis=LegalBasis.EXPLICIT_CONSENT if explicit else LegalBasis.CONSENT,
        details={
            "channel": channel,
            "explicit": explicit,
            "sources": "+".join(entry.sources) if entry.sources else "any",
            "categories": "+".join(entry.categories) if entry.categories else "any",
            "guardian": guardian,
        },
        at=at,
    )
    announce(session, ConsentChange(entry.id, contact_id, GIVEN, (purpose.value,), at, actor))
    return entry


def withdraw(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    purpose: Purpose,
    *,
    channel: str,
    at: datetime,
    actor: str,
) -> tuple[ConsentRecord, list[str]]:
    """Append a withdrawal and delete every datum that relied on consent for ``purpose``.

    Returns the ledger record and the ids of the removed attributes.
    """
    ledger = ConsentRepository(session)
    relied_on = [
        r.id for r in ledger.for_contact(contact_id) if r.purpose is purpose and r.action == "given"
    ]
    entry = ledger.append(contact_id, purpose, action="withdrawn", channel=channel, at=at)
    attributes = AttributeRepository(session, keyring)
    direct = [a.id for a in attributes.list_for_contact(contact_id) if a.consent_id in relied_on]
    roots = [SourceRef(SourceType.CONSENT, rid) for rid in relied_on]
    roots += [SourceRef(SourceType.ATTRIBUTE, aid) for aid in direct]
    removed = list(dict.fromkeys([*direct, *attributes.dependents_of(roots)]))
    attributes.delete(removed)
    audit(
        session,
        actor=actor,
        action="consent.withdrawn",
        subject_id=contact_id,
        object_ids=(entry.id, *removed),
        purpose=purpose,
        legal_basis=LegalBasis.CONSENT,
        details={"channel": channel, "derived_removed": len(removed)},
        at=at,
    )
    announce(session, ConsentChange(entry.id, contact_id, WITHDRAWN, (purpose.value,), at, actor))
    return entry, removed


def states(session: Session, contact_id: str, *, now: datetime) -> dict[Purpose, ConsentStatus]:
    return current_states(ConsentRepository(session).for_contact(contact_id), now=now)


def state_for(
    session: Session,
    contact_id: str,
    purpose: Purpose,
    *,
    now: datetime,
    uses: Iterable[DataUse] = (),
) -> ConsentStatus:
    """The consent for ``purpose`` that covers every one of ``uses`` (Art. 4(11))."""
    return current_state(
        ConsentRepository(session).for_contact(contact_id), purpose, now=now, uses=uses
    )


def state_pairs(
    session: Session, contact_id: str, *, now: datetime
) -> tuple[tuple[Purpose, ConsentState], ...]:
    return tuple((p, s.state) for p, s in states(session, contact_id, now=now).items())


def state_pairs_many(
    session: Session, contact_ids: Collection[str], *, now: datetime
) -> dict[str, tuple[tuple[Purpose, ConsentState], ...]]:
    """:func:`state_pairs` for many contacts with one read of the ledger (the pipeline
    asks for every linked author of a batch at once)."""
    ledgers = ConsentRepository(session).for_contacts(contact_ids)
    return {
        contact_id: tuple((p, s.state) for p, s in current_states(records, now=now).items())
        for contact_id, records in ledgers.items()
    }
