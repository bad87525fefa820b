"""Access (Art. 15) across the connected systems, and the erasure's dry run: both only
read. A system that cannot be reached is listed as such with its reason (the export says
what it could not include, instead of silently leaving it out)."""

from __future__ import annotations

from typing import Any

from sphere.domain.systems import SubjectIdentifiers
from sphere.errors import SphereError
from sphere.rights.systems.base import ConnectedSystems


def access_sections(
    systems: ConnectedSystems, identifiers: SubjectIdentifiers
) -> list[dict[str, Any]]:
    """One section per system for the access export (Art. 15(1), (3))."""
    sections: list[dict[str, Any]] = []
    for name in systems.names():
        try:
            rows = systems.access(name, identifiers)
        except SphereError as exc:
            sections.append({"system": name, "status": "unavailable", "reason": str(exc)})
            continue
        sections.append({"status": "ok", **rows.to_dict()})
    return sections


def dry_run(systems: ConnectedSystems, identifiers: SubjectIdentifiers) -> list[dict[str, Any]]:
    """What an erasure would change in each system; nothing is changed anywhere."""
    result: list[dict[str, Any]] = []
    for name in systems.names():
        try:
            result.append(
                {"status": "ok", **systems.erase(name, identifiers, dry_run=True).to_dict()}
            )
        except SphereError as exc:
            result.append({"system": name, "status": "unavailable", "reason": str(exc)})
    return result
