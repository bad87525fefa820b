"""The schema's own limits, read from the table definitions so they never drift.

Callers check values against these before the database sees them: a value the column
cannot hold must become a readable refusal naming the field (and the record goes to
quarantine), not a driver error with a traceback that prints SQL parameters.
PostgreSQL enforces ``VARCHAR(n)``; SQLite does not, so without this check the two
backends would disagree about the same input.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Column, String

from sphere.domain import Channel
from sphere.storage.tables import DecisionRow, EventRow, InteractionRow


def column_length(column: Column[object]) -> int | None:
    """The declared length of a string column, or None when it has none."""
    return column.type.length if isinstance(column.type, String) else None


@dataclass(frozen=True, slots=True)
class RecordLimits:
    """Longest values the ingestion tables hold, in characters."""

    source_id: int  # interactions/events.source_id, and decisions.record_ref "channel:id"
    event_kind: int  # events.kind


@cache
def record_limits() -> RecordLimits:
    longest_channel = max(len(c.value) for c in Channel)
    lengths = [
        column_length(InteractionRow.__table__.c.source_id),
        column_length(EventRow.__table__.c.source_id),
    ]
    ref = column_length(DecisionRow.__table__.c.record_ref)
    if ref is not None:
        lengths.append(ref - longest_channel - 1)
    kind = column_length(EventRow.__table__.c.kind)
    return RecordLimits(
        source_id=min(n for n in lengths if n is not None),
        event_kind=kind or 10_000,
    )


def storable_text(value: str, *, limit: int | None = None) -> str:
    """``value`` as every backend can store it: lone surrogates (which no UTF-8 encoder
    accepts) become "?", NUL (which PostgreSQL text refuses) U+FFFD, cut to ``limit``."""
    text = value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    return text[:limit] if limit is not None else text
