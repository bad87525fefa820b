"""Stored policy versions: the active policy, applying a new one, listing history.

Applying a policy stores its exact text once (by SHA-256), activates it and writes an
audit entry in the same transaction. Stored data is re-evaluated by the what-if service
(cockpit issue); ingestion reads the active version at the start of every run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.policy import Policy, default_policy, load_policy_text
from sphere.storage.entities import PolicyVersion
from sphere.storage.repositories.policies import PolicyVersionRepository


def active_policy(session: Session) -> Policy:
    """The active stored policy, or the shipped default when none was applied yet."""
    stored = PolicyVersionRepository(session).active()
    if stored is None:
        return default_policy()
    # Applied under the checks of its time: load it even if a later check refuses it
    # (the findings name what to change), so an upgrade never stops the cockpit.
    return load_policy_text(stored.text, source=f"policy version {stored.version}", strict=False)


def apply_policy(session: Session, policy: Policy, *, actor: str, at: datetime) -> PolicyVersion:
    repository = PolicyVersionRepository(session)
    previous = repository.active()
    text = policy.text or ""
    stored = repository.store(text, version=policy.version, applied_by=actor, at=at)
    activated = repository.activate(stored.id)
    audit(
        session,
        actor=actor,
        action="policy.applied",
        object_ids=(activated.id,),
        details={
            "version": policy.version,
            "sha256": activated.sha256,
            "previous": previous.version if previous else None,
            "rules": len(policy.rules),
        },
        at=at,
    )
    return activated


def list_versions(session: Session) -> list[PolicyVersion]:
    return PolicyVersionRepository(session).list()
