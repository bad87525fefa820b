"""The recipients register on SQLite and PostgreSQL: processors need their Art. 28(3)
agreement, a sub-processor its processor, a transfer outside the EU/EEA a mechanism
(Art. 44-49; the DPF only for the US, SCCs with their module) — refused naming the field,
nothing saved; the record of processing derives recipients (Art. 30(1)(d)) and transfers
(Art. 30(1)(e)) from it, in JSON and DPV JSON-LD; every registration is audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from sphere.cockpit.record import build_record, record_to_jsonld
from sphere.demo._recipients import RECIPIENTS
from sphere.dsr.notice import Party, render_notice
from sphere.governance.breach import BreachInputError
from sphere.governance.recipients import RecipientDraft, add_recipient, list_recipients
from sphere.rights.notices import notice_input
from sphere.runtime import Runtime
from sphere.storage.recipient_tables import RecipientRow
from sphere.storage.repositories.recipients import RecipientRepository
from sphere.storage.tables import AuditEntryRow

DAY = datetime(2025, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (RecipientDraft("X Inc.", "processor", "US", ("customer_care",), agreement_date=DAY),
         "transfer_mechanism"),  # a transfer without a mechanism
        (RecipientDraft("X GmbH", "processor", "DE", ("customer_care",)), "agreement_date"),
        (RecipientDraft("X Ltd.", "processor", "GB", ("customer_care",), agreement_date=DAY,
                        transfer_mechanism="dpf"), "transfer_mechanism"),  # DPF: US only
        (RecipientDraft("X Ltd.", "processor", "IN", ("customer_care",), agreement_date=DAY,
                        transfer_mechanism="scc"), "scc_module"),
        (RecipientDraft("X Sub", "sub_processor", "DE", ("customer_care",), agreement_date=DAY,
                        processor_of="nobody"), "processor_of"),
        (RecipientDraft("X GmbH", "processor", "DE", (), agreement_date=DAY), "purposes"),
        (RecipientDraft("X GmbH", "processor", "Germany", ("customer_care",)), "country"),
        (RecipientDraft("X GmbH", "processor", "DE", ("customer_care",), agreement_date=DAY,
                        transfer_mechanism="scc", scc_module=2), "transfer_mechanism"),
    ],
    ids=["no-mechanism", "no-agreement", "dpf-outside-us", "scc-without-module",
         "sub-without-processor", "no-purpose", "bad-country", "mechanism-inside-eea"],
)  # fmt: skip
def test_refused_by_field(seeded: Runtime, draft: RecipientDraft, field: str) -> None:
    with seeded.session() as session, pytest.raises(BreachInputError) as caught:
        add_recipient(session, draft, actor="dpo:t", at=seeded.clock.now())
    assert caught.value.field == field
    with seeded.session() as session:
        assert session.scalar(select(func.count()).select_from(RecipientRow)) == 0


def test_record_derives_recipients_and_transfers(seeded: Runtime) -> None:
    with seeded.session() as session:
        for draft in RECIPIENTS:
            add_recipient(session, draft, actor="dpo:t", at=seeded.clock.now())
    with seeded.session() as session:
        assert [r.name for r in list_recipients(session)][0] == "HelpDesk Cloud Inc."
        record = build_record(session, seeded.policy(), now=seeded.clock.now())
        audited = session.scalar(select(func.count()).select_from(AuditEntryRow)
                                 .where(AuditEntryRow.action == "recipient.added"))  # fmt: skip
    assert audited == 3
    care = record.activity("customer_care")
    assert "HelpDesk Cloud Inc." in care.recipients
    assert {(t["country"], t["mechanism"]) for t in care.transfers} == {
        ("US", "dpf"),
        ("IN", "scc"),
    }
    marketing = record.activity("direct_marketing")
    assert "Mailversand Nord GmbH" in marketing.recipients
    assert "e-mail service provider (processor)" not in marketing.recipients  # replaced
    assert marketing.transfers == ()  # DE: no transfer
    document = record_to_jsonld(record)
    handling = next(h for h in document["dpv:hasPersonalDataHandling"]
                    if h["@id"].endswith(":customer_care"))  # fmt: skip
    legal = {t["dpv:hasLegalBasis"]["@id"] for t in handling["sphere:transfers"]}
    assert legal == {"eu-gdpr:A45-3", "eu-gdpr:A46-2-c"}


def test_art14_notice_names_recipients_and_transfers(seeded: Runtime) -> None:
    """Art. 14(1)(e)-(f): the notice no longer says "no transfer" when the register has
    one for its purposes; it names the safeguard and where to get a copy."""
    with seeded.session() as session:
        for draft in RECIPIENTS:
            add_recipient(session, draft, actor="dpo:t", at=seeded.clock.now())
    with seeded.session() as session:
        inputs = notice_input(
            seeded.policy(), controller=Party("Optiklinse GmbH", "München"),
            supervisory_authority=Party("BayLDA", "Ansbach"),
            registered=RecipientRepository(session).list(),
        )  # fmt: skip
    german = render_notice(inputs, "de").text
    assert "HelpDesk Cloud Inc. (Auftragsverarbeiter, US)" in german
    assert "EU-US Data Privacy Framework, Angemessenheitsbeschluss (Art. 45 DSGVO)" in german
    assert "Standardvertragsklauseln" in german and "Kopie der Garantien" in german
    english = render_notice(inputs, "en").text
    assert "we do not transfer your data to a country outside the EU/EEA" not in english
    bare = notice_input(seeded.policy(), controller=Party("O", "M"),
                        supervisory_authority=Party("B", "A"))  # fmt: skip
    assert "do not transfer" in render_notice(bare, "en").text
