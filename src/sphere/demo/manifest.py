"""What a generated scenario contains: the manifest the demo loader and the tests read.

Written next to the payload files as ``manifest.json``. Paths in the JSON are relative
to the scenario directory; consent seeds reference contacts by customer number only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class ConsentSeed:
    """One consent-ledger event to seed: ``state`` is a ``sphere.domain.ConsentState``
    value (given, explicit, withdrawn), ``purpose`` a ``sphere.domain.Purpose`` value,
    ``recorded_at`` ISO 8601 UTC with ``Z``, ``channel`` where it was collected."""

    customer_number: str
    purpose: str
    state: str
    recorded_at: str
    channel: str
    notice_version: str


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One payload file. ``records`` counts the well-formed items the adapter should
    yield (posts, comments, edits, deletions, events, contacts); ``malformed`` counts the
    deliberately broken lines/rows by kind, each of which must end in the quarantine."""

    path: str  # relative to the scenario directory
    adapter: str  # name in sphere.channels' registry
    format: str  # jsonl | csv
    records: int
    lines: int
    posts: int = 0
    edits: int = 0
    deletes: int = 0
    hostile: int = 0
    linked_records: int = 0  # by an author/visitor the CRM knows
    malformed: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)

    @property
    def expected_quarantine(self) -> int:
        return sum(self.malformed.values())


@dataclass(frozen=True, slots=True)
class ScenarioManifest:
    seed: int
    size: dict[str, int]
    period: dict[str, str]
    company: dict[str, Any]
    staff: list[dict[str, str]]
    files: list[FileEntry]
    contacts: dict[str, Any]
    consents: list[ConsentSeed]
    counts: dict[str, Any]
    templates: dict[str, int]

    def file(self, adapter: str) -> FileEntry:
        for entry in self.files:
            if entry.adapter == adapter:
                return entry
        raise KeyError(adapter)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for entry, raw in zip(self.files, data["files"], strict=True):
            raw["expected_quarantine"] = entry.expected_quarantine
        return data

    def write(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
