"""IAB Transparency & Consent Framework (TCF) v2.2 TC strings: decode, and read as consent.

Format (IAB Tech Lab, "Consent string and vendor list formats v2", the same bit layout
for TCF v2.0, v2.1 and v2.2; v2.2 is signalled by ``tcf_policy_version == 4``): the
string is one or more segments joined by ``.``; each segment is base64url *without*
padding, read as a big-endian bit stream. The first segment is the core segment and
starts with the 6-bit version (2). Every further segment starts with a 3-bit segment
type (1 disclosed vendors, 2 allowed vendors, 3 publisher TC); we record the type and
skip the content, because Sphere only needs the user's choices in the core segment.

Core segment, in order (bits): Version 6, Created 36 and LastUpdated 36 (deciseconds
since the Unix epoch, UTC), CmpId 12, CmpVersion 12, ConsentScreen 6, ConsentLanguage 12
(two letters, 6 bits each, A = 0), VendorListVersion 12, TcfPolicyVersion 6,
IsServiceSpecific 1, UseNonStandardTexts 1, SpecialFeatureOptIns 12, PurposesConsent 24,
PurposesLITransparency 24, PurposeOneTreatment 1, PublisherCC 12, then the vendor
consent section, the vendor legitimate-interest section (each MaxVendorId 16,
IsRangeEncoding 1, then either a MaxVendorId-bit field or NumEntries 12 of range
entries: IsARange 1, StartOrOnlyVendorId 16, [EndVendorId 16]) and the publisher
restrictions (NumPubRestrictions 12, each PurposeId 6, RestrictionType 2, NumEntries 12
of range entries).

Why our own decoder: the ``iab-tcf`` package (0.2.2, 2022) parses the same layout but
has no types, raises bare ``Exception``/``IndexError`` on bad input, predates v2.2
naming and is unmaintained. The format is small; a strict decoder that turns every
malformation into :class:`MalformedTCString` is safer at a trust boundary.

A TC string is a consent signal *from a CMP*, not a ledger record. How it maps to
Sphere purposes and why is in ``docs/consent.md`` (section "TCF").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum

from sphere.domain import ConsentState, Purpose
from sphere.errors import InvalidInput

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SEXTETS = {ch: format(i, "06b") for i, ch in enumerate(_ALPHABET)}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TC_STRING_LENGTH = 20_000  # a string longer than this is refused before decoding
TCF_POLICY_VERSION_2_2 = 4


class MalformedTCString(InvalidInput):
    """A TC string that cannot be decoded. ``reason`` says why; the string itself is never
    put into the message (it is a device-bound identifier-like value)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"malformed TC string: {reason}")


class SegmentType(IntEnum):
    CORE = 0
    DISCLOSED_VENDORS = 1
    ALLOWED_VENDORS = 2  # deprecated in v2.2, still parsed as a type
    PUBLISHER_TC = 3


class RestrictionType(IntEnum):
    NOT_ALLOWED = 0  # purpose flatly not allowed by the publisher
    REQUIRE_CONSENT = 1
    REQUIRE_LEGITIMATE_INTEREST = 2
    UNDEFINED = 3


