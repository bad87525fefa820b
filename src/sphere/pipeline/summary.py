"""What one ingestion run did, per addressing class and disposition."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sphere.pipeline.gate import Disposition

MAX_NOTES = 1_000


@dataclass
class QuarantineNote:
    file: str
    line: int
    reason: str


@dataclass
class IngestSummary:
    source: str
    files: list[str] = field(default_factory=list)
    by_class: Counter[tuple[str, str]] = field(default_factory=Counter)  # (addressing, disposition)
    duplicates: int = 0  # already stored: re-ingesting adds nothing
    company_posts: int = 0  # written by the company's own accounts: nothing stored
    deletions: int = 0  # platform deletions applied
    edits: int = 0
    reid_dropped: int = 0  # permitted to store, but too identifying: only counted
    contacts_imported: int = 0
    events: int = 0
    resumed_from_line: int = 0
    quarantine: list[QuarantineNote] = field(default_factory=list)  # the first MAX_NOTES
    quarantine_total: int = 0
    notes: Counter[str] = field(default_factory=Counter)  # non-fatal findings, no PII
    seconds: float = 0.0

    def checkpoint(self) -> tuple[Counter[tuple[str, str]], tuple[int, ...], int]:
        """A snapshot to roll the counts back to when a batch is retried."""
        scalars = (
            self.duplicates,
            self.company_posts,
            self.deletions,
            self.edits,
            self.contacts_imported,
            self.events,
            self.reid_dropped,
        )
        return Counter(self.by_class), scalars, self.quarantine_total

    def restore(self, snapshot: tuple[Counter[tuple[str, str]], tuple[int, ...], int]) -> None:
        by_class, scalars, quarantined = snapshot
        self.by_class = Counter(by_class)
        (
            self.duplicates,
            self.company_posts,
            self.deletions,
            self.edits,
            self.contacts_imported,
            self.events,
            self.reid_dropped,
        ) = scalars
        self.quarantine_total = quarantined
        del self.quarantine[quarantined:]

    def note(self, finding: str) -> None:
        self.notes[finding] += 1

    def count(self, addressing: str, disposition: Disposition) -> None:
        self.by_class[(addressing, disposition.value)] += 1

    def quarantined(self, file: str, line: int, reason: str) -> None:
        # Only the first notes are kept (a summary must not grow with a bad 1 GB file);
        # every quarantined record is in the quarantine table and counted here.
        if len(self.quarantine) < MAX_NOTES:
            self.quarantine.append(QuarantineNote(file, line, reason))
        self.quarantine_total += 1
        self.by_class[("-", Disposition.QUARANTINED.value)] += 1

    def total(self, disposition: Disposition | None = None) -> int:
        return sum(
            n
            for (_, d), n in self.by_class.items()
            if disposition is None or d == disposition.value
        )

    def to_dict(self) -> dict[str, Any]:
        table: dict[str, dict[str, int]] = {}
        for (addressing, disposition), n in sorted(self.by_class.items()):
            table.setdefault(addressing, {})[disposition] = n
        return {
            "source": self.source,
            "files": self.files,
            "by_addressing": table,
            "totals": {d.value: self.total(d) for d in Disposition},
            "duplicates": self.duplicates,
            "company_posts": self.company_posts,
            "deletions": self.deletions,
            "edits": self.edits,
            "contacts_imported": self.contacts_imported,
            "events": self.events,
            "reid_dropped": self.reid_dropped,
            "resumed_from_line": self.resumed_from_line,
            "quarantine": [vars(q) for q in self.quarantine[:100]],
            "quarantine_total": self.quarantine_total,
            "notes": dict(self.notes),
            "seconds": round(self.seconds, 3),
        }
