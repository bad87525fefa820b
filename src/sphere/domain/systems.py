"""Values that cross between Sphere's rights services and the connected systems.

A connected system (the shop database, the CRM) is reached through a connector
(``sphere.connectors``); the rights services see it only through these values and the
``ConnectedSystems`` protocol in ``sphere.rights.systems``. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The identity kinds a connector definition may name as an identity column.
IDENTITY_KINDS = ("email", "phone", "customer_number", "handle")

# What a connected system may be asked to do (``ConnectedSystems.supports``).
ACCESS = "access"  # Art. 15, Art. 20: the person's rows
ERASURE = "erasure"  # Art. 17
RECTIFICATION = "rectification"  # Art. 16: ``rectify`` with changes by category/identity
RESTRICTION = "restriction"  # Art. 18: ``restrict`` sets or lifts the system's flag
PREFERENCE = "preference"  # Art. 7(3), Art. 21: consent given/withdrawn, objection
OPERATIONS = (ACCESS, ERASURE, RECTIFICATION, RESTRICTION, PREFERENCE)

# The states ``preference`` carries to a system for one purpose. ``objected`` (Art. 21)
# falls back to what the system declares for ``withdrawn`` when it declares nothing else.
PREFERENCE_STATES = ("given", "withdrawn", "objected")


@dataclass(frozen=True, slots=True)
class SubjectIdentifiers:
    """What identifies one person in other systems: (kind, value) pairs, kinds from
    ``IDENTITY_KINDS``. Never logged, never put in an error message or audit entry."""

    values: tuple[tuple[str, str], ...]

    def of(self, kind: str) -> tuple[str, ...]:
        return tuple(value for k, value in self.values if k == kind)

    @property
    def is_empty(self) -> bool:
        return not self.values

    def __repr__(self) -> str:  # no identifier in a traceback or a log line
        return f"SubjectIdentifiers({len(self.values)} values)"


@dataclass(frozen=True, slots=True)
class TableChange:
    """What an erasure did (or, in a dry run, would do) to one table of one system."""

    table: str
    matched: int
    deleted: int = 0
    updated: int = 0
    fields: dict[str, str] = field(default_factory=dict)  # field -> action applied
    kept: dict[str, str] = field(default_factory=dict)  # field -> reason it is kept

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "matched": self.matched,
            "deleted": self.deleted,
            "updated": self.updated,
            "fields": dict(self.fields),
            "kept": dict(self.kept),
        }


@dataclass(frozen=True, slots=True)
class SystemChange:
    """The outcome of an operation in one system (``operation``: erasure,
    rectification, restriction, preference); ``dry_run`` = nothing was changed.

    ``unsupported`` is set (the reason, e.g. "declares no restriction flag") when the
    system cannot do the operation at all: nothing was tried, it is no failure to retry.
    ``skipped`` names what was asked but not done, with the reason (a rectified key no
    field of the system holds)."""

    system: str
    tables: tuple[TableChange, ...]
    dry_run: bool = False
    operation: str = ERASURE
    unsupported: str | None = None
    skipped: dict[str, str] = field(default_factory=dict)

    @classmethod
    def not_supported(
        cls, system: str, operation: str, reason: str, *, dry_run: bool = False
    ) -> SystemChange:
        return cls(system, (), dry_run=dry_run, operation=operation, unsupported=reason)

    @property
    def supported(self) -> bool:
        return self.unsupported is None

    @property
    def matched(self) -> int:
        return sum(t.matched for t in self.tables)

    @property
    def no_match(self) -> bool:
        return self.matched == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "dry_run": self.dry_run,
            "matched": self.matched,
            "no_match": self.no_match,
            "tables": [t.to_dict() for t in self.tables],
            "operation": self.operation,
            "unsupported": (
                None
                if self.unsupported is None
                else f"not supported by this system: {self.unsupported}"
            ),
            "skipped": dict(self.skipped),
        }


@dataclass(frozen=True, slots=True)
class SystemRows:
    """The person's rows in one system, for the access export (Art. 15): per table a
    list of ``{field: value}`` with values made JSON-safe, and each field's category."""

    system: str
    name: str
    tables: dict[str, list[dict[str, Any]]]
    categories: dict[str, dict[str, str]]  # table -> field -> data category

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "name": self.name,
            "tables": {t: list(rows) for t, rows in self.tables.items()},
            "categories": {t: dict(c) for t, c in self.categories.items()},
        }


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempts before a task is dead-lettered, and the back-off between them
    (``backoff_seconds`` doubled after each failure, at most ``max_backoff_seconds``)."""

    max_attempts: int = 5
    backoff_seconds: int = 300
    max_backoff_seconds: int = 86400

    def delay_after(self, attempts: int) -> int:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.max_backoff_seconds)


@dataclass(frozen=True, slots=True)
class SystemHealth:
    """Whether a connected system answers and its dataset map fits its live schema."""

    system: str
    name: str
    dialect: str
    status: str  # ok | unavailable | schema_error
    latency_ms: int | None
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "name": self.name,
            "dialect": self.dialect,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class SyncRefusal:
    """A record the CRM sync target refused (a value its table rejects: too long, a
    constraint, a type): Sphere's record id, the column and constraint where the target
    names them, and the target's message with every value of the record taken out - it
    is shown to the DPO and kept with the outbox entry, never personal data."""

    record_id: str
    reason: str
    column: str | None = None
    constraint: str | None = None