@dataclass(frozen=True, slots=True)
class PublisherRestriction:
    purpose_id: int
    restriction_type: RestrictionType
    vendor_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class TCString:
    """The decoded core segment. Sets hold the ids whose bit is 1 (purposes 1..24,
    special features 1..12, vendors 1..MaxVendorId)."""

    version: int
    created: datetime
    last_updated: datetime
    cmp_id: int
    cmp_version: int
    consent_screen: int
    consent_language: str
    vendor_list_version: int
    tcf_policy_version: int
    is_service_specific: bool
    use_non_standard_texts: bool
    special_feature_opt_ins: frozenset[int]
    purposes_consent: frozenset[int]
    purposes_legitimate_interest: frozenset[int]
    purpose_one_treatment: bool
    publisher_cc: str
    vendor_consents: frozenset[int]
    vendor_legitimate_interests: frozenset[int]
    publisher_restrictions: tuple[PublisherRestriction, ...]
    segment_types: tuple[SegmentType, ...] = (SegmentType.CORE,)
    max_vendor_id_consent: int = 0
    max_vendor_id_legitimate_interest: int = 0

    @property
    def is_v2_2(self) -> bool:
        """TCF v2.2 is policy version 4; older strings decode alike but were issued
        under rules (e.g. legitimate interest for purposes 3-6) that v2.2 forbids."""
        return self.tcf_policy_version >= TCF_POLICY_VERSION_2_2

    def has_purpose_consent(self, purpose_id: int) -> bool:
        return purpose_id in self.purposes_consent

    def has_vendor_consent(self, vendor_id: int) -> bool:
        return vendor_id in self.vendor_consents

    def restriction_for(self, purpose_id: int, vendor_id: int) -> RestrictionType | None:
        for restriction in self.publisher_restrictions:
            if restriction.purpose_id == purpose_id and vendor_id in restriction.vendor_ids:
                return restriction.restriction_type
        return None

    def __repr__(self) -> str:  # short: the vendor sets can hold hundreds of ids
        return (
            f"TCString(cmp_id={self.cmp_id}, policy={self.tcf_policy_version}, "
            f"purposes_consent={sorted(self.purposes_consent)}, "
            f"vendors={len(self.vendor_consents)})"
        )


class _BitReader:
    """Big-endian bit reader over a base64url segment; reading past the end is a
    :class:`MalformedTCString`, never an ``IndexError``."""

    __slots__ = ("_bits", "_pos", "_len")

    def __init__(self, segment: str) -> None:
        if not segment:
            raise MalformedTCString("empty segment")
        try:
            self._bits = "".join(_SEXTETS[ch] for ch in segment)
        except KeyError:
            raise MalformedTCString("character outside the base64url alphabet") from None
        self._len = len(self._bits)
        self._pos = 0

    def _take(self, width: int, field: str) -> str:
        if self._pos + width > self._len:
            raise MalformedTCString(f"truncated at field {field!r} (bit {self._pos})")
        chunk = self._bits[self._pos : self._pos + width]
        self._pos += width
        return chunk

    def int(self, width: int, field: str) -> int:
        return int(self._take(width, field), 2) if width else 0

    def bool(self, field: str) -> bool:
        return self.int(1, field) == 1

    def bitset(self, width: int, field: str) -> frozenset[int]:
        chunk = self._take(width, field)
        return frozenset(i + 1 for i, bit in enumerate(chunk) if bit == "1")

    def letters(self, field: str) -> str:
        first, second = self.int(6, field), self.int(6, field)
        if first > 25 or second > 25:
            raise MalformedTCString(f"field {field!r} is not two letters A-Z")
        return chr(ord("A") + first) + chr(ord("A") + second)

    def deciseconds(self, field: str) -> datetime:
        return _EPOCH + timedelta(milliseconds=100 * self.int(36, field))

    def ranges(self, field: str) -> frozenset[int]:
        ids: set[int] = set()
        for _ in range(self.int(12, f"{field}.NumEntries")):
            is_range = self.bool(f"{field}.IsARange")
            start = self.int(16, f"{field}.StartOrOnlyVendorId")
            end = self.int(16, f"{field}.EndVendorId") if is_range else start
            if start < 1 or end < start:
                raise MalformedTCString(f"field {field!r} has an empty or reversed range")
            ids.update(range(start, end + 1))
        return frozenset(ids)

    def vendor_section(self, field: str) -> tuple[int, frozenset[int]]:
        max_id = self.int(16, f"{field}.MaxVendorId")
        if self.bool(f"{field}.IsRangeEncoding"):
            ids = self.ranges(field)
            if ids and max(ids) > max_id:
                raise MalformedTCString(f"field {field!r} names a vendor above MaxVendorId")
            return max_id, ids
        return max_id, self.bitset(max_id, field)


