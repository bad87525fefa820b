"""Stored policy versions and what changed between them (``sphere.policy.diff_policies``).

The first stored version is compared with the shipped default, each later one with the
version stored before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.errors import NotFound
from sphere.governance.policy_versions import list_versions
from sphere.policy import Policy, PolicyDiff, default_policy, diff_policies, load_policy_text
from sphere.storage.entities import PolicyVersion


@dataclass(frozen=True, slots=True)
class VersionEntry:
    id: str
    version: str
    sha256: str
    applied_at: datetime
    applied_by: str
    is_active: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "sha256": self.sha256,
            "applied_at": self.applied_at.isoformat(),
            "applied_by": self.applied_by,
            "is_active": self.is_active,
        }


def _entry(v: PolicyVersion) -> VersionEntry:
    return VersionEntry(v.id, v.version, v.sha256, v.applied_at, v.applied_by, v.is_active)


def policy_versions(session: Session) -> list[VersionEntry]:
    """Stored versions, newest first."""
    return [_entry(v) for v in reversed(list_versions(session))]


def _load(version: PolicyVersion) -> Policy:
    return load_policy_text(version.text, source=f"policy version {version.version}", strict=False)


def version_diff(session: Session, version_id: str) -> tuple[VersionEntry, PolicyDiff]:
    """A stored version and its diff against the one before it (or the shipped default)."""
    versions = list_versions(session)
    for index, version in enumerate(versions):
        if version.id == version_id:
            previous = _load(versions[index - 1]) if index else default_policy()
            return _entry(version), diff_policies(previous, _load(version))
    raise NotFound(f"policy version {version_id} not found")
