"""ISO/IEC TS 27560 / W3C DPV consent receipts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sphere.consent.receipt import Controller, consent_receipt, state_term
from sphere.consent.state import ConsentAction, ConsentRecord, notice_hash
from sphere.domain import ConsentState, Purpose

CONTROLLER = Controller(name="Optiklinse GmbH", contact="datenschutz@example.com")
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def record(**overrides: object) -> ConsentRecord:
    values: dict[str, object] = {
        "id": "0b6c1f0e-6f7c-4a51-9d0e-1f2a3b4c5d6e",
        "contact_id": "5d1e8a40-0000-4000-8000-000000000001",
        "purpose": Purpose.DIRECT_MARKETING,
        "action": ConsentAction.GIVEN,
        "recorded_at": T0,
        "notice_hash": notice_hash("Newsletter notice v3"),
        "channel": "web",
        "evidence": {"ip": "192.0.2.10"},
    }
    values.update(overrides)
    return ConsentRecord(**values)  # type: ignore[arg-type]


def test_shape() -> None:
    receipt = consent_receipt(record(), controller=CONTROLLER, now=NOW)
    assert receipt["@context"]["dpv"] == "https://w3id.org/dpv#"
    assert receipt["@type"] == "dpv:ConsentRecord"
    assert receipt["@id"] == "urn:uuid:0b6c1f0e-6f7c-4a51-9d0e-1f2a3b4c5d6e"
    assert receipt["dct:conformsTo"] == "ISO/IEC TS 27560:2023"
    assert receipt["dpv:hasDataSubject"] == {
        "@type": "dpv:DataSubject",
        "dct:identifier": "5d1e8a40-0000-4000-8000-000000000001",
    }
    assert receipt["dpv:hasDataController"]["dpv:hasName"] == "Optiklinse GmbH"
    assert receipt["dpv:hasPurpose"]["@id"] == Purpose.DIRECT_MARKETING.dpv == "dpv:DirectMarketing"
    assert receipt["dpv:hasLegalBasis"] == {"@id": "dpv:Consent"}
    assert receipt["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentGiven"}
    assert receipt["dpv:isIndicatedAtTime"] == {
        "@value": "2026-01-10T09:00:00Z",
        "@type": "xsd:dateTime",
    }
    assert receipt["dpv:isIndicatedBy"] == {"@id": "dpv:DataSubject"}
    assert receipt["dpv:hasNotice"]["dct:identifier"] == "sha256:" + notice_hash(
        "Newsletter notice v3"
    )
    assert receipt["dpv:hasIndicationMethod"] == "web"
    assert "dct:valid" not in receipt


def test_is_json_and_omits_evidence() -> None:
    text = json.dumps(consent_receipt(record(), controller=CONTROLLER, now=NOW))
    assert "192.0.2.10" not in text


def test_explicit_withdrawn_expired() -> None:
    explicit = consent_receipt(record(explicit=True), controller=CONTROLLER, now=NOW)
    assert explicit["dpv:hasLegalBasis"] == {"@id": "dpv:ExplicitlyExpressedConsent"}
    withdrawn = consent_receipt(
        record(action=ConsentAction.WITHDRAWN), controller=CONTROLLER, now=NOW
    )
    assert withdrawn["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentWithdrawn"}
    expiring = record(expires_at=datetime(2026, 3, 2, tzinfo=UTC))
    expired = consent_receipt(expiring, controller=CONTROLLER, now=NOW)
    assert expired["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentExpired"}
    assert expired["dct:valid"]["@value"] == "2026-03-02T00:00:00Z"
    before = consent_receipt(expiring, controller=CONTROLLER, now=T0)
    assert before["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentGiven"}


def test_subject_override_and_controller_iri() -> None:
    controller = Controller(
        "Optiklinse GmbH", "datenschutz@example.com", iri="https://example.com/"
    )
    receipt = consent_receipt(record(), controller=controller, now=NOW, subject_id="psn-42")
    assert receipt["dpv:hasDataSubject"]["dct:identifier"] == "psn-42"
    assert receipt["dpv:hasDataController"]["@id"] == "https://example.com/"


def test_state_term() -> None:
    assert state_term(ConsentState.GIVEN) == "dpv:ConsentGiven"
    assert state_term(ConsentState.WITHDRAWN) == "dpv:ConsentWithdrawn"
    assert state_term(ConsentState.NONE) is None
