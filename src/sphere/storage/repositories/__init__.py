"""One repository per aggregate. Each takes the caller's ``Session`` (and a ``Keyring``
where it touches personal data), flushes but never commits, and returns frozen
entities from ``sphere.storage.entities``."""

from sphere.storage.repositories.aggregates import AggregateRepository
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.audit import AuditRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.policies import PolicyVersionRepository
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.repositories.sources import SourceRepository

__all__ = [
    "AggregateRepository",
    "AttributeRepository",
    "AuditRepository",
    "ContactRepository",
    "DecisionRepository",
    "EventRepository",
    "InteractionRepository",
    "PolicyVersionRepository",
    "QuarantineRepository",
    "SourceRepository",
]
