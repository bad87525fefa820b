"""Consent receipts: a ledger record as an ISO/IEC TS 27560 consent record in W3C DPV.

ISO/IEC TS 27560:2023 ("Privacy technologies — Consent record information structure")
lists what a consent record must carry: identifiers, the data subject, the controller,
the purpose, the legal basis, the notice shown, the status and when it was indicated.
The W3C Data Privacy Vocabulary (DPV, https://w3id.org/dpv) gives those fields RDF
names, and the DPVCG's 27560 guide maps them; we emit compact JSON-LD using:

==================  ===========================================================
27560 field          DPV / Dublin Core term used
==================  ===========================================================
record id            ``@id`` (``urn:uuid:…``), ``dct:identifier``
data subject         ``dpv:hasDataSubject`` → pseudonymous id (never a name/e-mail)
controller           ``dpv:hasDataController`` (``dpv:hasName``, ``dpv:hasContact``)
purpose              ``dpv:hasPurpose`` → the purpose's DPV IRI (``Purpose.dpv``)
legal basis          ``dpv:hasLegalBasis`` → ``dpv:Consent`` or
                     ``dpv:ExplicitlyExpressedConsent`` (Art. 9(2)(a))
status               ``dpv:hasConsentStatus`` → ``dpv:ConsentGiven`` /
                     ``dpv:ConsentWithdrawn`` / ``dpv:ConsentExpired``
time of indication   ``dpv:isIndicatedAtTime`` (xsd:dateTime, UTC)
who indicated        ``dpv:isIndicatedBy`` → ``dpv:DataSubject``
notice               ``dpv:hasNotice`` → ``{"dct:identifier": "sha256:<hex>"}``
expiry               ``dct:valid`` (xsd:dateTime, end of validity)
channel              ``dpv:hasIndicationMethod`` (free text: the channel)
==================  ===========================================================

The receipt never contains the evidence dict: evidence can hold identifiers (IP
address, TC string) that a receipt handed to the person or an authority does not need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sphere.domain import ConsentState, ensure_utc

from .state import ConsentAction, ConsentRecord

DPV_CONTEXT: dict[str, str] = {
    "dpv": "https://w3id.org/dpv#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
STANDARD = "ISO/IEC TS 27560:2023"


@dataclass(frozen=True, slots=True)
class Controller:
    """The controller (GDPR Art. 4(7)) named in the receipt: organisation data only."""

    name: str
    contact: str
    iri: str | None = None


def consent_status_term(record: ConsentRecord, *, now: datetime) -> str:
    """The DPV status for ``record`` at ``now``: given, withdrawn or expired."""
    if record.action is ConsentAction.WITHDRAWN:
        return "dpv:ConsentWithdrawn"
    if record.expires_at is not None and record.expires_at <= ensure_utc(now):
        return "dpv:ConsentExpired"
    return "dpv:ConsentGiven"


def _when(value: datetime) -> dict[str, str]:
    return {"@value": ensure_utc(value).isoformat().replace("+00:00", "Z"), "@type": "xsd:dateTime"}


def consent_receipt(
    record: ConsentRecord,
    *,
    controller: Controller,
    now: datetime,
    subject_id: str | None = None,
) -> dict[str, Any]:
    """Export ``record`` as a DPV JSON-LD consent record (a plain, JSON-serialisable dict).

    ``subject_id`` overrides the pseudonymous id published for the data subject (e.g. a
    keyed pseudonym per recipient); by default the contact id is used, which is itself a
    pseudonymous UUID and never an address or handle.
    """
    legal_basis = "dpv:ExplicitlyExpressedConsent" if record.explicit else "dpv:Consent"
    controller_node: dict[str, Any] = {
        "@type": "dpv:DataController",
        "dpv:hasName": controller.name,
        "dpv:hasContact": controller.contact,
    }
    if controller.iri:
        controller_node["@id"] = controller.iri
    receipt: dict[str, Any] = {
        "@context": dict(DPV_CONTEXT),
        "@id": f"urn:uuid:{record.id}",
        "@type": "dpv:ConsentRecord",
        "dct:identifier": record.id,
        "dct:conformsTo": STANDARD,
        "dpv:hasDataSubject": {
            "@type": "dpv:DataSubject",
            "dct:identifier": subject_id or record.contact_id,
        },
        "dpv:hasDataController": controller_node,
        "dpv:hasPurpose": {"@id": record.purpose.dpv, "dct:identifier": record.purpose.value},
        "dpv:hasLegalBasis": {"@id": legal_basis},
        "dpv:hasConsentStatus": {"@id": consent_status_term(record, now=now)},
        "dpv:isIndicatedAtTime": _when(record.recorded_at),
        "dpv:isIndicatedBy": {"@id": "dpv:DataSubject"},
    }
    if record.notice_hash:
        receipt["dpv:hasNotice"] = {
            "@type": "dpv:PrivacyNotice",
            "dct:identifier": f"sha256:{record.notice_hash}",
        }
    if record.expires_at is not None:
        receipt["dct:valid"] = _when(record.expires_at)
    if record.channel:
        receipt["dpv:hasIndicationMethod"] = str(record.channel)
    return receipt


def state_term(state: ConsentState) -> str | None:
    """The DPV status term for a derived :class:`ConsentState` (NONE has none)."""
    return {
        ConsentState.GIVEN: "dpv:ConsentGiven",
        ConsentState.EXPLICIT: "dpv:ConsentGiven",
        ConsentState.WITHDRAWN: "dpv:ConsentWithdrawn",
    }.get(state)
