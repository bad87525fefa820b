"""Jobs on both backends: a policy apply that fails halfway says where and why, leaves a
consistent and audited state (the batches it committed, the read model current) and
resumes from its checkpoint to the same end state as an uninterrupted apply; a queued
job can be cancelled; the chain verification resumes; an export is kept encrypted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sphere.audit import verify
from sphere.cockpit import apply as apply_module
from sphere.cockpit.whatif import draft_without_rule, what_if
from sphere.governance.policy_versions import active_policy
from sphere.jobs import ProgressBoard, run_job, submit
from sphere.runtime import Runtime
from sphere.storage.repositories import readmodel
from sphere.storage.repositories.jobs import JobRepository
from sphere.storage.tables import AuditEntryRow, InteractionRow

RULE = "customer-care.addressed"


def _interactions(rt: Runtime) -> int:
    with rt.session() as session:
        return int(session.scalar(select(func.count()).select_from(InteractionRow)) or 0)


def test_a_failed_apply_is_consistent_and_resumes(
    seeded: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    with seeded.session() as session:
        draft = draft_without_rule(active_policy(session), RULE)
        preview = what_if(session, seeded.keyring, draft, now=seeded.clock.now())
    assert preview.changed >= 2 and preview.no_longer_stored >= 1
    before = _interactions(seeded)
    monkeypatch.setattr(apply_module, "BATCH", 1)  # one record per committed batch
    real = apply_module._work
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        real(*args, **kwargs)

    monkeypatch.setattr(apply_module, "_work", flaky)
    job = submit(seeded, "policy_apply", {"disable_rule": RULE}, actor="dpo:test")
    failed = run_job(seeded, ProgressBoard(), job.id)
    assert failed is not None and failed.state == "failed"
    assert failed.error.startswith("changing stored records: internal error (RuntimeError)")
    assert failed.checkpoint["after"] == 1  # the first batch is committed, the second not
    assert _interactions(seeded) == before - 1  # the first item: a record deleted
    with seeded.session() as session:
        assert verify(session).ok
        assert readmodel.differences(session) == []
        assert active_policy(session).version == draft.version  # the plan was committed

    monkeypatch.setattr(apply_module, "_work", real)
    done = run_job(seeded, ProgressBoard(), job.id)  # resume from the checkpoint
    assert done is not None and done.state == "done", done.error if done else None
    assert done.attempts == 2
    assert done.result["deleted_interactions"] == preview.no_longer_stored  # both runs
    assert done.result["decisions_appended"] == preview.changed - preview.no_longer_stored
    assert _interactions(seeded) == before - preview.no_longer_stored
    with seeded.session() as session:
        assert verify(session).ok
        assert readmodel.differences(session) == []
        summaries = session.scalar(
            select(func.count())
            .select_from(AuditEntryRow)
            .where(AuditEntryRow.action == "policy.reevaluated")
        )
        assert summaries == 1


def test_a_queued_job_can_be_cancelled(seeded: Runtime) -> None:
    job = submit(seeded, "retention", {}, actor="dpo:test")
    with seeded.session() as session:
        cancelled = JobRepository(session).request_cancel(job.id, at=seeded.clock.now())
    assert cancelled.state == "cancelled"
    assert run_job(seeded, ProgressBoard(), job.id) is None  # nothing to claim


def test_the_chain_verification_resumes_and_an_export_is_encrypted(
    seeded: Runtime, tmp_path: Path
) -> None:
    job = submit(seeded, "audit_verify", {"key": "chain"}, actor="dpo:test")
    done = run_job(seeded, ProgressBoard(), job.id)
    assert done is not None and done.state == "done" and done.result["ok"] is True
    assert done.result["verified_seq"] == done.result["head"] > 0

    with seeded.session() as session:
        contact_id = session.scalar(
            select(InteractionRow.contact_id).where(InteractionRow.contact_id.is_not(None))
        )
    export = submit(seeded, "export", {"contact_id": contact_id}, actor="dpo:test")
    finished = run_job(seeded, ProgressBoard(), export.id)
    assert finished is not None and finished.state == "done"
    with seeded.session() as session:
        artifact = JobRepository(session).artifact(export.id)
        assert artifact.key_id == contact_id
        assert not artifact.content_ciphertext.startswith(b"PK")  # stored encrypted
        zipped = seeded.keyring.decrypt_for(session, contact_id, artifact.content_ciphertext)
    assert zipped.startswith(b"PK") and len(zipped) == finished.result["bytes"]
