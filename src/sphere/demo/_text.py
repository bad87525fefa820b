"""Post text from templates: parsed once, filled many times from pre-drawn pools.

A composed post is a tuple of segments, not a string, because every channel spells
mentions and hashtags differently (``@optiklinse`` on X, an ``h-card`` link on
Mastodon, a byte-offset facet on Bluesky, the page name on Facebook). Each channel
renderer turns the segments into its own text and entity offsets.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from types import ModuleType

from sphere.demo import _templates_de, _templates_en
from sphere.demo._company import BRAND, PRODUCTS, SIGNATURES
from sphere.demo._people import Pools, english_phone, german_phone

KINDS: tuple[str, ...] = (
    "addressed",
    "direct",
    "brand",
    "private",
    "unrelated",
    "company_reply",
    "company_post",
)
COMPANY_KINDS = frozenset({"company_reply", "company_post"})
_TABLE = {
    "addressed": "ADDRESSED",
    "direct": "DIRECT",
    "brand": "BRAND",
    "private": "PRIVATE",
    "unrelated": "UNRELATED",
    "company_reply": "COMPANY_REPLY",
    "company_post": "COMPANY_POST",
}
_PART = re.compile(r"(\{\w+\}|#\w+)")
EMOJI: tuple[str, ...] = (
    "📷",
    "😍",
    "🙄",
    "😡",
    "👍",
    "🔥",
    "❤️",
    "🤔",
    "😅",
    "🙏",
    "✨",
    "📸",
    "💸",
)
BRAND_SPELLINGS: tuple[str, ...] = (BRAND, BRAND, BRAND, "optiklinse", "OptikLinse")
# Hostile input a channel may deliver: markup, entities, zero-width and control characters.
HOSTILE: tuple[str, ...] = (
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "Tom &amp; Jerry &lt;3 &#x1F4F7;",
    "<a href=\"javascript:alert('x')\">Gewinnspiel</a>",
    "click\u200bhere\u202e <b>free</b> lens &quot;deal&quot;",
)

# A segment: ("t", text) | ("x", raw hostile text) | ("m", account-ref) | ("h", hashtag).
# The account-ref is ``None`` for the company, else an index chosen by the planner.
Segment = tuple[str, object]
Parsed = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Composed:
    segments: tuple[Segment, ...]
    hostile: bool


def _parse(template: str) -> Parsed:
    parts: list[tuple[str, str]] = []
    for piece in _PART.split(template):
        if not piece:
            continue
        if piece.startswith("{") and piece.endswith("}"):
            parts.append(("slot", piece[1:-1]))
        elif piece.startswith("#"):
            parts.append(("h", piece[1:]))
        else:
            parts.append(("t", piece))
    return tuple(parts)


def _load(module: ModuleType) -> dict[str, tuple[Parsed, ...]]:
    return {kind: tuple(_parse(t) for t in getattr(module, name)) for kind, name in _TABLE.items()}


def template_counts() -> dict[str, int]:
    """Number of hand-written templates per language (company replies excluded)."""
    out = {}
    for lang, module in (("de", _templates_de), ("en", _templates_en)):
        out[lang] = sum(
            len(getattr(module, n)) for k, n in _TABLE.items() if k not in COMPANY_KINDS
        )
    return out


class Composer:
    """Fills parsed templates. Mentions of other accounts come back as ``("m", "pal")``;
    the planner resolves them to an account of the channel."""

    def __init__(self, pools: Pools) -> None:
        self._pools = pools
        self._parsed = {"de": _load(_templates_de), "en": _load(_templates_en)}
        self._modules = {"de": _templates_de, "en": _templates_en}
        self._prefix = {k: tuple(_parse(p) for p in m.PREFIX) for k, m in self._modules.items()}
        self._suffix = {k: tuple(_parse(s) for s in m.SUFFIX) for k, m in self._modules.items()}
        self._product = PRODUCTS[0]

    def compose(
        self,
        rng: random.Random,
        kind: str,
        lang: str,
        *,
        customer_number: str = "",
        email: str = "",
        addressee: str = "",
        hostile_rate: float = 0.004,
    ) -> Composed:
        parts = list(rng.choice(self._parsed[lang][kind]))
        if kind not in COMPANY_KINDS:
            parts = (
                list(rng.choice(self._prefix[lang])) + parts + list(rng.choice(self._suffix[lang]))
            )
        casual = kind not in COMPANY_KINDS and rng.random() < 0.1
        segments: list[Segment] = []
        self._product = rng.choice(PRODUCTS)  # {product} and {tag} agree within one post
        for tag, value in parts:
            if tag == "t":
                segments.append(("t", value.lower() if casual else value))
            elif tag == "h":
                segments.append(("h", value))
            else:
                segments.append(self._fill(rng, value, lang, customer_number, email, addressee))
        if kind not in COMPANY_KINDS and rng.random() < 0.12:
            _typo(rng, segments)
        hostile = kind not in COMPANY_KINDS and rng.random() < hostile_rate
        if hostile:
            segments.append(("t", " "))
            segments.append(("x", rng.choice(HOSTILE)))
        return Composed(tuple(_merge(segments)), hostile)

    def _fill(
        self, rng: random.Random, slot: str, lang: str, custno: str, email: str, addressee: str
    ) -> Segment:
        p, m = self._pools, self._modules[lang]
        de = lang == "de"
        if slot == "co":
            return ("m", None)
        if slot == "pal":
            return ("m", "pal")
        if slot == "tag":
            return ("h", self._product[2] if rng.random() < 0.8 else "optiklinse")
        text: str
        if slot == "brand":
            text = rng.choice(BRAND_SPELLINGS)
        elif slot == "product":
            text = self._product[0]
        elif slot == "friend":
            first = p.first_de if de else p.first_en
            last = p.last_de if de else p.last_en
            text = f"{rng.choice(first)} {rng.choice(last)}"
        elif slot == "phone":
            text = german_phone(rng) if de or rng.random() < 0.3 else english_phone(rng)
        elif slot == "addr":
            if de:
                text = (
                    f"{rng.choice(p.street_de)} {rng.randrange(1, 120)}, {rng.choice(p.place_de)}"
                )
            else:
                text = (
                    f"{rng.randrange(1, 999)} {rng.choice(p.street_en)}, {rng.choice(p.place_en)}"
                )
        elif slot == "order":
            text = f"B-2026-{rng.randrange(1, 30000):06d}"
            if de and rng.random() < 0.5:
                text = f"Bestellnr. {text}"
        elif slot == "custno":
            text = custno or f"K-{rng.randrange(100000, 999999)}"
        elif slot == "email":
            text = email or f"{rng.choice(p.first_en).lower()}{rng.randrange(100)}@example.org"
        elif slot == "health":
            text = rng.choice(m.HEALTH)
        elif slot == "belief":
            text = rng.choice(m.BELIEF)
        elif slot == "camera":
            text = rng.choice(m.CAMERA)
        elif slot == "city":
            text = rng.choice(p.city_de if de else p.city_en)
        elif slot == "emoji":
            text = "".join(rng.choice(EMOJI) for _ in range(rng.randrange(1, 4)))
        elif slot == "price":
            euros = rng.choice((349, 499, 799, 1099, 1299, 1899, 2199))
            text = f"{euros:,} €".replace(",", ".") if de else f"€{euros:,}"
        elif slot == "days":
            text = str(rng.randrange(2, 40))
        elif slot == "name":
            text = addressee or ("zusammen" if de else "there")
        elif slot == "sig":
            text = rng.choice(SIGNATURES)
        else:
            raise KeyError(slot)
        return ("t", text)


def _typo(rng: random.Random, segments: list[Segment]) -> None:
    """Swap two adjacent letters in one text segment: real posts are not proof-read."""
    candidates = [i for i, (k, v) in enumerate(segments) if k == "t" and len(str(v)) > 8]
    if not candidates:
        return
    i = rng.choice(candidates)
    text = str(segments[i][1])
    pos = rng.randrange(1, len(text) - 2)
    if text[pos].isalpha() and text[pos + 1].isalpha():
        segments[i] = ("t", text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :])


def _merge(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        if seg[0] == "t" and out and out[-1][0] == "t":
            out[-1] = ("t", str(out[-1][1]) + str(seg[1]))
        elif seg[0] != "t" or seg[1]:
            out.append(seg)
    return out
