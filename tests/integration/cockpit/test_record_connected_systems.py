"""The record of processing lists the connected systems (issue 15, Art. 30(1)(d)):
each as infrastructure; the one run by a processor in the recipients register, and a
webhook recipient, also as recipients - on the record, in its JSON-LD and its PDF."""

from __future__ import annotations

from datetime import UTC, datetime

from sphere.cockpit.record import build_record, record_to_jsonld
from sphere.cockpit.record_pdf import _system_lines
from sphere.governance.recipients import RecipientDraft, add_recipient
from sphere.i18n import translator
from sphere.runtime import Runtime

DAY = datetime(2025, 9, 15, tzinfo=UTC)
INVENTORY = [
    {"system": "crm", "name": "CRM (Vertrieb & Service)", "kind": "sql", "detail": "sqlite",
     "crm_sync": "yes"},
    {"system": "desk", "name": "Service Desk", "kind": "http", "detail": "", "crm_sync": ""},
    {"system": "newsletter", "name": "Newsletter tool", "kind": "webhook", "detail": "",
     "crm_sync": ""},
]  # fmt: skip


def test_connected_systems_are_infrastructure_and_recipients(seeded: Runtime) -> None:
    with seeded.session() as session:
        add_recipient(session, RecipientDraft("Service Desk", "processor", "DE",
                                              ("customer_care",), agreement_date=DAY),
                      actor="dpo:t", at=seeded.clock.now())  # fmt: skip
        record = build_record(session, seeded.policy(), now=seeded.clock.now(),
                              systems=INVENTORY)  # fmt: skip
    by_system = {s["system"]: s for s in record.systems}
    assert by_system["crm"]["recipient_role"] is None and by_system["crm"]["crm_sync"]
    assert by_system["desk"]["recipient_role"] == "processor"
    assert by_system["desk"]["operator"] == "Service Desk" and by_system["desk"]["country"] == "DE"
    assert by_system["newsletter"]["recipient_role"] == "recipient"
    assert record.to_dict()["connected_systems"] == list(record.systems)
    document = record_to_jsonld(record, controller="Optiklinse GmbH")
    assert {t["dct:identifier"] for t in document["dpv:isImplementedUsingTechnology"]} == {
        "crm", "desk", "newsletter",
    }  # fmt: skip
    assert {(r["@type"], r["dct:identifier"]) for r in document["dpv:hasRecipient"]} == {
        ("dpv:DataProcessor", "desk"), ("dpv:Recipient", "newsletter"),
    }  # fmt: skip
    lines = _system_lines(record.systems, translator("de"))
    assert lines[0].startswith("Angebundenes System: CRM (Vertrieb & Service) (crm): Infrastruktur")
    assert "Ziel des CRM-Abgleichs" in lines[0]
    assert lines[1].endswith("Empfänger: Auftragsverarbeiter")
