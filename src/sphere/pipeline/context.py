"""Everything one ingestion run needs, built once and passed down (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sphere.channels import AdapterRegistry, CompanyProfile, ThreadContext
from sphere.domain import Clock, SystemClock
from sphere.pii.analyzer import Analyzer
from sphere.pipeline.observers import Observer
from sphere.policy import Policy
from sphere.storage.crypto import Keyring


@dataclass
class CompanyThreads:
    """Posts and conversations the company's own accounts wrote, learned while ingesting,
    so that a reply deep in a thread the company started counts as addressing it."""

    post_ids: set[str] = field(default_factory=set)
    conversation_ids: set[str] = field(default_factory=set)

    def context(self) -> ThreadContext:
        """A view on the live sets: what is learned later is seen by later posts."""
        return ThreadContext(
            company_post_ids=self.post_ids, company_conversation_ids=self.conversation_ids
        )


@dataclass
class PipelineContext:
    policy: Policy
    analyzer: Analyzer
    profile: CompanyProfile
    registry: AdapterRegistry
    keyring: Keyring
    clock: Clock = field(default_factory=SystemClock)
    batch_size: int = 500
    actor: str = "pipeline"
    quarantine_days: int = 30  # SPHERE_QUARANTINE_RETENTION_DAYS
    threads: CompanyThreads = field(default_factory=CompanyThreads)
    # Other services' interest in posts (registered by ``sphere.runtime``): see observers.py.
    observers: tuple[Observer, ...] = ()
    # Sentiment label ("positive" | "neutral" | "negative") of a text for the anonymous
    # social-listening counts (``sphere.runtime`` passes marketing's lexicon); None = not
    # counted.
    sentiment: Callable[[str, str | None], str] | None = None
