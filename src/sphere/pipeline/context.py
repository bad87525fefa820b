"""Everything one ingestion run needs, built once and passed down (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sphere.channels import AdapterRegistry, CompanyProfile
from sphere.domain import Clock, Purpose, SystemClock
from sphere.pii.analyzer import Analyzer
from sphere.pipeline.observers import BatchObserver, Observer
from sphere.policy import Policy
from sphere.storage.crypto import Keyring


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
    # Under this age a person is a minor (GDPR Art. 8(1); SPHERE_MEMBER_STATE,
    # SPHERE_DIGITAL_CONSENT_AGE).
    minor_age: int = 16
    # Other services' interest in posts (registered by ``sphere.runtime``): see observers.py.
    observers: tuple[Observer, ...] = ()
    # Services kept current from each batch's stored records (``BatchObserver``).
    batch_observers: tuple[BatchObserver, ...] = ()
    # Sentiment label ("positive" | "neutral" | "negative") of a text for the anonymous
    # social-listening counts (``sphere.runtime`` passes marketing's lexicon); None = not
    # counted.
    sentiment: Callable[[str, str | None], str] | None = None
    # A connected system is the CRM sync target (``sync:`` in its definition): records of
    # contacts the gate stored are queued for it in their own transaction (crm_outbox).
    crm_sync: bool = False

    @property
    def thread_keep_for(self) -> timedelta:
        """How long a conversation mark lives after its last use: the retention of the
        purpose it serves, customer care (``pipeline.threads``); 180 days if undeclared."""
        spec = self.policy.purposes.get(Purpose.CUSTOMER_CARE)
        return spec.retention if spec is not None else timedelta(days=180)
