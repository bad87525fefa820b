"""Issue 13, point 3: a 14-year-old who writes "ich bin 14" to the company is flagged as a
minor with provenance and is not profiled, enriched or advertised to without a holder of
parental responsibility's consent (GDPR Art. 8(1), Recital 38)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from sphere.cockpit.findings import compute_findings
from sphere.cockpit.record import build_record
from sphere.consent.ledger import grant
from sphere.domain import IdentityKind, Purpose
from sphere.marketing.campaigns import dry_run
from sphere.marketing.enrichment import enrich_contact
from sphere.marketing.measures import check_stored, parse_measure
from sphere.marketing.planning import Verdict
from sphere.pipeline.runner import ingest_file
from sphere.runtime import Runtime
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.tables import AuditEntryRow, DecisionRow
from tests.factories import CRM_HEADER, crm_row, mastodon_status, write_jsonl
from tests.integration.legal.conftest import NEWSLETTER, newsletter_campaign
from tests.integration.rights.scenario import Customer, ingest


def _post(rt: Runtime, tmp_path: Path, text: str, status_id: str = "70") -> None:
    path = write_jsonl(tmp_path / f"p{status_id}.jsonl",
                       [mastodon_status(status_id, text, mention_company=True)])  # fmt: skip
    ingest(rt, path, "masto")


def test_age_statement_flags_a_minor_and_stops_marketing_and_profiling(
    rt: Runtime, lena: Customer, tmp_path: Path
) -> None:
    with rt.session() as session:
        grant(session, lena.contact_id, Purpose.PROFILING, channel="portal", at=rt.clock.now(),
              actor="test")  # fmt: skip
    _post(rt, tmp_path, "ich bin 14 und mein Tele 70-200 wackelt, könnt ihr helfen?")
    with rt.session() as session:
        contact = ContactRepository(session, rt.keyring).get(lena.contact_id)
        assert contact.is_minor and contact.minor_evidence == "statement:mastodon:70"
        flagged = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "subject.minor_flagged")
        ).one()
        assert flagged.subject_id == lena.contact_id and flagged.details["age_of_consent"] == 16
        # the post itself is answered (customer care), never used for enrichment
        decision = session.scalars(
            select(DecisionRow).where(DecisionRow.record_ref.like("%:70"))
        ).one()
        assert decision.purpose == "customer_care"
        enriched = enrich_contact(session, rt.keyring, rt.policy(), lena.contact_id,
                                  now=rt.clock.now(), actor="mkt")  # fmt: skip
        assert enriched.refusal is not None
        assert enriched.refusal.code == "minor.no-guardian-consent"
        assert enriched.stored == ()
        planning = check_stored(session, rt.keyring, rt.policy(), parse_measure(NEWSLETTER),
                                now=rt.clock.now())  # fmt: skip
    assert any(r.code == "minor.no-guardian-consent" for r in planning.exclusions)


def test_minor_in_a_campaign_audience_is_excluded_and_found(
    rt: Runtime, lena: Customer, tmp_path: Path
) -> None:
    newsletter_campaign(rt)  # approved while nobody is known to be a minor
    _post(rt, tmp_path, "Ich bin 14 Jahre alt. Wann kommt das Makro 100?")
    with rt.session() as session:
        report = dry_run(session, rt.keyring, rt.policy(), "tele", now=rt.clock.now(), actor="m")
        lines = {line.contact_id: line for line in report.lines}
        assert not lines[lena.contact_id].allowed
        assert lines[lena.contact_id].code == "minor.no-guardian-consent"
        assert "parental responsibility" in lines[lena.contact_id].reason
        findings = compute_findings(session, rt.keyring, build_record(session, rt.policy(),
                                    now=rt.clock.now()), now=rt.clock.now())  # fmt: skip
    minors = next(f for f in findings if f.code == "minors.in-marketing")
    assert lena.contact_id in minors.object_ids and "campaign 'tele'" in minors.evidence

    # a holder of parental responsibility consents: reachable, but the DPO must approve
    with rt.session() as session:
        grant(session, lena.contact_id, Purpose.DIRECT_MARKETING, channel="letter",
              at=rt.clock.now(), actor="staff:dpo", guardian=True)  # fmt: skip
        planning = check_stored(session, rt.keyring, rt.policy(), parse_measure(NEWSLETTER),
                                now=rt.clock.now())  # fmt: skip
        again = dry_run(session, rt.keyring, rt.policy(), "tele", now=rt.clock.now(), actor="m")
    assert lena.contact_id in {line.contact_id for line in again.reached}
    assert planning.verdict is Verdict.NEEDS_DPO_APPROVAL
    assert any(r.code == "vulnerable.minors" for r in planning.reasons)


def test_crm_birth_date_and_member_state_threshold(rt: Runtime, tmp_path: Path) -> None:
    crm = tmp_path / "kids.csv"
    header = CRM_HEADER.rstrip("\n") + ",birth_date\n"
    crm.write_text(
        header
        + crm_row("K-2001", "kind@example.com").rstrip("\n") + ",2011-05-03\n"
        + crm_row("K-2002", "adult@example.com").rstrip("\n") + ",1980-01-01\n",
        encoding="utf-8",
    )  # fmt: skip
    ingest(rt, crm, "crm")
    with rt.session() as session:
        contacts = ContactRepository(session, rt.keyring)
        kid = contacts.find_by_identity(IdentityKind.CUSTOMER_NUMBER, "K-2001")
        adult = contacts.find_by_identity(IdentityKind.CUSTOMER_NUMBER, "K-2002")
        assert kid is not None and adult is not None
        assert kid.is_minor and kid.minor_evidence == "birth_date:crm:crm"
        assert not adult.is_minor


def test_the_age_of_consent_follows_the_member_state(rt: Runtime, lena: Customer,
                                                     tmp_path: Path) -> None:  # fmt: skip
    ctx = replace(rt.pipeline_context(), minor_age=15)  # e.g. France (Art. 8(1), 15)
    post = mastodon_status("71", "I'm 15 and love my Makro 100", mention_company=True)
    path = write_jsonl(tmp_path / "fr.jsonl", [post])
    ingest_file(rt.factory, ctx, path, source_name="masto")
    with rt.session() as session:
        assert not ContactRepository(session, rt.keyring).get(lena.contact_id).is_minor
    _post(rt, tmp_path, "I'm 15 and love my Makro 100", status_id="72")  # Germany: 16
    with rt.session() as session:
        assert ContactRepository(session, rt.keyring).get(lena.contact_id).is_minor
