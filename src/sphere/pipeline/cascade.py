"""Remove a stored record and everything derived from it (invariant 2), with an audit
entry that names what went (ids and counts only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import AuditBatch
from sphere.audit import record as audit
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Interaction, SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.interactions import InteractionRepository


def delete_interaction(
    session: Session,
    keyring: Keyring,
    interaction: Interaction,
    *,
    actor: str,
    reason_code: str,
    at: datetime,
    audit_batch: AuditBatch | None = None,
) -> list[str]:
    """Delete ``interaction`` and every attribute derived from it; returns their ids.

    ``reason_code`` is a token such as ``platform_deletion`` (audit details hold no prose).
    With ``audit_batch`` (the pipeline's) the audit entry joins the batch's pending
    entries, in order, instead of being appended at once.
    """
    attributes = AttributeRepository(session, keyring)
    derived = attributes.dependents_of([SourceRef(SourceType.INTERACTION, interaction.id)])
    attributes.delete(derived)
    InteractionRepository(session, keyring).delete_by_source(
        interaction.channel, interaction.source_id
    )
    subject_id = interaction.contact_id or interaction.key_id
    object_ids = (interaction.id, *derived)
    details = {"reason": reason_code, "derived_removed": len(derived)}
    if audit_batch is not None:
        audit_batch.add(
            actor=actor,
            action="interaction.deleted",
            subject_id=subject_id,
            object_ids=object_ids,
            details=details,
            at=at,
        )
    else:
        audit(
            session,
            actor=actor,
            action="interaction.deleted",
            subject_id=subject_id,
            object_ids=object_ids,
            details=details,
            at=at,
        )
    return derived
