"""TC strings (IAB TCF v2.2 core segment) for the demo's web visitors, so the demo's
consent banner choices reach the pipeline in the format a real CMP writes them.

The demo needs only a handful of fixed choices, so this encodes the core segment's
fields in order (IAB "TCF v2.2 Consent string and vendor list formats", core string);
no library for encoding TC strings is maintained for Python, and the decoder
(``sphere.consent.tcf``) is tested against real strings from other implementations.
"""

from __future__ import annotations

import base64
import hashlib

# Banner choices as TCF purposes consented to: all, analytics only (1 store/access,
# 8 measure content, 9 market research), only what is necessary (1), nothing.
CHOICES: tuple[frozenset[int], ...] = (
    frozenset(range(1, 12)),
    frozenset({1, 8, 9}),
    frozenset({1}),
    frozenset(),
)
CREATED_DECISECONDS = 17_640_000_000  # 2025-11-24
CMP_ID, CMP_VERSION, VENDOR_LIST_VERSION, POLICY_VERSION = 300, 7, 150, 5


def _bits(value: int, width: int) -> str:
    return format(value, f"0{width}b")


def _letters(text: str) -> str:
    return "".join(_bits(ord(ch) - ord("A"), 6) for ch in text)


def _field(ids: frozenset[int], width: int) -> str:
    return "".join("1" if i in ids else "0" for i in range(1, width + 1))


def encode_core(purposes: frozenset[int]) -> str:
    """A core-segment TC string: consent to ``purposes``, no vendors, German CMP."""
    bits = (
        _bits(2, 6)  # version
        + _bits(CREATED_DECISECONDS, 36) * 2  # created, last updated
        + _bits(CMP_ID, 12)
        + _bits(CMP_VERSION, 12)
        + _bits(1, 6)  # consent screen
        + _letters("DE")
        + _bits(VENDOR_LIST_VERSION, 12)
        + _bits(POLICY_VERSION, 6)
        + "1"  # service specific
        + "0"  # non-standard texts
        + _bits(0, 12)  # special feature opt-ins
        + _field(purposes, 24)
        + _bits(0, 24)  # legitimate interest transparency: none
        + "0"  # purpose one treatment
        + _letters("DE")
        + _bits(0, 16) + "0"  # vendor consents: none
        + _bits(0, 16) + "0"  # vendor legitimate interests: none
        + _bits(0, 12)  # publisher restrictions: none
    )  # fmt: skip
    bits += "0" * (-len(bits) % 8)
    raw = int(bits, 2).to_bytes(len(bits) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def banner_choice(seed: str) -> str:
    """The TC string of one of the banner ``CHOICES``, picked by ``seed``."""
    index = hashlib.sha256(seed.encode("utf-8")).digest()[0] % len(CHOICES)
    return encode_core(CHOICES[index])
