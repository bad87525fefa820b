"""Consent: pure building blocks of the consent ledger and of device privacy signals.

``state`` derives the current consent from ledger records, ``receipt`` exports a record
as an ISO/IEC TS 27560 / W3C DPV consent record, ``tcf`` decodes IAB TCF v2.2 TC strings,
``gpc`` reads Global Privacy Control / Do Not Track. No I/O here; the ledger service
that stores records lives beside these modules once storage is wired.
"""

from sphere.consent.gpc import PrivacySignals, objected_purposes, read_privacy_signals
from sphere.consent.receipt import Controller, consent_receipt
from sphere.consent.state import (
    ConsentAction,
    ConsentRecord,
    ConsentStatus,
    current_state,
    current_states,
    notice_hash,
)
from sphere.consent.tcf import (
    MalformedTCString,
    TCString,
    assess_tcf,
    decode_tc_string,
    tcf_consent_for,
)

__all__ = [
    "ConsentAction",
    "ConsentRecord",
    "ConsentStatus",
    "Controller",
    "MalformedTCString",
    "PrivacySignals",
    "TCString",
    "assess_tcf",
    "consent_receipt",
    "current_state",
    "current_states",
    "decode_tc_string",
    "notice_hash",
    "objected_purposes",
    "read_privacy_signals",
    "tcf_consent_for",
]
