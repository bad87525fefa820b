"""Platform deletions and edits: the tombstone first, then the stored record goes
(a mixin of ``sphere.pipeline.process.RecordProcessor``)."""

from __future__ import annotations

from dataclasses import replace

from sphere.domain import (
    Observation,
    ObservationKind,
)
from sphere.pipeline.cascade import delete_interaction
from sphere.storage.entities import Interaction
from sphere.storage.repositories.tombstones import DELETED, SUPERSEDED, TombstoneRepository


class PlatformChanges:
    """Deletions and edits of posts, and what the batch knows is stored."""

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

    def _remove(self, existing: Interaction, *, reason_code: str) -> None:
        """Delete a stored post the platform deleted or replaced (audited with the batch)."""
        self._deleted(existing)
        delete_interaction(
            self.session,
            self.ctx.keyring,
            existing,
            actor=self.ctx.actor,
            reason_code=reason_code,
            at=self.ctx.clock.now(),
            audit_batch=self.audit_batch,
        )

    def _delete(self, obs: Observation) -> None:
        # The tombstone first: a copy of the post arriving later is not stored.
        existing = self._locked_record(obs, reason=DELETED)
        self.summary.deletions += 1
        if existing is None:
            return  # never stored (aggregate only, discarded) or already gone
        self._remove(existing, reason_code="platform_deletion")

    def _edit(self, obs: Observation) -> None:
        self.summary.edits += 1
        # Marked first: the original arriving later is an older version and loses.
        existing = self._locked_record(obs, reason=SUPERSEDED)
        self.pending_edits.add((obs.channel, obs.source_id))
        if existing is None:
            self._post(replace(obs, kind=ObservationKind.POST))
            return
        # An edit is judged afresh: the new text may reveal more (or less) than the old.
        self._remove(existing, reason_code="platform_edit")
        self._post(replace(obs, kind=ObservationKind.POST), is_edit=True)
