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
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.orm import Session

from sphere.audit import AuditBatch
from sphere.channels import Adapter, RawRecord, classify
from sphere.domain import (
    Addressing,
    Channel,
    Decision,
    Observation,
    ObservationKind,
    Outcome,
    Purpose,
)
from sphere.domain.risk import RiskAction
from sphere.errors import SphereError
from sphere.pii.age import is_minor_statement, may_state_age
from sphere.pipeline.admission import admit
from sphere.pipeline.cascade import delete_interaction
from sphere.pipeline.consents import consent_lookup, consents_lookup
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.counters import AggregateBuffer, ListeningBuffer
from sphere.pipeline.detect import Detection, detect, minimise, screen
from sphere.pipeline.facts import build_facts
from sphere.pipeline.gate import gate
from sphere.pipeline.link import Link, Linker
from sphere.pipeline.minors import flag_minor, minor_evaluate
from sphere.pipeline.records import ContactImporter, EventRecorder
from sphere.pipeline.reidentify import PSEUDONYM_PREFIX, Reidentifier
from sphere.pipeline.review import ReviewQueue, care_decision
from sphere.pipeline.summary import IngestSummary
from sphere.pipeline.threads import ThreadMemory
from sphere.policy.dpia import dpia_evaluate, held_purposes
from sphere.storage.entities import Interaction, NewInteraction, Source
from sphere.storage.faults import is_conflict, is_shared_key_race, is_transient
from sphere.storage.limits import storable_text
from sphere.storage.repositories.aggregates import AggregateRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.counted import CountedPostRepository
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.dpia import DpiaRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.listening import ListeningRepository
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.repositories.reviews import ReviewRepository
from sphere.storage.repositories.threads import ThreadMarkRepository
from sphere.storage.repositories.tombstones import DELETED, SUPERSEDED, TombstoneRepository

log = logging.getLogger(__name__)
_POSTS = frozenset({ObservationKind.POST, ObservationKind.COMMENT, ObservationKind.MESSAGE})
# Kinds whose source id may name a stored record (checked set-based per batch).
_STORABLE = _POSTS | {ObservationKind.EDIT, ObservationKind.DELETION}
_MAX_QUARANTINE_PAYLOAD = 64_000


