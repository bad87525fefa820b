"""TCF v2.2 TC string decoding, with real strings and strings encoded here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from sphere.consent.tcf import (
    MalformedTCString,
    RestrictionType,
    SegmentType,
    assess_tcf,
    consented_purposes,
    decode_tc_string,
    tcf_consent_for,
)
from sphere.domain import ConsentState, Purpose
from sphere.errors import InvalidInput

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


# --- a small encoder, independent of the decoder, for round trips ---------------------


def _bits(value: int, width: int) -> str:
    assert 0 <= value < (1 << width), (value, width)
    return format(value, f"0{width}b")


def _bitfield(ids: set[int], width: int) -> str:
    return "".join("1" if i in ids else "0" for i in range(1, width + 1))


def _letters(text: str) -> str:
    return "".join(_bits(ord(ch) - ord("A"), 6) for ch in text)


def _ranges(ids: set[int]) -> str:
    runs: list[tuple[int, int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    out = _bits(len(runs), 12)
    for start, end in runs:
        out += "1" + _bits(start, 16) + _bits(end, 16) if end > start else "0" + _bits(start, 16)
    return out


def _vendor_section(ids: set[int], *, use_range: bool) -> str:
    max_id = max(ids, default=0)
    if use_range:
        return _bits(max_id, 16) + "1" + _ranges(ids)
    return _bits(max_id, 16) + "0" + _bitfield(ids, max_id)


def _b64(bits: str) -> str:
    bits += "0" * (-len(bits) % 6)
    return "".join(_ALPHABET[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


@dataclass
class Core:
    created_ds: int = 17_000_000_000  # 2023-11-14 in deciseconds
    updated_ds: int = 17_100_000_000
    cmp_id: int = 300
    cmp_version: int = 7
    consent_screen: int = 2
    language: str = "DE"
    vendor_list_version: int = 150
    policy_version: int = 4
    service_specific: bool = True
    non_standard_texts: bool = False
    special_features: set[int] = field(default_factory=lambda: {1})
    purposes: set[int] = field(default_factory=lambda: {1, 3, 4, 8, 9})
    purposes_li: set[int] = field(default_factory=lambda: {2, 7, 10})
    purpose_one_treatment: bool = False
    publisher_cc: str = "DE"
    vendors: set[int] = field(default_factory=lambda: {1, 5, 755})
    vendors_li: set[int] = field(default_factory=lambda: {5})
    vendors_range: bool = False
    restrictions: list[tuple[int, int, set[int]]] = field(default_factory=list)
    version: int = 2
    raw_vendor_consents: str | None = None  # bits replacing the vendor consent section

    def encode(self, *extra_segments: str) -> str:
        bits = (
            _bits(self.version, 6)
            + _bits(self.created_ds, 36)
            + _bits(self.updated_ds, 36)
            + _bits(self.cmp_id, 12)
            + _bits(self.cmp_version, 12)
            + _bits(self.consent_screen, 6)
            + _letters(self.language)
            + _bits(self.vendor_list_version, 12)
            + _bits(self.policy_version, 6)
            + str(int(self.service_specific))
            + str(int(self.non_standard_texts))
            + _bitfield(self.special_features, 12)
            + _bitfield(self.purposes, 24)
            + _bitfield(self.purposes_li, 24)
            + str(int(self.purpose_one_treatment))
            + _letters(self.publisher_cc)
            + (
                self.raw_vendor_consents
                if self.raw_vendor_consents is not None
                else _vendor_section(self.vendors, use_range=self.vendors_range)
            )
            + _vendor_section(self.vendors_li, use_range=self.vendors_range)
            + _bits(len(self.restrictions), 12)
        )
        for purpose_id, kind, ids in self.restrictions:
            bits += _bits(purpose_id, 6) + _bits(kind, 2) + _ranges(ids)
        return ".".join([_b64(bits), *extra_segments])


def _segment(kind: int) -> str:
    return _b64(_bits(kind, 3) + _bits(3, 16) + "0" + "101")


# --- real strings -----------------------------------------------------------------------

# From the test fixtures of the iab-tcf package (github.com/gguridi/iab-tcf,
# tests/seed/v2/consent_a.json): core + disclosed-vendors segment, range-encoded
# publisher restrictions. Expected values are the fixture's.
REAL_A = (
    "CG6MJgNIvJb0TAUAEBENAzCMAFvAAG7AAAJYGUlUcVlfByPiu55Ad8JQeAgftrYDE6QzDgEJs8wJQB9WxJwQpEMgKB"
    "X4BoIIiRYEsnLAAAYkHAFcDQAAQIkVqSCsYkyMCyFCJJJEghIKM2ZYGG0OkcVQIRAY4wMsHeYAA2OrevzrigZOQCYQ"
    "FYAAkJQwEg0KRQIgQADAgUA4AIKEYUiSQ0JHBDMjAINAAAAEBiAhAgAAgCgBgAAAgAASEBACACAgEAAAAgABACNAQg"
    "AAkAQSAEAQBAAKgIEgBEEEoAgBgMBACgAARIpFBIIDQgAWAAEAAwAPgArAB3AH4AToA8QCEgEtAKSCgBwABABSAFwA"
    "XYAzAB_QFTBAEIACAAFAAcAA8AC0AGQAOwApgBzAD0AIaASoBLACaAGGAMgAewA-AB9gEIAI0AVAA4AB8gEVAI7ATE"
    "AmUBSIC2AF5AL-AYMAwggAJAAWAEEAWIBnADqAK-AW0AuABk4cAUAA4AEQAJwAkgDnAL8AtEBcQDIgGSBgB4AEgAng"
    "CJAHkARgAkwBKwCvAG8AOOAeoBJYCbAFigLoJQCAAKACIAI4AWkAxQBuAEXgJECQAwAKgKwAYeUAIAAXAAyACoALgA"
    "iwBJgCjAFKAVsBJACmwFbALkAXcAxkBkBSAKACAAGgA0gChgLtHAEAAUQBGAEcALAAmABsgDvAJaAdMBQgChwFLgKs"
    "AWyAxIBjEDHAMdGAAQAWEgBYAMQAhABMACgAG0ApoBZwFUgLxAXmAx4dAPAB5AEMARAAqgCEAFIANEAcQA_QCUgFiA"
    "LyAYQA2gC7wGGlQAIATSYAIAKgCmRIAYALYAYgA3gFZANQAusWACADMAjoUAEADwAMoAfIBaBUAEARw0AIAJkAaoA4"
    "AEgjwBgArQBZQDjAOQAdYA8QDbAHtASiAq8BYgCyQF2BoA4AywBqAFLAKuAawBDYCdiEAUAb4BAwC5gHoAU0RADgEu"
    "AJwAV-A_YD-AIiAS8AvYRACAYEAwkA.IGVtd_X9fb2vj-_599_t0eY1f9_63t-wzjheNs-8NyZ_X_J4Xv2MyvB34pqYK"
    "mR4kunbBAQdtHGncTQgBwIlVqTLsYk2MjzNKJ7JEmlsbe2dYGH9Pn8XT_ZKZ70-v___7v3______7oA"
)
# The example string of the lib_tcstring crate's documentation (docs.rs/lib_tcstring).
REAL_B = "COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA"


def test_real_string_core_fields() -> None:
    tc = decode_tc_string(REAL_A)
    assert tc.version == 2
    assert tc.created.replace(microsecond=0) == datetime(1993, 7, 5, 11, 23, 32, tzinfo=UTC)
    assert tc.last_updated.replace(microsecond=0) == datetime(1999, 9, 23, 13, 34, 57, tzinfo=UTC)
    assert (tc.cmp_id, tc.cmp_version, tc.consent_screen) == (20, 4, 1)
    assert (tc.consent_language, tc.publisher_cc) == ("EN", "BL")
    assert (tc.vendor_list_version, tc.tcf_policy_version) == (51, 2)
    assert not tc.is_v2_2
    assert not tc.is_service_specific and not tc.use_non_standard_texts
    assert tc.special_feature_opt_ins == {1, 2}
    assert tc.purposes_consent == {2, 4, 5, 7, 8, 9, 10}
    assert tc.purposes_legitimate_interest == {2, 3, 5, 6, 7, 9, 10}
    assert tc.purpose_one_treatment is False
    assert tc.segment_types == (SegmentType.CORE, SegmentType.DISCLOSED_VENDORS)


def test_real_string_vendors_and_restrictions() -> None:
    tc = decode_tc_string(REAL_A)
    assert tc.max_vendor_id_consent == 809
    assert tc.max_vendor_id_legitimate_interest == 807
    assert {2, 4, 6, 8, 12, 13, 14, 809} <= tc.vendor_consents
    assert not {1, 3, 5, 7, 808} & tc.vendor_consents
    assert {2, 11, 14, 15, 807} <= tc.vendor_legitimate_interests
    assert 3 not in tc.vendor_legitimate_interests
    # fixture: vendor 1 purpose 4 not allowed; vendor 2 purpose 2 LI required;
    # vendor 20 purpose 9 consent required
    assert tc.restriction_for(4, 1) is RestrictionType.NOT_ALLOWED
    assert tc.restriction_for(2, 2) is RestrictionType.REQUIRE_LEGITIMATE_INTEREST
    assert tc.restriction_for(9, 20) is RestrictionType.REQUIRE_CONSENT
    assert tc.restriction_for(1, 2) is None


def test_real_doc_example() -> None:
    tc = decode_tc_string(REAL_B)
    assert (tc.cmp_id, tc.vendor_list_version, tc.consent_language) == (27, 15, "EN")
    assert tc.purposes_consent == {1, 2, 3}
    assert tc.vendor_consents == {2, 6, 8}
    assert tc.created.year == 2020


def test_real_string_with_undecodable_vendor_section_is_malformed() -> None:
    # A CMP-issued string (same fixture set, consent_d.json) whose legitimate-interest
    # section claims 2441 range entries in 904 remaining bits: must be a clean error.
    real_d = (
        "CPIKj1vPPdzL-ACAnAFRBACsAP_AAH_AAAqIHFNf_X_fb3_j-_59_9t0eY1f9_7_v20zjgeds-8Nyd_X_L8X4mM7"
        "vB36pq4KuR4Eu3LBAQdlHOHcTUmw6IkVqTPsbk2Mr7NKJ7PEinMbe2dYGH9_n9XTuZKY79_s_z-v7_f_r-3_3_vp"
        "9V---wOJAJMNS-AizEscCSaNKoUQIQriQ6AEAFFCMLRNYQErgp2VwEfoIGACA1ARgRAgxBRiyCAAAAAJKIgJADwQ"
        "CIAiAQAAgBUgIQAEaAILACQMAgAFANCwAigCECQgyOCo5TAgIkWignkrAEou9jDCEMooAaBAAAAA.YAAAAAAAAAAA"
    )
    with pytest.raises(MalformedTCString) as info:
        decode_tc_string(real_d)
    assert "VendorLegitimateInterests" in info.value.reason


# --- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("use_range", [False, True], ids=["bitfield", "range"])
def test_round_trip_core(use_range: bool) -> None:
    core = Core(
        vendors={1, 2, 3, 10, 400, 401, 402, 755},
        vendors_li={7, 8, 9},
        vendors_range=use_range,
        restrictions=[(3, 0, {755}), (7, 2, {1, 2, 3}), (2, 1, {10})],
    )
    tc = decode_tc_string(core.encode())
    assert tc.version == 2
    assert tc.created == datetime.fromtimestamp(core.created_ds / 10, UTC)
    assert tc.last_updated == datetime.fromtimestamp(core.updated_ds / 10, UTC)
    assert (tc.cmp_id, tc.cmp_version, tc.consent_screen) == (300, 7, 2)
    assert (tc.consent_language, tc.publisher_cc) == ("DE", "DE")
    assert (tc.vendor_list_version, tc.tcf_policy_version) == (150, 4)
    assert tc.is_v2_2
    assert tc.is_service_specific and not tc.use_non_standard_texts
    assert tc.special_feature_opt_ins == {1}
    assert tc.purposes_consent == {1, 3, 4, 8, 9}
    assert tc.purposes_legitimate_interest == {2, 7, 10}
    assert tc.vendor_consents == {1, 2, 3, 10, 400, 401, 402, 755}
    assert tc.vendor_legitimate_interests == {7, 8, 9}
    assert tc.max_vendor_id_consent == 755
    assert tc.restriction_for(3, 755) is RestrictionType.NOT_ALLOWED
    assert tc.restriction_for(7, 2) is RestrictionType.REQUIRE_LEGITIMATE_INTEREST
    assert tc.restriction_for(2, 10) is RestrictionType.REQUIRE_CONSENT
    assert tc.restriction_for(3, 1) is None


def test_segments_are_typed_and_skipped() -> None:
    tc = decode_tc_string(Core().encode(_segment(1), _segment(3)))
    assert tc.segment_types == (
        SegmentType.CORE,
        SegmentType.DISCLOSED_VENDORS,
        SegmentType.PUBLISHER_TC,
    )


def test_padding_and_whitespace_tolerated() -> None:
    encoded = Core().encode()
    assert decode_tc_string(f"  {encoded}==\n").purposes_consent == {1, 3, 4, 8, 9}


def test_repr_is_short_and_has_no_vendor_list() -> None:
    text = repr(decode_tc_string(Core(vendors=set(range(1, 500))).encode()))
    assert len(text) < 200 and "vendors=499" in text


# --- malformed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("CO+vFyGB", "alphabet"),  # standard base64 '+' is not base64url
        ("CO vFyGB", "alphabet"),  # inner space
        ("CPc", "truncated"),  # far too short
        (Core().encode()[:40], "truncated"),  # cut inside the core segment
        (Core(version=1).encode(), "unsupported version 1"),  # TCF v1 string
        (Core(version=3).encode(), "unsupported version 3"),
        (Core().encode() + ".", "empty segment"),  # trailing dot
        (Core().encode(_b64("000" + "1" * 20)), "second core"),  # segment type 0 again
        (Core().encode(_b64("111" + "0" * 20)), "unknown segment type 7"),
        (Core(language="D[").encode(), "not two letters"),  # letter value 26
        ("C" * 20_001, "longer than"),
    ],
    ids=[
        "empty",
        "blank",
        "plus",
        "space",
        "tiny",
        "cut",
        "v1",
        "v3",
        "trailing-dot",
        "second-core",
        "unknown-segment",
        "language-not-letters",
        "too-long",
    ],
)
def test_malformed(value: str, reason: str) -> None:
    with pytest.raises(MalformedTCString) as info:
        decode_tc_string(value)
    assert reason in str(info.value)
    assert isinstance(info.value, InvalidInput)


def test_malformed_message_does_not_echo_the_string() -> None:
    value = Core().encode()[:60]
    with pytest.raises(MalformedTCString) as info:
        decode_tc_string(value)
    assert value not in str(info.value)


def test_every_prefix_fails_cleanly() -> None:
    """No prefix may raise anything but MalformedTCString (no IndexError/ValueError)."""
    encoded = Core(restrictions=[(3, 0, {4, 5, 6})], vendors_range=True).encode()
    failures = 0
    for cut in range(len(encoded) - 1):
        with pytest.raises(MalformedTCString):
            decode_tc_string(encoded[:cut])
        failures += 1
    assert failures == len(encoded) - 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_bits(9, 16) + "1" + _bits(1, 12) + "1" + _bits(9, 16) + _bits(4, 16), "reversed"),
        (_bits(9, 16) + "1" + _bits(1, 12) + "0" + _bits(0, 16), "reversed"),  # vendor 0
        (_bits(5, 16) + "1" + _bits(1, 12) + "0" + _bits(9, 16), "above MaxVendorId"),
    ],
    ids=["range-9-to-4", "vendor-zero", "above-max"],
)
def test_bad_vendor_ranges(raw: str, reason: str) -> None:
    with pytest.raises(MalformedTCString, match=reason):
        decode_tc_string(Core(raw_vendor_consents=raw).encode())


# --- mapping to Sphere purposes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("purposes", "sphere", "expected"),
    [
        ({1, 8, 9}, Purpose.WEB_ANALYTICS, ConsentState.GIVEN),
        ({1, 8}, Purpose.WEB_ANALYTICS, ConsentState.NONE),  # audience statistics missing
        ({8, 9}, Purpose.WEB_ANALYTICS, ConsentState.NONE),  # no device access (§ 25 TDDDG)
        ({1, 7}, Purpose.WEB_ANALYTICS, ConsentState.NONE),  # ad measurement is not analytics
        ({1, 3, 5}, Purpose.PROFILING, ConsentState.GIVEN),
        ({1, 3}, Purpose.PROFILING, ConsentState.NONE),
        ({1, 3, 4}, Purpose.DIRECT_MARKETING, ConsentState.GIVEN),
        ({1, 4}, Purpose.DIRECT_MARKETING, ConsentState.NONE),
        (set(range(1, 12)), Purpose.ENRICHMENT, ConsentState.NONE),  # never via TCF
        (set(range(1, 12)), Purpose.HR_SCREENING, ConsentState.NONE),
        (set(range(1, 12)), Purpose.CUSTOMER_CARE, ConsentState.NONE),
    ],
    ids=[
        "analytics",
        "analytics-no-9",
        "analytics-no-1",
        "analytics-ads-only",
        "profiling",
        "profiling-no-5",
        "marketing",
        "marketing-no-3",
        "enrichment",
        "hr",
        "care",
    ],
)
def test_tcf_consent_for(purposes: set[int], sphere: Purpose, expected: ConsentState) -> None:
    tc = decode_tc_string(Core(purposes=purposes).encode())
    assert tcf_consent_for(tc, sphere) is expected


def test_legitimate_interest_is_not_consent() -> None:
    tc = decode_tc_string(Core(purposes={1}, purposes_li={8, 9}).encode())
    assert tcf_consent_for(tc, Purpose.WEB_ANALYTICS) is ConsentState.NONE


def test_purpose_one_treatment_blocks() -> None:
    tc = decode_tc_string(Core(purposes={1, 8, 9}, purpose_one_treatment=True).encode())
    result = assess_tcf(tc, Purpose.WEB_ANALYTICS)
    assert result.state is ConsentState.NONE
    assert "Purpose 1" in result.reason


def test_vendor_consent_required_when_configured() -> None:
    tc = decode_tc_string(Core(purposes={1, 8, 9}, vendors={1, 5}).encode())
    assert tcf_consent_for(tc, Purpose.WEB_ANALYTICS, vendor_id=5) is ConsentState.GIVEN
    missing = assess_tcf(tc, Purpose.WEB_ANALYTICS, vendor_id=6)
    assert missing.state is ConsentState.NONE
    assert "vendor 6" in missing.reason


@pytest.mark.parametrize(
    ("kind", "expected"),
    [(0, ConsentState.NONE), (1, ConsentState.GIVEN), (2, ConsentState.NONE)],
    ids=["not-allowed", "require-consent", "require-li"],
)
def test_publisher_restriction(kind: int, expected: ConsentState) -> None:
    tc = decode_tc_string(
        Core(purposes={1, 8, 9}, vendors={5}, restrictions=[(8, kind, {5})]).encode()
    )
    assert tcf_consent_for(tc, Purpose.WEB_ANALYTICS, vendor_id=5) is expected


def test_reason_texts() -> None:
    tc = decode_tc_string(Core(purposes={1, 3}).encode())
    assert assess_tcf(tc, Purpose.DIRECT_MARKETING).reason == (
        "no TCF consent for purpose(s) 4; no consent for 'direct_marketing'"
    )
    assert "cannot grant" in assess_tcf(tc, Purpose.ENRICHMENT).reason


def test_consented_purposes() -> None:
    tc = decode_tc_string(Core(purposes={1, 3, 4, 5, 8, 9}).encode())
    assert consented_purposes(tc) == {
        Purpose.WEB_ANALYTICS,
        Purpose.PROFILING,
        Purpose.DIRECT_MARKETING,
    }
