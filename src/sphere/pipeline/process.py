"""A batch of input records through the stages: parse → classify → link → detect → gate →
store, in the caller's transaction.

The batch is parsed first. What its records need from the database is then read
set-based, a few statements for the whole batch (``_prefetch``): the authors'
identities, the contacts behind them (share-locked) with their identity kinds and
consent states, which of the records are stored already, and the subject keys their
stored records would be encrypted under. Nothing is written before a record's decision
(invariant 1): stored records, their decisions, audit entries and the keys of new
subjects are buffered and written with one executemany per table at the end of the
batch, or before anything that must see them (a deletion, an edit, an observer).

A record that cannot be parsed, or whose processing fails, goes to quarantine with its
reason, file and line; the batch goes on. Records that write more than buffered rows
(deletions, edits, events, contacts) run in a SAVEPOINT of their own, so a failure never
leaves half a record behind.

The processor is split by responsibility: this module reads, parses, prefetches and
dispatches; ``posts`` judges and prepares a post (``PostStage``); ``pending`` writes what
the batch buffered (``PendingWrites``); ``changes`` handles platform deletions and edits
(``PlatformChanges``). The mixins share the processor's state.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from sphere.audit import AuditBatch
from sphere.channels import Adapter, RawRecord
from sphere.domain import (
    Channel,
    Observation,
    ObservationKind,
)
from sphere.errors import SphereError
from sphere.pipeline.admission import admit
from sphere.pipeline.changes import PlatformChanges
from sphere.pipeline.consents import consent_lookup, consents_lookup
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.counters import AggregateBuffer, ListeningBuffer
from sphere.pipeline.link import Linker
from sphere.pipeline.observers import StoredRecord
from sphere.pipeline.pending import PendingWrites
from sphere.pipeline.posts import PostStage
from sphere.pipeline.records import ContactImporter, EventRecorder
from sphere.pipeline.reidentify import PSEUDONYM_PREFIX, Reidentifier
from sphere.pipeline.review import ReviewQueue
from sphere.pipeline.summary import IngestSummary
from sphere.pipeline.threads import ThreadMemory
from sphere.policy.dpia import dpia_evaluate, held_purposes
from sphere.storage.entities import Source
from sphere.storage.faults import is_conflict, is_shared_key_race, is_transient
from sphere.storage.limits import storable_text
from sphere.storage.repositories.aggregates import AggregateRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.dpia import DpiaRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.repositories.reviews import ReviewRepository
from sphere.storage.repositories.threads import ThreadMarkRepository
from sphere.storage.repositories.tombstones import TombstoneRepository

log = logging.getLogger(__name__)
_POSTS = frozenset({ObservationKind.POST, ObservationKind.COMMENT, ObservationKind.MESSAGE})
# Kinds whose source id may name a stored record (checked set-based per batch).
_STORABLE = _POSTS | {ObservationKind.EDIT, ObservationKind.DELETION}
_MAX_QUARANTINE_PAYLOAD = 64_000


class RecordProcessor(PostStage, PendingWrites, PlatformChanges):
    """Processes the records of one batch inside the caller's transaction."""

    def __init__(
        self,
        session: Session,
        ctx: PipelineContext,
        *,
        source: Source,
        adapter: Adapter,
        summary: IngestSummary,
        file: str,
        buffered: bool = True,
    ) -> None:
        """``buffered`` writes stored records once per batch; unbuffered writes each at
        once inside a SAVEPOINT (the slow, safe path the runner falls back to)."""
        self.session, self.ctx, self.source = session, ctx, source
        self.buffered = buffered
        self.audit_batch = AuditBatch(session)
        self.pending_decisions: list[dict[str, object]] = []
        self.pending_interactions: list[dict[str, object]] = []
        self.pending_keys: set[tuple[Channel, str]] = set()
        self.stored_records: list[StoredRecord] = []  # what the batch stored (observers)
        self.pending_edits: set[tuple[Channel, str]] = set()  # newer versions: not superseded
        self.adapter, self.summary, self.file = adapter, summary, file
        self.contacts = ContactRepository(session, ctx.keyring)
        self.interactions = InteractionRepository(session, ctx.keyring)
        self.decisions = DecisionRepository(session)
        self.aggregates = AggregateRepository(session)
        self.counters = AggregateBuffer()
        self.listening = ListeningBuffer(tuple(ctx.profile.product_names), ctx.sentiment)
        self.reidentifier = Reidentifier(
            self.interactions,
            actions=ctx.policy.reidentification,
            products=ctx.profile.product_names,
            company_terms=[
                *(f"@{h}" for h in frozenset().union(*ctx.profile.accounts.values())),
                *ctx.profile.brand_names,
                *(f"#{t}" for t in ctx.profile.hashtags),
            ],
        )
        self.quarantine_repo = QuarantineRepository(session, ctx.keyring)
        # Purposes held for want of a signed-off DPIA (Art. 35(1)), read once per batch.
        held = held_purposes(ctx.policy, DpiaRepository(session).signed_off_purposes())
        self.evaluate = dpia_evaluate(ctx.policy.evaluate, held, ctx.policy.version)
        self.keys = ctx.keyring.key_batch(session)
        self.linker = Linker(
            self.contacts,
            ctx.keyring,
            consent_lookup(session, ctx.clock),
            consents_lookup(session, ctx.clock),
        )
        # Per channel: source ids the batch looked up, and those of them stored (kept
        # current as the batch writes and deletes). Used on the buffered path only.
        self._checked: dict[Channel, set[str]] = {}
        self._stored: dict[Channel, set[str]] = {}
        self.contact_importer = ContactImporter(
            session, ctx, source=source, contacts=self.contacts, decisions=self.decisions
        )
        self.event_recorder = EventRecorder(
            session,
            ctx,
            source=source,
            linker=self.linker,
            decisions=self.decisions,
            counters=self.counters,
            before_write=self.flush_pending,
            evaluate=self.evaluate,
        )
        # The profile's accounts are already folded (lower-case, no leading @).
        self.company_handles = frozenset().union(*ctx.profile.accounts.values())
        self.reviews = ReviewQueue(
            ctx,
            repository=ReviewRepository(session),
            decisions=self.decisions,
            keys=self.keys,
            audit=self.audit_batch,
            company_handles=self.company_handles,
        )
        self.threads = ThreadMemory(
            ThreadMarkRepository(session), ctx.keyring, keep_for=ctx.thread_keep_for
        )

    # -- entry points ----------------------------------------------------------------
    def process_batch(self, records: Sequence[RawRecord]) -> None:
        """Process raw records of this processor's source, in order (see module doc).
        Call :meth:`finish` before the transaction commits."""
        parsed = [(raw, self._parse(raw)) for raw in records]
        self._prefetch(
            [obs for _raw, result in parsed if isinstance(result, list) for obs in result]
        )
        for raw, result in parsed:
            self._handle(raw, result)

    def process(self, raw: RawRecord) -> None:
        """One record (a quarantine retry): a batch of one."""
        self.process_batch([raw])

    def _parse(self, raw: RawRecord) -> list[Observation] | str:
        """The record's observations, or the reason it goes to quarantine."""
        if raw.error is not None:
            return raw.error
        ref = f"{self.file}:{raw.line}"
        try:
            # admit: can every value be stored as it is? (else quarantine, naming the field)
            return [admit(o) for o in self.adapter.parse(raw.value or {}, ref=ref)]
        except SphereError as exc:
            return str(exc)
        except Exception as exc:  # an adapter bug: keep the record, go on
            log.exception("record %s failed", ref)
            return f"internal error ({type(exc).__name__}); see logs"

    def _prefetch(self, observations: list[Observation]) -> None:
        """Read what the batch needs, set-based: identities, contacts, consent states,
        stored records, subject keys. Reads only; the decisions come later."""
        if not observations:
            return
        if self.buffered:
            # Every post the batch may store, delete or edit, locked up front in one sorted
            # statement (PostgreSQL; re-taking one later is free): once a first flush holds
            # the audit head, a later lock on a post another batch holds, while that batch
            # waits for the head, was a deadlock and a rerun (bench_stream, two workers).
            TombstoneRepository(self.session).lock(
                (o.channel, o.source_id) for o in observations if o.kind in _STORABLE
            )
        self.linker.prefetch(observations)
        self.threads.prefetch(
            (o for o in observations if o.kind in _POSTS or o.kind is ObservationKind.EDIT),
            now=self.ctx.clock.now(),
        )
        if self.buffered:
            wanted: dict[Channel, list[str]] = {}
            for obs in observations:
                if obs.kind in _STORABLE:
                    wanted.setdefault(obs.channel, []).append(obs.source_id)
            for channel, source_ids in wanted.items():
                self._checked.setdefault(channel, set()).update(source_ids)
                stored = self.interactions.stored_source_ids(channel, source_ids)
                self._stored.setdefault(channel, set()).update(stored)
        subjects = list(self._key_subjects(observations))
        self.keys.preload(subjects)
        self.reidentifier.preload(s for s in subjects if s.startswith(PSEUDONYM_PREFIX))

    def _key_subjects(self, observations: list[Observation]) -> Iterator[str]:
        for obs in observations:
            if obs.kind in _STORABLE:
                try:
                    subject = self.linker.key_subject(obs)
                except SphereError:
                    continue  # the record will fail on its own, and be quarantined
                if subject is not None:
                    yield subject

    def _handle(self, raw: RawRecord, parsed: list[Observation] | str) -> None:
        if isinstance(parsed, str):
            self._quarantine(raw, parsed)
            return
        try:
            for obs in parsed:
                self._observe(obs)
                if obs.kind in _POSTS and self.buffered:
                    self._post(obs)  # reads only; its writes are batched
                elif obs.kind is ObservationKind.EVENT:
                    self.event_recorder.record(obs, self.summary)  # own SAVEPOINT if it writes
                else:
                    self._dispatch_isolated(obs)
        except SphereError as exc:
            self._quarantine(raw, str(exc))
        except Exception as exc:  # a bug or a database fault: keep the record, go on
            if is_transient(exc) or is_shared_key_race(exc) or (self.buffered and is_conflict(exc)):
                raise  # a lost race or a lost server: the batch is retried, nothing lost
            log.exception("record %s:%d failed", self.file, raw.line)
            self._quarantine(raw, f"internal error ({type(exc).__name__}); see logs")

    def _observe(self, obs: Observation) -> None:
        """Hand ``obs`` to the registered observers that want it (rare: a pre-check)."""
        for observer in self.ctx.observers:
            if observer.wants(obs):
                self.flush_pending()  # the batch's audit entries go first, in order
                with self.session.begin_nested():
                    observer.observe(self.session, obs, at=self.ctx.clock.now())

    def _dispatch(self, obs: Observation) -> None:
        kind = obs.kind
        if kind is ObservationKind.CONTACT:
            self.contact_importer.import_contact(obs, self.summary)
        elif kind is ObservationKind.EVENT:
            self.event_recorder.record(obs, self.summary)
        elif kind is ObservationKind.DELETION:
            self._delete(obs)
        elif kind is ObservationKind.EDIT:
            self._edit(obs)
        else:
            self._post(obs)

    # -- quarantine ------------------------------------------------------------------
    def _quarantine(self, raw: RawRecord, reason: str) -> None:
        """Keep the record with its reason. This cannot fail on what the record holds:
        the payload is ASCII JSON (a lone surrogate survives as ``\\ud83d``, so a retry
        sees exactly what came in) and the repository makes reason and file storable.
        Should the database still refuse the row, a row without payload is kept, so
        the line is accounted for and the batch goes on."""
        payload = None
        if raw.value is not None:
            payload = json.dumps(raw.value, ensure_ascii=True, default=str)
            payload = payload[:_MAX_QUARANTINE_PAYLOAD]
        keep_for = timedelta(days=self.ctx.quarantine_days)
        try:
            with self.session.begin_nested():
                self.quarantine_repo.add(
                    self.source.name,
                    file=self.file,
                    line=raw.line,
                    reason=reason[:500],
                    payload=payload,
                    at=self.ctx.clock.now(),
                    keep_for=keep_for,
                )
        except Exception as exc:  # the database refused even the sanitised row
            log.warning(
                "quarantine of %s:%d kept without payload (%s)",
                self.file,
                raw.line,
                type(exc).__name__,
            )
            reason = f"{reason[:400]} (payload not kept: {type(exc).__name__})"
            with self.session.begin_nested():
                self.quarantine_repo.add(
                    self.source.name,
                    file=self.file,
                    line=raw.line,
                    reason=reason,
                    at=self.ctx.clock.now(),
                    keep_for=keep_for,
                )
        self.summary.quarantined(self.file, raw.line, storable_text(reason))
