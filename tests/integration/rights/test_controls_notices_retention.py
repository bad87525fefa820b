"""Restriction, objection, rectification, Art. 14 duties and the retention run."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update

from sphere.audit import latest, verify
from sphere.consent.ledger import grant
from sphere.domain import AttributeKind, IdentityKind, LegalBasis, Purpose
from sphere.dsr.notice import Party
from sphere.rights.controls import object_to_processing, rectify_identity, restrict
from sphere.rights.notices import due_duties, send_notices
from sphere.rights.retention import run_retention
from sphere.storage.entities import NewAttribute, SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.rights_tables import NoticeDutyRow
from sphere.storage.tables import InteractionRow
from tests.factories import mastodon_status, write_jsonl
from tests.integration.rights.scenario import EMAIL, derive_profile, ingest, seed_customer

CONTROLLER = Party("Optiklinse GmbH", "datenschutz@example.com")
AUTHORITY = Party("Berliner Beauftragte für Datenschutz", "https://example.org/bln")


def test_restricted_contact_gets_no_new_linked_records(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    with rt.session() as session:
        restrict(session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="dpo")
    ingest(
        rt, write_jsonl(tmp_path / "r.jsonl", [mastodon_status("50", "Makro 100 Frage")]), "masto"
    )
    with rt.session() as session:
        linked = session.scalars(
            select(InteractionRow.source_id).where(InteractionRow.contact_id == customer.contact_id)
        ).all()
        assert "50" not in linked and len(linked) == 2  # kept, frozen, nothing added
        assert latest(session, limit=50)[-1].seq >= 1


def test_objection_removes_marketing_and_profiling_data_for_good(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    _, interest, score = derive_profile(rt, customer)
    with rt.session() as session:
        removed = object_to_processing(
            session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="subject"
        )
        contact = ContactRepository(session, rt.keyring).get(customer.contact_id)
    assert set(removed) == {interest, score}
    assert contact.objected_marketing and contact.objected_profiling


def test_rectification_replaces_the_identity_and_audits_without_values(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    with rt.session() as session:
        rectify_identity(
            session,
            rt.keyring,
            customer.contact_id,
            IdentityKind.EMAIL,
            EMAIL,
            "lena.neu@example.com",
            at=rt.clock.now(),
            actor="subject",
        )
        contacts = ContactRepository(session, rt.keyring)
        assert contacts.find_identity(IdentityKind.EMAIL, EMAIL) is None
        assert contacts.find_by_identity(IdentityKind.EMAIL, "lena.neu@example.com").id == (
            customer.contact_id
        )
        entry = latest(session, limit=1)[0]
        assert entry.action == "subject.rectified" and "example" not in str(entry.details)


def test_art14_duty_is_due_within_a_month_and_sent_in_the_contacts_language(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)  # post "2" enriched the record (inform_art14)
    with rt.session() as session:
        due = due_duties(session, rt.policy(), now=rt.clock.now())
    assert [d.contact_id for d in due] == [customer.contact_id]
    assert due[0].due_at - due[0].obtained_at <= timedelta(days=32)
    assert due[0].language == "de"
    with rt.session() as session:
        sent = send_notices(
            session,
            rt.policy(),
            None,
            now=rt.clock.now(),
            actor="dpo",
            controller=CONTROLLER,
            supervisory_authority=AUTHORITY,
        )
    assert len(sent) == 1 and "Widerspruch" in sent[0].text.replace("WIDERSPRUCH", "Widerspruch")
    with rt.session() as session:
        assert due_duties(session, rt.policy(), now=rt.clock.now()) == []
        assert latest(session, limit=1)[0].action == "notice.sent"


def test_retention_deletes_what_is_due_and_derived_data_inherits_the_shortest(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    now = rt.clock.now()
    with rt.session() as session:
        rows = session.scalars(
            select(InteractionRow).where(InteractionRow.contact_id == customer.contact_id)
        ).all()
        first_due = min(rows, key=lambda r: r.retention_until)  # the customer-care post
        consent = grant(
            session, customer.contact_id, Purpose.PROFILING, channel="portal", at=now, actor="t"
        )
        long_lived = AttributeRepository(session, rt.keyring).add(
            NewAttribute(
                contact_id=customer.contact_id,
                kind=AttributeKind.DERIVED,
                name="interest",
                value="Tele",
                purpose=Purpose.PROFILING,
                legal_basis=LegalBasis.CONSENT,
                policy_version="2026.1",
                rule_id="profiling.with-consent",
                consent_id=consent.id,
                derived_from=(SourceRef(SourceType.INTERACTION, first_due.id),),
                retention_until=now + timedelta(days=3650),
            ),
            at=now,
        )
    rt.clock.advance(timedelta(days=200))  # customer care posts (180 days) are due
    with rt.session() as session:
        dry = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t", dry_run=True)
    assert dry.interactions >= 1 and dry.inherited == 1
    with rt.session() as session:
        assert AttributeRepository(session, rt.keyring).get(long_lived.id)  # dry run: kept
        done = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
    assert done.interactions == dry.interactions and done.inherited == 1
    with rt.session() as session:
        again = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
        assert again.interactions == again.attributes == again.inherited == 0  # idempotent
        assert long_lived.id not in {
            a.id
            for a in AttributeRepository(session, rt.keyring).list_for_contact(customer.contact_id)
        }
        assert verify(session).ok
        assert [e.action for e in latest(session, limit=3)].count("retention.run") == 1


def test_art14_duties_take_the_language_of_the_latest_post_that_has_one(rt, tmp_path) -> None:
    """The set-based sync (one ranked query per chunk of contacts, one INSERT for all
    duties) picks per (contact, source) the language of the newest post with one."""
    customer = seed_customer(rt, tmp_path)
    with rt.session() as session:
        posts = session.execute(
            select(InteractionRow.id, InteractionRow.ingested_at)
            .where(InteractionRow.contact_id == customer.contact_id)
            .order_by(InteractionRow.ingested_at, InteractionRow.id)
        ).all()
        assert len(posts) >= 2
        start = posts[0][1]
        for n, (post_id, _) in enumerate(posts):
            language = {0: "de", 1: "en"}.get(n)  # the newer ones have none
            session.execute(
                update(InteractionRow)
                .where(InteractionRow.id == post_id)
                .values(language=language, ingested_at=start + timedelta(minutes=n))
            )
        session.execute(delete(NoticeDutyRow))  # derived again below, from these posts
    with rt.session() as session:
        due = due_duties(session, rt.policy(), now=rt.clock.now())
    assert [(d.contact_id, d.language) for d in due] == [(customer.contact_id, "en")]
