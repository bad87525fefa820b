"""Consent ledger service with the active policy as the vocabulary of purposes.

Wraps ``sphere.consent.ledger``: a consent for a purpose the policy does not declare is
refused (and audited) — a person cannot agree to something the controller never said
it does. Withdrawal deletes dependent derived data (see the ledger) and the records
stored on that consent (``rights.withdrawal``), in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.consent.ledger import grant, withdraw
from sphere.domain import Purpose
from sphere.domain.consent import ConsentRecord
from sphere.policy import Policy
from sphere.rights.refusal import refuse
from sphere.rights.withdrawal import delete_consent_based_records
from sphere.storage.crypto import Keyring


def known_purpose(
    session: Session, policy: Policy, purpose: str, *, at: datetime, actor: str, contact_id: str
) -> Purpose:
    """The purpose if the policy declares it; otherwise ``Refused`` (audited)."""
    declared = {p.value: p for p in policy.purposes}
    if purpose not in declared:
        raise refuse(
            session,
            "unknown_purpose",
            f"the policy does not declare purpose {purpose!r}; "
            f"known: {', '.join(sorted(declared))}",
            actor=actor,
            at=at,
            subject_id=contact_id,
            action="consent.refused",
        )
    return declared[purpose]


def grant_consent(
    session: Session,
    policy: Policy,
    contact_id: str,
    purpose: str,
    *,
    channel: str,
    at: datetime,
    actor: str,
    explicit: bool = False,
    notice_hash: str | None = None,
    evidence: Mapping[str, Any] | None = None,
    expires_at: datetime | None = None,
) -> ConsentRecord:
    checked = known_purpose(session, policy, purpose, at=at, actor=actor, contact_id=contact_id)
    return grant(
        session,
        contact_id,
        checked,
        channel=channel,
        at=at,
        actor=actor,
        explicit=explicit,
        notice_hash=notice_hash,
        evidence=evidence,
        expires_at=expires_at,
    )


def withdraw_consent(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    contact_id: str,
    purpose: str,
    *,
    channel: str,
    at: datetime,
    actor: str,
) -> tuple[ConsentRecord, list[str]]:
    checked = known_purpose(session, policy, purpose, at=at, actor=actor, contact_id=contact_id)
    entry, removed = withdraw(
        session, keyring, contact_id, checked, channel=channel, at=at, actor=actor
    )
    delete_consent_based_records(session, keyring, contact_id, checked, at=at, actor=actor)
    return entry, removed
