"""The kinds of job and what each does. Every handler takes a ``JobContext`` and returns
a JSON-safe result summary (ids, counts, codes; the what-if's summary).

=================  ====================================================================
``whatif``         decide the stored data under a draft policy (read only)
``policy_apply``   activate a draft and re-evaluate stored data in committed batches;
                   resumable from its checkpoint (``sphere.cockpit.whatif``)
``dry_run``        a campaign's dry run over its whole audience, grouped by facts
``retention``      ``sphere retention run`` (one transaction: all or nothing)
``request``        carry out a verified data-subject request, e.g. an erasure with its
                   full cascade (one transaction)
``export``         the Art. 15/20 archive of one person, kept encrypted under their key
                   for 24 hours (an erasure makes it unreadable)
``audit_verify``   verify the whole hash chain in batches, resumable
``findings``       a snapshot of every finding on a large installation
                   (``sphere.jobs.findings``)
``crm_sync``       drain the CRM sync's outbox in batches, one transaction each
                   (``sphere.rights.crm_sync``; also every minute in ``sphere serve``)
=================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sphere.domain.controller import ControllerProfile
from sphere.errors import InvalidInput, SphereError
from sphere.i18n import N_
from sphere.jobs.context import JobContext
from sphere.storage.db import allows_concurrent_writers

Handler = Callable[[JobContext], dict[str, Any]]
EXPORT_KEEP = timedelta(hours=24)


def _draft(ctx: JobContext, session: Any) -> Any:
    from sphere.cockpit.whatif import make_draft

    return make_draft(
        session, yaml=ctx.params.get("yaml"), disable_rule=ctx.params.get("disable_rule")
    )


def whatif(ctx: JobContext) -> dict[str, Any]:
    from sphere.cockpit.whatif import what_if

    with ctx.read_session() as session:  # reads only: writers go on meanwhile
        draft = _draft(ctx, session)
        result = what_if(session, ctx.keyring, draft, now=ctx.now, progress=ctx.progress)
    return result.to_dict()


def policy_apply(ctx: JobContext) -> dict[str, Any]:
    from sphere.cockpit.apply import apply_in_batches

    return apply_in_batches(ctx)


def dry_run(ctx: JobContext) -> dict[str, Any]:
    """A campaign's dry run. On PostgreSQL in one transaction (a long one holds up no
    page there). On SQLite (one writer at a time: a page waiting longer than the 15 s
    busy timeout failed with "database is locked") in three: the Art. 14 duties synced
    in a short writing transaction, the audience read and judged in a read-only one
    (100,000 contacts: most of the run), the verdicts stored and audited in a short
    writing one. What changed between the read and the write is handled as if the dry
    run had finished just before it: the send checks every person again at send time;
    a contact erased meanwhile gets no line; a campaign or measure edited meanwhile
    fails the job ("run it again")."""
    from sphere.governance.policy_versions import active_policy
    from sphere.marketing.campaigns import dry_run as run_dry
    from sphere.marketing.dry_run import judge_audience, store_judged
    from sphere.rights.notices import sync_duties

    name = ctx.params["campaign"]
    if allows_concurrent_writers(ctx.deps.factory):
        with ctx.session() as session:
            report = run_dry(
                session, ctx.keyring, active_policy(session), name,
                now=ctx.now, actor=ctx.job.created_by, progress=ctx.progress,
            )  # fmt: skip
        return report.summary()
    with ctx.session() as session:
        sync_duties(session, active_policy(session), incremental=True)
    with ctx.read_session() as session:
        judged = judge_audience(
            session, active_policy(session), name, now=ctx.now, progress=ctx.progress
        )
    with ctx.session() as session:
        report = store_judged(
            session, name, judged, now=ctx.now, actor=ctx.job.created_by, progress=ctx.progress
        )
    return report.summary()


def retention(ctx: JobContext) -> dict[str, Any]:
    from sphere.rights.retention import run_retention

    ctx.progress(0, None, "finding what is due")
    with ctx.session() as session:
        result = run_retention(
            session,
            ctx.keyring,
            now=ctx.now,
            actor=ctx.job.created_by,
            dry_run=bool(ctx.params.get("dry_run")),
            systems=ctx.deps.connected_systems(),
        )
        ctx.progress(1, 1, "committing")
    return result.to_dict()


def request(ctx: JobContext) -> dict[str, Any]:
    from sphere.governance.policy_versions import active_policy
    from sphere.portal.requests import carry_out

    ctx.progress(0, 1, "carrying out the request")
    with ctx.session() as session:
        done = carry_out(
            session,
            ctx.keyring,
            active_policy(session),
            ctx.params["request_id"],
            at=ctx.now,
            actor=ctx.job.created_by,
            systems=ctx.deps.connected_systems(),
        )
    return {
        "request_id": done.request_id,
        "type": done.type,
        "counts": done.counts,
        "open_systems": list(done.open_systems),
    }


def _controller(ctx: JobContext) -> ControllerProfile | None:
    """The controller profile of ``company.yaml`` for the export (None if unreadable)."""
    from sphere.channels.company import load_company_profile

    path = ctx.deps.settings.resolved_company_file
    try:
        return load_company_profile(path).controller if path.is_file() else None
    except InvalidInput:
        return None


def export(ctx: JobContext) -> dict[str, Any]:
    """Everything held about one person as the Art. 15/20 archive, for staff: kept
    encrypted under the person's key for 24 hours (an erasure makes it unreadable, the
    retention run deletes it), audited ``subject.exported``."""
    from sphere.audit import record as audit
    from sphere.governance.policy_versions import active_policy
    from sphere.rights.access import access_report, export_archive
    from sphere.storage.repositories.jobs import JobRepository

    contact_id = ctx.params["contact_id"]
    ctx.progress(0, 2, "reading everything held")
    with ctx.session() as session:
        report = access_report(
            session,
            ctx.keyring,
            active_policy(session),
            contact_id,
            now=ctx.now,
            controller=_controller(ctx),
            systems=ctx.deps.connected_systems(),
        )
        ctx.progress(1, 2, "writing the archive")
        archive = export_archive(report)
        JobRepository(session).add_artifact(
            ctx.job.id,
            name=f"data-{contact_id[:8]}-{ctx.now:%Y-%m-%d}.zip",
            media_type="application/zip",
            key_id=contact_id,
            ciphertext=ctx.keyring.encrypt_for(session, contact_id, archive),
            at=ctx.now,
            expires_at=ctx.now + EXPORT_KEEP,
        )
        audit(
            session,
            actor=ctx.job.created_by,
            action="subject.exported",
            subject_id=contact_id,
            object_ids=(ctx.job.id,),
            details={"bytes": len(archive), "kept_hours": int(EXPORT_KEEP.total_seconds() // 3600)},
            at=ctx.now,
        )
    return {"contact_id": contact_id, "bytes": len(archive)}


def audit_verify(ctx: JobContext) -> dict[str, Any]:
    """The whole chain against the signed checkpoints (as ``sphere audit verify``), in
    batches of 10,000 with a checkpoint each, so a stopped run resumes where it was."""
    from sphere.audit import verify
    from sphere.audit.checkpoint import load_checkpoints
    from sphere.audit.keys import load_audit_keys
    from sphere.storage.repositories.audit import GENESIS_HASH, AuditRepository

    settings = ctx.deps.settings
    keys = load_audit_keys(settings)
    checkpoints = (
        load_checkpoints(settings.resolved_audit_checkpoint_dir, keys.public_key)
        if keys.public_key is not None
        else []
    )
    point = ctx.job.checkpoint or {}
    keyed = point.get("keyed")
    start = (int(point.get("seq", 0)), str(point.get("hash", GENESIS_HASH)), keyed)
    with ctx.session() as session:
        total = AuditRepository(session).head()[0]
    ctx.progress(start[0], total, "verifying the hash chain")

    def step(seq: int, digest: str, keyed_seen: int | None) -> None:
        ctx.progress(seq, total)
        with ctx.session() as session:
            ctx.checkpoint(session, {"seq": seq, "hash": digest, "keyed": keyed_seen}, done=seq)

    # Verifying only reads: on SQLite a writing unit of work would hold the one write lock
    # for the whole chain (staff log-ins failed with "database is locked" meanwhile) and
    # block its own checkpoints, which commit in short transactions of their own.
    with ctx.read_session() as session:
        result = verify(
            session, batch=10_000, keys=keys, checkpoints=checkpoints, start=start, progress=step
        )
    return {
        **result.as_dict(),
        "verified_seq": result.last_seq,
        "verified_hash": result.last_hash,
        "first_keyed_seq": result.first_keyed_seq,
        "head": total,
        "resumed_from": start[0],
        "signed_checkpoints": len(checkpoints),
    }


def findings(ctx: JobContext) -> dict[str, Any]:
    """A snapshot of every finding (``sphere.jobs.findings``) in three units of work, so
    that on SQLite the one write lock is held only for moments (a page waiting for it
    longer than the busy timeout failed with "database is locked"): the Art. 14 duties
    the stored records imply are synced in a short writing transaction; the findings
    (seconds to a minute at a million records) are computed in a read-only one; which
    findings were found is stored (``observe_findings``) in a short writing one.

    Records committed between the sync and the read (live intake) may lack their duty in
    this snapshot: the pipeline syncs the duties of what it stores (and the next snapshot
    would), and a snapshot is "as of" its read anyway. Findings that change between the
    read and the observation are observed as read — the same as a computation a moment
    earlier; the next snapshot observes the change."""
    from sphere.channels.company import load_company_profile
    from sphere.cockpit.finding_states import observe_findings
    from sphere.cockpit.record import build_record
    from sphere.cockpit.toms import SecurityFacts, build_catalogue
    from sphere.domain.controller import ControllerProfile
    from sphere.errors import InvalidInput
    from sphere.governance.policy_versions import active_policy
    from sphere.jobs.findings import snapshot_result
    from sphere.rights.notices import sync_duties

    settings = ctx.deps.settings
    try:
        controller = load_company_profile(settings.resolved_company_file).controller
    except InvalidInput:
        controller = ControllerProfile()  # no file, or a broken one (the cockpit says so)
    ctx.progress(0, 3, "syncing Art. 14 duties")
    with ctx.session() as session:
        sync_duties(session, active_policy(session), incremental=True)
    ctx.progress(1, 3, "computing findings")
    with ctx.read_session() as session:
        policy = active_policy(session)
        security = build_catalogue(
            session, policy, SecurityFacts.from_settings(settings), now=ctx.now
        )
        try:
            systems = ctx.deps.connected_systems().inventory()  # type: ignore[attr-defined]
        except SphereError:
            systems = []  # a broken definition: the systems page names it
        record = build_record(
            session, policy, now=ctx.now, controller=controller, security=security,
            systems=systems,
        )  # fmt: skip
        found, result = snapshot_result(
            session, record, policy, now=ctx.now, keyring=ctx.keyring,
            company_handles=frozenset(ctx.params.get("company_handles", ())),
        )  # fmt: skip
    ctx.progress(2, 3, "storing")
    with ctx.session() as session:
        observe_findings(session, found, at=ctx.now)
    return result


def crm_sync(ctx: JobContext) -> dict[str, Any]:
    from sphere.rights.crm_sync import backfill, drain

    target: Any = ctx.deps.connected_systems()
    if ctx.params.get("backfill"):
        with ctx.session() as session:
            backfill(session, ctx.keyring, at=ctx.now, actor=ctx.job.created_by)
    ctx.progress(0, None, "sending to the CRM")
    result = drain(
        ctx.deps.factory,
        ctx.keyring,
        target,
        now=ctx.deps.clock.now,
        actor=ctx.job.created_by,
        progress=lambda r: ctx.progress(r.pushed + r.removed, None, "sending to the CRM"),
    )
    return result.to_dict()


KINDS: dict[str, Handler] = {
    "whatif": whatif,
    "policy_apply": policy_apply,
    "dry_run": dry_run,
    "retention": retention,
    "request": request,
    "export": export,
    "audit_verify": audit_verify,
    "findings": findings,
    "crm_sync": crm_sync,
}
# English titles, marked for the catalogues (a page translates them).
TITLES = {
    "whatif": N_("What-if preview"),
    "policy_apply": N_("Policy apply"),
    "dry_run": N_("Campaign dry run"),
    "retention": N_("Retention run"),
    "request": N_("Data-subject request"),
    "export": N_("Data export"),
    "audit_verify": N_("Audit chain verification"),
    "findings": N_("Findings snapshot"),
    "crm_sync": N_("CRM sync"),
}


def handler_for(kind: str) -> Handler:
    try:
        return KINDS[kind]
    except KeyError:
        raise InvalidInput(f"unknown job kind {kind!r}; known: {', '.join(KINDS)}") from None
