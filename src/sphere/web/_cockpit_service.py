"""Glue shared by the cockpit API and pages: the policy in force, drafts from a request,
the actor token for audit entries. No business rules: those are in ``sphere.cockpit``."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from sphere.accounts import Principal
from sphere.cockpit.dashboard import Trends, compute_trends
from sphere.cockpit.record import ProcessingRecord, build_record
from sphere.cockpit.toms import SecurityFacts, TomCatalogue, build_catalogue
from sphere.cockpit.whatif import make_draft as _make_draft
from sphere.errors import SphereError
from sphere.governance.policy_versions import active_policy
from sphere.jobs.findings import FindingsSettings, FindingsView, current_findings, snapshot_trends
from sphere.policy import Policy
from sphere.web.log_redaction import ACCESS_LOGGER, RedactingFilter
from sphere.web.runtime import WebRuntime


def actor_of(principal: Principal) -> str:
    """``dpo:<user id>`` / ``admin:<token id>``: a token for audit entries (no names)."""
    return f"{principal.role.value}:{principal.user_id or principal.credential_id}"


def make_draft(db: Session, *, yaml: str | None, disable_rule: str | None) -> Policy:
    """Exactly one of: a YAML draft, or the policy in force with one rule switched off.
    Loaded here, in the request, so a broken draft answers at once with its line and
    column (a ``PolicyError``) instead of failing later in a job."""
    return _make_draft(db, yaml=yaml, disable_rule=disable_rule)


def company_handles(runtime: WebRuntime) -> frozenset[str]:
    profile = runtime.core.company_profile()
    accounts = getattr(profile, "accounts", {}) or {}
    return frozenset(a.lstrip("@").lower() for values in accounts.values() for a in values)


def security_facts(runtime: WebRuntime) -> SecurityFacts:
    """The configuration the measures catalogue evidences (core and web settings, and
    whether this process's access log carries the redacting filter)."""
    web = runtime.web
    logger = logging.getLogger(ACCESS_LOGGER)
    return SecurityFacts.from_settings(
        runtime.settings,
        max_body_bytes=web.max_body_bytes,
        session_idle_minutes=web.session_idle_minutes,
        login_max_failures=web.login_max_account_failures,
        login_lockout_minutes=web.login_lockout_minutes,
        cookie_secure=web.cookie_secure,
        log_redaction=any(isinstance(f, RedactingFilter) for f in logger.filters),
    )


def tom_catalogue(db: Session, runtime: WebRuntime, policy: Policy | None = None) -> TomCatalogue:
    """The Art. 32 catalogue as of now (``sphere.cockpit.toms``)."""
    policy = policy if policy is not None else active_policy(db)
    return build_catalogue(db, policy, security_facts(runtime), now=runtime.clock.now())


def connected_inventory(runtime: WebRuntime) -> list[dict[str, str]]:
    """The connected systems for the record (none while a definition is broken: the
    systems page names the file and line)."""
    try:
        return runtime.core.connected_systems().inventory()
    except SphereError:
        return []


def _record(db: Session, runtime: WebRuntime, policy: Policy) -> ProcessingRecord:
    return build_record(db, policy, now=runtime.clock.now(),
                        controller=runtime.company_contact(),
                        security=tom_catalogue(db, runtime, policy),
                        systems=connected_inventory(runtime))  # fmt: skip


def record_only(db: Session, runtime: WebRuntime) -> ProcessingRecord:
    """The record of processing (Art. 30) from the held read model, without findings:
    with the controller (Art. 30(1)(a)) and the measures (Art. 30(1)(g))."""
    return _record(db, runtime, active_policy(db))


def _findings_settings(runtime: WebRuntime) -> FindingsSettings:
    web = runtime.web
    return FindingsSettings(
        inline_max=web.findings_inline_max_records,
        max_age=timedelta(seconds=web.findings_max_age_seconds),
        wait=web.job_wait_seconds,
    )


def home_trends(db: Session, runtime: WebRuntime) -> Trends:
    """The home's per-day figures: from the newest findings snapshot on a large
    installation, computed now on a small one."""
    stored = snapshot_trends(db, _findings_settings(runtime))
    return stored if stored is not None else compute_trends(db, now=runtime.clock.now())


def record_and_findings(
    db: Session, runtime: WebRuntime, *, actor: str = "system:cockpit"
) -> tuple[ProcessingRecord, FindingsView]:
    """The record and the findings to show with it: computed now on a small
    installation, from the newest snapshot job on a large one (``sphere.jobs.findings``)."""
    now = runtime.clock.now()
    policy = active_policy(db)
    record = _record(db, runtime, policy)
    view = current_findings(
        db,
        runtime.core,
        runtime.jobs,
        record,
        policy,
        now=now,
        company_handles=company_handles(runtime),
        settings=_findings_settings(runtime),
        actor=actor,
    )
    return record, view
