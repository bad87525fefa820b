"""Cockpit services on data seeded through the real pipeline (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sphere.accounts import Role
from sphere.audit import latest, verify
from sphere.cockpit.audit_trail import audit_trail
from sphere.cockpit.findings import compute_findings, unencrypted_personal_columns
from sphere.cockpit.inventory import build_inventories
from sphere.cockpit.policy_history import policy_versions, version_diff
from sphere.cockpit.record import build_record, record_to_jsonld
from sphere.cockpit.record_pdf import record_to_pdf
from sphere.cockpit.timeline import contact_timeline
from sphere.cockpit.whatif import apply_draft, draft_from_yaml, draft_without_rule, what_if
from sphere.errors import InvalidInput, NotFound, PolicyError
from sphere.governance.policy_versions import active_policy
from sphere.runtime import Runtime
from sphere.storage.tables import DecisionRow, InteractionRow

HANDLES = frozenset({"optiklinse"})


def _count(rt: Runtime, table) -> int:  # noqa: ANN001
    with rt.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_record_is_built_live_from_policy_and_data(seeded: Runtime) -> None:
    with seeded.session() as session:
        record = build_record(session, active_policy(session), now=seeded.clock.now())
    care = record.activity("customer_care")
    assert (care.interactions, care.contacts) == (2, 1)  # linked + pseudonymised
    assert [s.name for s in care.sources] == ["masto"]
    assert care.sources[0].collection == "official_api"
    assert care.legal_basis_article == "GDPR Art. 6(1)(f)" and care.retention_days == 180
    enrichment = record.activity("enrichment")
    # the test company recorded its DPIAs (runtime_for_tests); without one nothing would be
    # stored for enrichment at all (Art. 35(1): tests/integration/legal/test_dpia_gate.py)
    assert enrichment.records == 1 and enrichment.dpia_status.startswith("approved (DPIA-")
    service = record.activity("service_provision")
    assert service.contacts >= 1 and service.last_run is not None
    assert record.activity("web_analytics").records == 0


def test_record_and_inventories_name_the_same_sources_and_counts(seeded: Runtime) -> None:
    """One read model behind both: an activity holding records names where they came
    from (imported contacts: the CRM), and the data flows of its purpose add up to its
    records (issue 16: the record said "Sources: none yet" for 300 imported contacts
    while the inventories counted them)."""
    with seeded.session() as session:
        record = build_record(session, active_policy(session), now=seeded.clock.now())
        inventories = build_inventories(session, record, [])
    service = record.activity("service_provision")
    assert service.records >= 1 and [s.name for s in service.sources] == ["crm"]
    assert service.sources[0].collection == "export"
    for activity in record.activities:
        flows = [f for f in inventories.flows if f.purpose == activity.purpose and f.records]
        assert sum(f.records for f in flows) == activity.records, activity.purpose
        assert {f.source for f in flows} == {s.name for s in activity.sources}
    crm = next(i for i in inventories.infrastructure if i.name == "crm")
    assert crm.records == service.records


def test_record_exports_dpv_jsonld_and_pdf(seeded: Runtime) -> None:
    with seeded.session() as session:
        record = build_record(session, active_policy(session), now=seeded.clock.now())
    document = record_to_jsonld(record, controller="Optiklinse GmbH")
    assert document["@context"]["dpv"] == "https://w3id.org/dpv#"
    handlings = {
        h["dpv:hasPurpose"]["rdfs:label"]: h for h in document["dpv:hasPersonalDataHandling"]
    }
    care = handlings["customer_care"]
    assert care["@type"] == "dpv:PersonalDataHandling"
    assert care["dpv:hasLegalBasis"][0]["@id"] == "eu-gdpr:A6-1-f"
    assert care["dpv:hasStorageCondition"]["dpv:hasDuration"]["rdfs:label"] == "P180D"
    impact = handlings["enrichment"]["dpv:hasImpactAssessment"]
    assert impact["dpv:hasStatus"].startswith("approved (DPIA-")
    pdf = record_to_pdf(record, controller="Optiklinse <GmbH> (→ test)")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 1500


def test_findings_have_evidence_and_links(seeded: Runtime) -> None:
    with seeded.session() as session:
        record = build_record(session, active_policy(session), now=seeded.clock.now())
        findings = compute_findings(
            session, seeded.keyring, record, now=seeded.clock.now(), company_handles=HANDLES
        )
        codes = {f.code: f for f in findings}
        assert "scraped" in codes["source.scraper"].evidence
        assert "dpia.missing" not in codes  # approved DPIAs on record; else processing is held
        assert "retention.expired" not in codes
        assert "storage.unencrypted-personal-field" not in codes
        assert all(f.link.startswith("/cockpit/") for f in findings)
        inventories = build_inventories(session, record, findings)
    assert {p.area for p in inventories.processes} >= {"marketing", "sales", "service"}
    masto = [f for f in inventories.flows if f.source == "masto"]
    assert sum(f.records for f in masto) == 3
    scraped = next(i for i in inventories.infrastructure if i.name == "scraped")
    assert scraped.findings == ("source.scraper",)


def test_retention_finding_after_deadline(seeded: Runtime) -> None:
    seeded.clock.advance(timedelta(days=200))  # past customer care's 180 days
    with seeded.session() as session:
        record = build_record(session, active_policy(session), now=seeded.clock.now())
        findings = compute_findings(session, seeded.keyring, record, now=seeded.clock.now())
    expired = next(f for f in findings if f.code == "retention.expired")
    assert expired.count == 2 and "2 interactions" in expired.evidence


def test_schema_has_no_clear_personal_columns() -> None:
    assert unencrypted_personal_columns() == []


def test_whatif_changes_nothing_and_counts_per_rule(seeded: Runtime) -> None:
    with seeded.session() as session:
        draft = draft_without_rule(active_policy(session), "customer-care.addressed")
        result = what_if(session, seeded.keyring, draft, now=seeded.clock.now())
    assert result.records >= 4 and result.not_reproduced == 0
    assert result.changed == 2 and result.no_longer_stored == 1
    assert "customer_care" in result.activities_affected
    assert (result.campaigns, result.campaigns_checked, result.campaign_shifts) == (0, 0, ())
    pairs = {(s.old_rule, s.new_rule): s for s in result.shifts}
    moved = pairs[("customer-care.addressed", "enrichment.verified-product-content")]
    assert moved.count == 1 and not moved.no_longer_stored
    assert moved.examples[0].facts["addressing"] == "addressed"
    assert "customer-care.addressed" in result.diff.rules_removed
    assert _count(seeded, InteractionRow) == 3  # nothing deleted by a what-if


def test_whatif_with_unchanged_policy_changes_nothing(seeded: Runtime) -> None:
    with seeded.session() as session:
        same = draft_from_yaml(active_policy(session).text or "")
        result = what_if(session, seeded.keyring, same, now=seeded.clock.now())
    assert result.changed == 0 and result.shifts == ()


def test_drafts_reject_bad_input(seeded: Runtime) -> None:
    with seeded.session() as session, pytest.raises(NotFound):
        draft_without_rule(active_policy(session), "no.such-rule")
    with pytest.raises(PolicyError):
        draft_from_yaml("version: [")


def test_apply_deletes_what_is_no_longer_permitted_with_audit(seeded: Runtime) -> None:
    with seeded.session() as session:
        draft = draft_without_rule(active_policy(session), "customer-care.addressed")
        result = apply_draft(
            session, seeded.keyring, draft, actor="dpo:test", now=seeded.clock.now()
        )
    assert result.deleted_interactions == 1 and result.decisions_appended == 1
    assert _count(seeded, InteractionRow) == 2
    with seeded.session() as session:
        assert active_policy(session).version == draft.version
        actions = [e.action for e in latest(session, limit=5)]
        assert actions[0] == "policy.reevaluated"
        assert "interaction.deleted" in actions and "policy.applied" in actions
        assert verify(session).ok
        moved = session.scalars(
            select(DecisionRow).where(DecisionRow.rule_id == "enrichment.verified-product-content")
        ).all()
        assert len(moved) == 2  # the enrichment post, and the re-decided care post
        versions = policy_versions(session)
        assert versions[0].is_active and versions[0].version == draft.version
        entry, diff = version_diff(session, versions[0].id)
        assert diff.rules_removed == ("customer-care.addressed",)
        # the what-if against the new policy in force is now empty
        again = what_if(session, seeded.keyring, draft, now=seeded.clock.now())
        assert again.changed == 0


def test_audit_trail_pages_filters_and_verifies(seeded: Runtime) -> None:
    with seeded.session() as session:
        first = audit_trail(session, per_page=3)
        second = audit_trail(session, per_page=3, before=first.next_before)
        stored = audit_trail(session, per_page=200, action="interaction.stored")
        consents = audit_trail(session, per_page=200, action="consent.")
        by_actor = audit_trail(session, per_page=200, actor="pipeline")
        none = audit_trail(session, per_page=200, until=datetime(2000, 1, 1, tzinfo=UTC))
        with pytest.raises(InvalidInput):
            audit_trail(session, per_page=0)
    assert first.verification.ok and first.total >= 6
    assert len(first.entries) == 3 and first.entries[0].seq == first.total
    assert second.entries[0].seq == first.entries[-1].seq - 1 == first.next_before - 1
    assert stored.entries and {e.action for e in stored.entries} == {"interaction.stored"}
    assert all(e.action.startswith("consent.") for e in consents.entries)
    assert by_actor.entries and {e.actor for e in by_actor.entries} == {"pipeline"}
    assert none.entries == () and none.next_before is None


def _customer(rt: Runtime) -> str:
    with rt.session() as session:
        return session.scalar(
            select(InteractionRow.contact_id).where(InteractionRow.contact_id.is_not(None))
        )


@pytest.mark.parametrize(
    ("role", "visible"),
    [(Role.DPO, 2), (Role.AUDITOR, 2), (Role.AGENT, 1), (Role.MARKETER, 1)],
    ids=["dpo", "auditor", "agent-sees-care-only", "marketer-sees-enrichment-only"],
)
def test_timeline_filters_by_role_with_reasons(seeded: Runtime, role: Role, visible: int) -> None:
    contact_id = _customer(seeded)
    with seeded.session() as session:
        timeline = contact_timeline(
            session, seeded.keyring, contact_id, role=role, actor="staff:1", at=seeded.clock.now()
        )
        viewed = latest(session, limit=1)[0]
    assert len(timeline.items) == 2
    assert sum(i.visible for i in timeline.items) == visible
    assert viewed.action == "staff.timeline_viewed" and viewed.subject_id == contact_id
    assert viewed.actor == "staff:1"
    assert viewed.details == {"role": role.value, "shown": visible, "hidden": 2 - visible}
    for item in timeline.items:
        if item.visible:
            assert item.text
        else:
            assert item.text is None and "purpose limitation" in (item.hidden_reason or "")


def test_timeline_unknown_contact(seeded: Runtime) -> None:
    with seeded.session() as session, pytest.raises(NotFound):
        contact_timeline(
            session,
            seeded.keyring,
            "no-such-contact",
            role=Role.DPO,
            actor="staff:1",
            at=seeded.clock.now(),
        )


def test_a_policy_in_force_that_a_later_check_refuses_still_loads_and_is_a_finding(
    seeded: Runtime,
) -> None:
    """An installation upgraded past the C-252/21 check keeps working: the version in force
    (applied under the earlier checks) loads with a warning and a high finding, while a
    draft with the same text is refused with its line and column."""
    from sphere.policy import default_policy_path, load_policy_text
    from sphere.storage.repositories.policies import PolicyVersionRepository

    text = default_policy_path().read_text(encoding="utf-8")
    profiling = "  profiling:\n    dpv: dpv:CreatePersonalizedRecommendations\n"
    assert text.count(profiling + "    legal_basis: art6_1_a\n") == 1
    old = text.replace(
        profiling + "    legal_basis: art6_1_a\n",
        profiling + "    legal_basis: art6_1_f\n    balancing_test: recommendations expected\n",
    )
    with pytest.raises(PolicyError, match="C-252/21") as refused:
        load_policy_text(old, source="draft.yaml")
    assert refused.value.line is not None
    with seeded.session() as session:
        repository = PolicyVersionRepository(session)
        stored = repository.store(old, version="2025.9", applied_by="test", at=seeded.clock.now())
        repository.activate(stored.id)
    with seeded.session() as session:
        policy = active_policy(session)
        assert policy.warnings and "C-252/21" in policy.warnings[0]
        record = build_record(session, policy, now=seeded.clock.now())
        findings = compute_findings(
            session, seeded.keyring, record, now=seeded.clock.now(), policy=policy
        )
    outdated = next(f for f in findings if f.code == "policy.outdated")
    assert outdated.severity == "high" and "purpose" in outdated.evidence
