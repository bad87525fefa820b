"""Pure value types shared by every layer. No I/O, imports nothing of sphere but itself."""

from sphere.domain.decision import Decision, Duty, Outcome
from sphere.domain.facts import (
    Addressing,
    Collection,
    ConsentState,
    DataCategory,
    Facts,
    Relationship,
    Visibility,
)
from sphere.domain.legal import LegalBasis, Purpose, SpecialCategory
from sphere.domain.records import (
    AttributeKind,
    Author,
    Channel,
    IdentityKind,
    Observation,
    ObservationKind,
    Provenance,
)
from sphere.domain.time import Clock, FrozenClock, SystemClock, ensure_utc, utcnow

__all__ = [
    "Addressing",
    "AttributeKind",
    "Author",
    "Channel",
    "Clock",
    "Collection",
    "ConsentState",
    "DataCategory",
    "Decision",
    "Duty",
    "Facts",
    "FrozenClock",
    "IdentityKind",
    "LegalBasis",
    "Observation",
    "ObservationKind",
    "Outcome",
    "Provenance",
    "Purpose",
    "Relationship",
    "SpecialCategory",
    "SystemClock",
    "Visibility",
    "ensure_utc",
    "utcnow",
]