class RecordProcessor:
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
        # Purposes held for want of an approved DPIA (Art. 35(1)), read once per batch.
        held = held_purposes(ctx.policy, DpiaRepository(session).latest())
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

    def _dispatch_isolated(self, obs: Observation) -> None:
        """``obs`` in a SAVEPOINT of its own. What the batch has pending is written first
        when the record may read or change it: always, except for a platform deletion or
        edit of a post not pending in this batch (most of them), whose audit entry then
        joins the pending ones in order. Should the record fail, what it added to the
        pending rows goes with its SAVEPOINT."""
        key = (obs.channel, obs.source_id)
        if not (
            self.buffered
            and obs.kind in (ObservationKind.DELETION, ObservationKind.EDIT)
            and key not in self.pending_keys
        ):
            self.flush_pending()
        marks = (
            len(self.audit_batch.pending),
            len(self.pending_decisions),
            len(self.pending_interactions),
            set(self.pending_keys),
            set(self.pending_edits),
        )
        try:
            with self.session.begin_nested():
                self._dispatch(obs)
        except Exception:
            del self.audit_batch.pending[marks[0] :]
            if not self.audit_batch.pending:
                self.audit_batch.discard()  # nothing pending: record() may write again
            del self.pending_decisions[marks[1] :]
            del self.pending_interactions[marks[2] :]
            self.pending_keys, self.pending_edits = marks[3], marks[4]
            raise

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

    # -- posts -----------------------------------------------------------------------
    def _post(self, obs: Observation, *, is_edit: bool = False) -> None:
        addressing = classify(obs, self.ctx.profile, thread=self.threads.context)
        company_post = addressing.addressing is Addressing.NOT_APPLICABLE and obs.author is not None
        self.threads.learn(obs, addressing, company_post=company_post)
        if company_post:
            # The company's own post: the thread is remembered, nothing about people stored.
            self.summary.company_posts += 1
            return
        link = self.linker.link(obs)
        if link.author.is_linked and not link.author.minor and may_state_age(obs.text):
            link = self._minor_statement(obs, link)
        # The gate needs special categories only; the analyzer runs for stored records.
        screened = screen(obs.text, language=obs.language)

        def facts_for(purpose: Purpose):  # noqa: ANN202 - local closure
            return build_facts(
                visibility=obs.visibility,
                addressing=addressing.addressing,
                author=link.author,
                collection=self.source.collection,
                has_special_category=bool(screened.special),
                is_about_company=addressing.is_about_company,
                on_company_page=obs.on_company_page,
                purpose=purpose,
                source=obs.channel.value,
            )

        result = gate(
            facts_for,
            minor_evaluate(self.evaluate, link.author, self.ctx.policy.version),
            addressing=addressing.addressing,
            is_linked=link.author.is_linked,
        )
        care = care_decision(result) if addressing.is_addressed else None
        # Addressed to the company, but customer care needs consent or a person: the
        # request must not vanish into a count (pipeline.review).
        if care is not None and self.reviews.open(
            obs, addressing=addressing.addressing, link=link, decision=care, screened=screened
        ):
            self.summary.note("addressed to the company, needs consent or review: queued")
        if result.disposition.stores_personal_data:
            # Only stored records can be duplicates (counts are not kept per record).
            if not is_edit and self._is_stored(obs):
                self.summary.duplicates += 1
                return
            self._store_post(
                obs,
                link,
                result.decision,
                addressing.addressing,
                addressing.evidence,
                detect(self.ctx.analyzer, obs.text, language=obs.language, screened=screened),
                topic="company" if addressing.is_about_company else "other",
            )
        else:
            self._count(
                obs,
                addressing.addressing,
                result.decision.outcome,
                "company" if addressing.is_about_company else "other",
            )
            if (
                result.decision.outcome is Outcome.ANONYMISE
                and addressing.addressing is Addressing.PUBLIC_MENTION
                and obs.text
            ):  # social listening: anonymous counts of products and sentiment
                self.listening.add(
                    obs.created_at.date(),
                    obs.channel.value,
                    obs.text,
                    screened.language,
                    token=self._counted_token(obs),
                )
        self.summary.count(addressing.addressing.value, result.disposition)

    def _minor_statement(self, obs: Observation, link: Link) -> Link:
        """A linked author states an age under the age of digital consent: flag them
        (rare — the pre-check is a regex), so this post and later ones see it."""
        today = self.ctx.clock.now().date()
        statement = is_minor_statement(obs.text, today=today, threshold=self.ctx.minor_age)
        contact_id = link.author.contact_id
        if statement is None or contact_id is None:
            return link
        self.flush_pending()  # the batch's audit entries go first, in order
        with self.session.begin_nested():
            flag_minor(
                self.session,
                self.ctx.keyring,
                contact_id,
                evidence=f"{statement.kind}:{obs.channel.value}:{obs.source_id}",
                kind=statement.kind,
                channel=obs.channel.value,
                threshold=self.ctx.minor_age,
                at=self.ctx.clock.now(),
                actor=self.ctx.actor,
            )
        author = self.linker.mark_minor(contact_id) or replace(link.author, minor=True)
        return replace(link, author=author)

    def _is_stored(self, obs: Observation) -> bool:
        key = (obs.channel, obs.source_id)
        if key in self.pending_keys:
            return True
        if obs.source_id in self._checked.get(obs.channel, ()):
            return obs.source_id in self._stored.get(obs.channel, ())
        return self.interactions.exists(*key)

    def _stored_record(self, obs: Observation) -> Interaction | None:
        """The stored record a deletion or edit names (no query when the batch's
        set-based check already knows it is not stored)."""
        if obs.source_id in self._checked.get(
            obs.channel, ()
        ) and obs.source_id not in self._stored.get(obs.channel, ()):
            return None
        return self.interactions.get_by_source(obs.channel, obs.source_id, with_text=False)

    def _locked_record(self, obs: Observation, *, reason: str) -> Interaction | None:
        """Serialise with workers touching the same post, leave the tombstone, and read
        what is stored now. On PostgreSQL the read is a fresh query (another worker may
        have committed the post after this batch's set-based check); SQLite has one
        writer, so the batch's check stays true."""
        key = (obs.channel, obs.source_id)
        tombstones = TombstoneRepository(self.session)
        tombstones.lock([key])
        tombstones.add(key, at=self.ctx.clock.now(), reason=reason)
        if tombstones.is_postgres:
            return self.interactions.get_by_source(obs.channel, obs.source_id, with_text=False)
        return self._stored_record(obs)

    def _deleted(self, interaction: Interaction) -> None:
        self._stored.get(interaction.channel, set()).discard(interaction.source_id)

    def _store_post(
        self,
        obs: Observation,
        link: Link,
        decision: Decision,
        addressing: Addressing,
        evidence: tuple[str, ...],
        detection: Detection,
        *,
        topic: str = "other",
    ) -> None:
        """Prepare the decision, the record and its audit entry; they are written together
        with the rest of the batch by ``flush_pending`` (one executemany per table).

        A post stored without a link to its author first passes the re-identification
        check (``sphere.pipeline.reidentify``): the policy's action for its risk level may
        generalise its text, keep no text, or keep nothing but the anonymous counter."""
        now = self.ctx.clock.now()
        text: str | None = minimise(obs.text, detection, company_handles=self.company_handles)
        risk = None
        if link.author.contact_id is None and text:
            risk = self.reidentifier.check(text, detection, key_subject=link.key_subject)
            if risk.action is RiskAction.DROP:
                self.summary.reid_dropped += 1
                self._count(obs, addressing, Outcome.ANONYMISE, topic)
                return
            text = risk.text
        logged, decision_row = self.decisions.prepare(
            decision,
            record_type="interaction",
            record_ref=f"{obs.channel.value}:{obs.source_id}",
            contact_id=link.author.contact_id,
            at=now,
            special_categories=(c.value for c in detection.special),
        )
        retention = now + decision.retention if decision.retention else None
        row = self.interactions.prepare(
            NewInteraction(
                source_name=self.source.name,
                channel=obs.channel,
                source_id=obs.source_id,
                kind=obs.kind,
                created_at=obs.created_at,
                visibility=obs.visibility,
                addressing=addressing,
                text=text,
                contact_id=link.author.contact_id,
                identity_id=link.identity_id,
                key_subject=link.key_subject,
                language=detection.language,
                special_categories=detection.special,
                decision_id=logged.id,
                retention_until=retention,
                reid_risk=None if risk is None else risk.assessment.level.value,
                reid_action=None if risk is None else risk.action.value,
            ),
            at=now,
            encrypt=self.keys.encrypt,
        )
        if risk is not None:
            self.reidentifier.stored(link.key_subject, has_text=text is not None)
        self.audit_batch.add(
            actor=self.ctx.actor,
            action="interaction.stored",
            subject_id=link.author.contact_id or link.key_subject,
            object_ids=(str(row["id"]), logged.id),
            purpose=decision.purpose,
            legal_basis=decision.legal_basis,
            details={
                "addressing": addressing.value,
                "rule": decision.rule_id,
                "outcome": decision.outcome.value,
                "policy_version": decision.policy_version,
                "entities": detection.entity_counts,
                "special_categories": sorted(c.value for c in detection.special),
                "evidence_count": len(evidence),
                **(
                    {}
                    if risk is None
                    else {
                        "reidentification": {
                            **risk.assessment.as_dict(),
                            "action": risk.action.value,
                        }
                    }
                ),
            },
            at=now,
        )
        self.pending_decisions.append(decision_row)
        self.pending_interactions.append(row)
        self.pending_keys.add((obs.channel, obs.source_id))
        if not self.buffered:
            self.flush_pending()

    def flush_pending(self) -> None:
        """Write the prepared rows: decisions first (records reference them), then the
        records, then their audit entries — all in the caller's transaction. On failure
        nothing stays pending: the caller rolls back and the rows are gone with it."""
        decisions, interactions = self.pending_decisions, self.pending_interactions
        self.pending_decisions, self.pending_interactions = [], []
        written, self.pending_keys = self.pending_keys, set()
        edits, self.pending_edits = self.pending_edits, set()
        try:
            if written:  # a deletion processed first (here or in another worker) wins
                tombstones = TombstoneRepository(self.session)
                tombstones.lock(written)
                marked = tombstones.among(written)
                gone = {k for k, why in marked.items() if why == DELETED or k not in edits}
                if gone:
                    decisions, interactions = self._drop_deleted(gone, decisions, interactions)
                    written = written - gone
            self.keys.flush()  # keys of new subjects before the records encrypted under them
            self.keys.reseal_rows(interactions)  # a key another worker claimed first
            self.decisions.insert_prepared(decisions)
            self.interactions.insert_prepared(interactions)
            self.audit_batch.flush()
        except Exception:
            self.audit_batch.discard()
            self.keys.discard()
            raise
        for channel, source_id in written:
            self._stored.setdefault(channel, set()).add(source_id)

    def _drop_deleted(
        self,
        gone: set[tuple[Channel, str]],
        decisions: list[dict[str, object]],
        interactions: list[dict[str, object]],
    ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        """Leave out records the platform deleted before they arrived, with their
        decisions and audit entries."""
        dropped = [r for r in interactions if (Channel(str(r["channel"])), r["source_id"]) in gone]
        row_ids = {str(r["id"]) for r in dropped}
        decision_ids = {str(r["decision_id"]) for r in dropped}
        self.audit_batch.pending = [
            e for e in self.audit_batch.pending if not (set(e.object_ids) & row_ids)
        ]
        for _ in dropped:
            self.summary.note("an older version or a deleted post arrived late: not stored")
        return (
            [d for d in decisions if str(d["id"]) not in decision_ids],
            [r for r in interactions if str(r["id"]) not in row_ids],
        )

    def _count(
        self, obs: Observation, addressing: Addressing, outcome: Outcome, topic: str
    ) -> None:
        self.counters.add(
            obs.created_at.date(),
            obs.channel.value,
            addressing.value,
            outcome.value,
            topic,
            token=self._counted_token(obs),
        )

    def _counted_token(self, obs: Observation) -> str | None:
        if not obs.source_id:
            return None
        return self.ctx.keyring.counted_token(obs.channel.value, obs.source_id)

    def finish(self) -> None:
        """Write what the batch buffered (records, counters); call before commit. Posts
        counted anonymously before (a re-delivery) are not counted again."""
        self.flush_pending()
        self.threads.flush(now=self.ctx.clock.now())
        tokens = self.counters.tokens() | self.listening.tokens()
        fresh = CountedPostRepository(self.session).claim(tokens, at=self.ctx.clock.now())
        self.counters.flush(self.aggregates, fresh)
        self.listening.flush(ListeningRepository(self.session), fresh)

    # -- platform deletions and edits -----------------------------------------------
    def _delete(self, obs: Observation) -> None:
        # The tombstone first: a copy of the post arriving later is not stored.
        existing = self._locked_record(obs, reason=DELETED)
        self.summary.deletions += 1
        if existing is None:
            return  # never stored (aggregate only, discarded) or already gone
        self._deleted(existing)
        delete_interaction(
            self.session,
            self.ctx.keyring,
            existing,
            actor=self.ctx.actor,
            reason_code="platform_deletion",
            at=self.ctx.clock.now(),
            audit_batch=self.audit_batch,
        )

    def _edit(self, obs: Observation) -> None:
        self.summary.edits += 1
        # Marked first: the original arriving later is an older version and loses.
        existing = self._locked_record(obs, reason=SUPERSEDED)
        self.pending_edits.add((obs.channel, obs.source_id))
        if existing is None:
            self._post(replace(obs, kind=ObservationKind.POST))
            return
        # An edit is judged afresh: the new text may reveal more (or less) than the old.
        self._deleted(existing)
        delete_interaction(
            self.session,
            self.ctx.keyring,
            existing,
            actor=self.ctx.actor,
            reason_code="platform_edit",
            at=self.ctx.clock.now(),
            audit_batch=self.audit_batch,
        )
        self._post(replace(obs, kind=ObservationKind.POST), is_edit=True)

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
