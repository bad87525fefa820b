"""Global Privacy Control, Do Not Track and ATT signals from event attributes."""

from __future__ import annotations

from typing import Any

import pytest

from sphere.consent.gpc import (
    PrivacySignals,
    advisory_purposes,
    objected_purposes,
    read_privacy_signals,
    signal_reason,
)
from sphere.domain import Purpose


@pytest.mark.parametrize(
    ("attributes", "gpc", "dnt", "att"),
    [
        ({"signals": {"gpc": True, "dnt": False, "tcf_string": None}}, True, False, False),
        ({"signals": {"gpc": False, "dnt": True}}, False, True, False),
        ({"Sec-GPC": "1"}, True, False, False),  # raw header name
        ({"sec_gpc": 1}, True, False, False),
        ({"navigator.globalPrivacyControl": "true"}, True, False, False),  # JS property
        ({"DNT": "1"}, False, True, False),
        ({"Sec-GPC": "0", "DNT": "0"}, False, False, False),
        ({"DNT": "unspecified"}, False, False, False),  # only "1" means do-not-track
        ({"gpc": 2}, False, False, False),  # GPC defines only the value 1
        ({"gpc": None}, False, False, False),
        ({"att_status": "denied"}, False, False, True),
        ({"att_status": "restricted"}, False, False, True),
        ({"att_status": "authorized"}, False, False, False),
        ({}, False, False, False),
        ({"signals": "not a mapping", "gpc": "yes"}, True, False, False),
    ],
    ids=[
        "adapter-gpc",
        "adapter-dnt",
        "header",
        "int",
        "js-property",
        "dnt-header",
        "zeros",
        "dnt-unspecified",
        "gpc-2",
        "none",
        "att-denied",
        "att-restricted",
        "att-authorized",
        "empty",
        "bad-signals",
    ],
)
def test_read_privacy_signals(attributes: dict[str, Any], gpc: bool, dnt: bool, att: bool) -> None:
    assert read_privacy_signals(attributes) == PrivacySignals(gpc=gpc, dnt=dnt, att_refused=att)


def test_gpc_objects_to_marketing_profiling_enrichment() -> None:
    signals = PrivacySignals(gpc=True)
    assert signals.objects_to_sale_or_sharing
    assert objected_purposes(signals) == {
        Purpose.DIRECT_MARKETING,
        Purpose.PROFILING,
        Purpose.ENRICHMENT,
    }
    assert Purpose.CUSTOMER_CARE not in objected_purposes(signals)
    assert Purpose.WEB_ANALYTICS not in objected_purposes(signals)


def test_dnt_is_advisory_only() -> None:
    signals = PrivacySignals(dnt=True)
    assert not signals.objects_to_sale_or_sharing
    assert signals.is_advisory_only
    assert objected_purposes(signals) == frozenset()
    assert Purpose.WEB_ANALYTICS in advisory_purposes(signals)
    assert not PrivacySignals(gpc=True, dnt=True).is_advisory_only


def test_signal_reason() -> None:
    assert signal_reason(PrivacySignals(gpc=True), Purpose.PROFILING) == (
        "Global Privacy Control signal objects to 'profiling' for this device (GDPR Art. 21(5))"
    )
    assert "App Tracking" in (
        signal_reason(PrivacySignals(att_refused=True), Purpose.ENRICHMENT) or ""
    )
    assert signal_reason(PrivacySignals(gpc=True), Purpose.CUSTOMER_CARE) is None
    assert signal_reason(PrivacySignals(), Purpose.PROFILING) is None
