"""A connected system without an API (``kind: manual``): who owns it, what they must do
per operation, and within how many days. Pure values; the definition is read by
``connectors.loader``, the owner's task is ``rights.systems.manual``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ManualSystem:
    system: str  # slug
    name: str  # readable name ("Paper files, accounting")
    owner: str  # the owner's e-mail address
    due_days: int  # the owner has this many days from the e-mail
    instructions: tuple[tuple[str, str], ...]  # (operation, what to do) e.g. ("erasure", …)
    language: str = "de"  # the owner's e-mail and page

    def instruction(self, operation: str) -> str | None:
        return dict(self.instructions).get(operation)

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(op for op, _ in self.instructions)