def decode_tc_string(value: str) -> TCString:
    """Decode a TCF v2 TC string (core segment; other segments are typed and skipped).

    Raises :class:`MalformedTCString` for bad base64url, truncation, a version other
    than 2, or an unknown segment type. Trailing ``=`` padding some CMPs add is
    tolerated; the standard-base64 characters ``+`` and ``/`` are not.
    """
    if not isinstance(value, str):
        raise MalformedTCString("not a string")
    text = value.strip()
    if not text:
        raise MalformedTCString("empty")
    if len(text) > MAX_TC_STRING_LENGTH:
        raise MalformedTCString(f"longer than {MAX_TC_STRING_LENGTH} characters")
    segments = [segment.rstrip("=") for segment in text.split(".")]
    core = _BitReader(segments[0])
    version = core.int(6, "Version")
    if version != 2:
        raise MalformedTCString(f"unsupported version {version} (only TCF v2 is read)")
    created = core.deciseconds("Created")
    last_updated = core.deciseconds("LastUpdated")
    cmp_id = core.int(12, "CmpId")
    cmp_version = core.int(12, "CmpVersion")
    consent_screen = core.int(6, "ConsentScreen")
    consent_language = core.letters("ConsentLanguage")
    vendor_list_version = core.int(12, "VendorListVersion")
    policy_version = core.int(6, "TcfPolicyVersion")
    is_service_specific = core.bool("IsServiceSpecific")
    use_non_standard_texts = core.bool("UseNonStandardTexts")
    special_features = core.bitset(12, "SpecialFeatureOptIns")
    purposes_consent = core.bitset(24, "PurposesConsent")
    purposes_li = core.bitset(24, "PurposesLITransparency")
    purpose_one_treatment = core.bool("PurposeOneTreatment")
    publisher_cc = core.letters("PublisherCC")
    max_consent, vendor_consents = core.vendor_section("VendorConsents")
    max_li, vendor_li = core.vendor_section("VendorLegitimateInterests")
    restrictions: list[PublisherRestriction] = []
    for _ in range(core.int(12, "NumPubRestrictions")):
        purpose_id = core.int(6, "PubRestriction.PurposeId")
        restriction_type = RestrictionType(core.int(2, "PubRestriction.RestrictionType"))
        vendor_ids = core.ranges("PubRestriction")
        restrictions.append(PublisherRestriction(purpose_id, restriction_type, vendor_ids))
    types = [SegmentType.CORE]
    for segment in segments[1:]:
        raw_type = _BitReader(segment).int(3, "SegmentType")
        if raw_type == SegmentType.CORE:
            raise MalformedTCString("a second core segment")
        if raw_type > max(SegmentType):
            raise MalformedTCString(f"unknown segment type {raw_type}")
        types.append(SegmentType(raw_type))
    return TCString(
        version=version,
        created=created,
        last_updated=last_updated,
        cmp_id=cmp_id,
        cmp_version=cmp_version,
        consent_screen=consent_screen,
        consent_language=consent_language,
        vendor_list_version=vendor_list_version,
        tcf_policy_version=policy_version,
        is_service_specific=is_service_specific,
        use_non_standard_texts=use_non_standard_texts,
        special_feature_opt_ins=special_features,
        purposes_consent=purposes_consent,
        purposes_legitimate_interest=purposes_li,
        purpose_one_treatment=purpose_one_treatment,
        publisher_cc=publisher_cc,
        vendor_consents=vendor_consents,
        vendor_legitimate_interests=vendor_li,
        publisher_restrictions=tuple(restrictions),
        segment_types=tuple(types),
        max_vendor_id_consent=max_consent,
        max_vendor_id_legitimate_interest=max_li,
    )


# --- TCF purposes → Sphere purposes ---------------------------------------------------

TCF_PURPOSE_NAMES: Mapping[int, str] = {
    1: "Store and/or access information on a device",
    2: "Use limited data to select advertising",
    3: "Create profiles for personalised advertising",
    4: "Use profiles to select personalised advertising",
    5: "Create profiles to personalise content",
    6: "Use profiles to select personalised content",
    7: "Measure advertising performance",
    8: "Measure content performance",
    9: "Understand audiences through statistics or combinations of data from different sources",
    10: "Develop and improve services",
    11: "Use limited data to select content",
}

