"""The batch's buffered writes: decisions, records and audit entries prepared by the
records of a batch, written with one executemany per table (a mixin of
``sphere.pipeline.process.RecordProcessor``)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sphere.domain import (
    Channel,
    Observation,
    ObservationKind,
)
from sphere.pipeline.observers import StoredRecord
from sphere.storage.repositories.counted import CountedPostRepository
from sphere.storage.repositories.crm_sync import queue_pushes
from sphere.storage.repositories.listening import ListeningRepository
from sphere.storage.repositories.tombstones import DELETED, TombstoneRepository


class PendingWrites:
    """Buffered rows, their flush, and records isolated in a SAVEPOINT of their own."""

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
            len(self.stored_records),
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
            del self.stored_records[marks[5] :]
            raise

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
            if self.ctx.batch_observers:  # told of them in ``finish``, in this transaction
                for row in interactions:
                    row["batch_observed"] = True
            self.interactions.insert_prepared(interactions)
            if self.ctx.crm_sync:  # the CRM receives what the gate let into the record
                ids = [str(r["id"]) for r in interactions if r.get("contact_id")]
                queue_pushes(self.session, "interaction", ids, at=self.ctx.clock.now())
            self.audit_batch.flush()
        except Exception:
            self.audit_batch.discard()
            self.keys.discard()
            raise
        for channel, source_id in written:
            self._stored.setdefault(channel, set()).add(source_id)
        rules = {d["id"]: d["rule_id"] for d in decisions}
        self.stored_records.extend(
            StoredRecord(
                contact_id=cast("str | None", r["contact_id"]),
                source_name=str(r["source_name"]),
                channel=str(r["channel"]),
                rule_id=cast("str | None", rules.get(r["decision_id"])),
                ingested_at=cast(datetime, r["ingested_at"]),
            )
            for r in interactions
        )

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

    def finish(self) -> None:
        """Write what the batch buffered (records, counters); call before commit. Posts
        counted anonymously before (a re-delivery) are not counted again."""
        self.flush_pending()
        self.threads.flush(now=self.ctx.clock.now())
        tokens = self.counters.tokens() | self.listening.tokens()
        fresh = CountedPostRepository(self.session).claim(tokens, at=self.ctx.clock.now())
        self.counters.flush(self.aggregates, fresh)
        self.listening.flush(ListeningRepository(self.session), fresh)
        if self.stored_records:  # services kept current from the batch (Art. 14 duties)
            for observer in self.ctx.batch_observers:
                observer.stored(self.session, self.stored_records, policy=self.ctx.policy)
