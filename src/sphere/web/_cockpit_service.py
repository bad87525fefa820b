"""Glue shared by the cockpit API and pages: the policy in force, drafts from a request,
the actor token for audit entries. No business rules: those are in ``sphere.cockpit``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sphere.accounts import Principal
from sphere.cockpit.findings import Finding, compute_findings
from sphere.cockpit.record import ProcessingRecord, build_record
from sphere.cockpit.whatif import draft_from_yaml, draft_without_rule
from sphere.errors import InvalidInput
from sphere.governance.policy_versions import active_policy
from sphere.policy import Policy
from sphere.web.runtime import WebRuntime


def actor_of(principal: Principal) -> str:
    """``dpo:<user id>`` / ``admin:<token id>``: a token for audit entries (no names)."""
    return f"{principal.role.value}:{principal.user_id or principal.credential_id}"


def make_draft(db: Session, *, yaml: str | None, disable_rule: str | None) -> Policy:
    """Exactly one of: a YAML draft, or the policy in force with one rule switched off."""
    if bool(yaml and yaml.strip()) == bool(disable_rule):
        raise InvalidInput("give either a policy draft (yaml) or a rule to switch off")
    if disable_rule:
        return draft_without_rule(active_policy(db), disable_rule)
    return draft_from_yaml(yaml or "", source="<draft>")


def company_handles(runtime: WebRuntime) -> frozenset[str]:
    profile = runtime.core.company_profile()
    accounts = getattr(profile, "accounts", {}) or {}
    return frozenset(a.lstrip("@").lower() for values in accounts.values() for a in values)


def record_and_findings(db: Session, runtime: WebRuntime) -> tuple[ProcessingRecord, list[Finding]]:
    now = runtime.clock.now()
    policy = active_policy(db)
    record = build_record(db, policy, now=now)
    findings = compute_findings(
        db,
        runtime.keyring,
        record,
        now=now,
        company_handles=company_handles(runtime),
        policy=policy,
    )
    return record, findings