# Every listed TCF purpose must carry consent (not legitimate interest) for the Sphere
# purpose to count as consented. Purposes absent here cannot be consented through TCF
# at all. The legal reasoning per row is in docs/consent.md ("TCF mapping").
TCF_PURPOSE_MAP: Mapping[Purpose, tuple[int, ...]] = {
    Purpose.WEB_ANALYTICS: (1, 8, 9),
    Purpose.PROFILING: (1, 3, 5),
    Purpose.DIRECT_MARKETING: (1, 3, 4),
}


@dataclass(frozen=True, slots=True)
class TcfAssessment:
    """What a TC string says about one Sphere purpose, with a readable reason."""

    purpose: Purpose
    state: ConsentState
    reason: str
    tcf_purposes: tuple[int, ...] = ()


def assess_tcf(
    tc: TCString,
    purpose: Purpose,
    *,
    vendor_id: int | None = None,
    mapping: Mapping[Purpose, tuple[int, ...]] = TCF_PURPOSE_MAP,
) -> TcfAssessment:
    """Read ``tc`` as consent (GDPR Art. 6(1)(a), § 25 TDDDG) for one Sphere purpose.

    GIVEN only when every mapped TCF purpose has *consent*, Purpose 1 was actually
    disclosed (``purpose_one_treatment`` false), and — when the company's own
    ``vendor_id`` is configured — that vendor has consent and no publisher restriction
    forbids it or demands legitimate interest instead. Anything else is NONE: a TC string
    records a current choice, so it can show that consent is absent but never that it
    was withdrawn (withdrawal is a ledger fact).
    """
    required = tuple(mapping.get(purpose, ()))
    name = purpose.value
    if not required:
        return TcfAssessment(
            purpose, ConsentState.NONE, f"TCF signals cannot grant consent for {name!r}"
        )
    if 1 in required and tc.purpose_one_treatment:
        return TcfAssessment(
            purpose,
            ConsentState.NONE,
            f"TCF Purpose 1 was not disclosed (purpose one treatment); no consent for {name!r}",
            required,
        )
    missing = [p for p in required if not tc.has_purpose_consent(p)]
    if missing:
        listed = ", ".join(str(p) for p in missing)
        return TcfAssessment(
            purpose,
            ConsentState.NONE,
            f"no TCF consent for purpose(s) {listed}; no consent for {name!r}",
            required,
        )
    if vendor_id is not None:
        if not tc.has_vendor_consent(vendor_id):
            return TcfAssessment(
                purpose,
                ConsentState.NONE,
                f"TCF vendor {vendor_id} has no consent; no consent for {name!r}",
                required,
            )
        for tcf_purpose in required:
            restriction = tc.restriction_for(tcf_purpose, vendor_id)
            if restriction in (
                RestrictionType.NOT_ALLOWED,
                RestrictionType.REQUIRE_LEGITIMATE_INTEREST,
            ):
                return TcfAssessment(
                    purpose,
                    ConsentState.NONE,
                    f"publisher restriction on TCF purpose {tcf_purpose} for vendor "
                    f"{vendor_id}; no consent for {name!r}",
                    required,
                )
    listed = ", ".join(str(p) for p in required)
    return TcfAssessment(
        purpose,
        ConsentState.GIVEN,
        f"TCF consent for purpose(s) {listed} covers {name!r}",
        required,
    )


def tcf_consent_for(
    tc: TCString,
    purpose: Purpose,
    *,
    vendor_id: int | None = None,
    mapping: Mapping[Purpose, tuple[int, ...]] = TCF_PURPOSE_MAP,
) -> ConsentState:
    """The :class:`ConsentState` ``tc`` gives ``purpose``; see :func:`assess_tcf`."""
    return assess_tcf(tc, purpose, vendor_id=vendor_id, mapping=mapping).state


def consented_purposes(
    tc: TCString,
    *,
    vendor_id: int | None = None,
    purposes: Iterable[Purpose] = tuple(Purpose),
) -> frozenset[Purpose]:
    """The Sphere purposes ``tc`` grants consent for."""
    return frozenset(
        p for p in purposes if tcf_consent_for(tc, p, vendor_id=vendor_id) is ConsentState.GIVEN
    )
