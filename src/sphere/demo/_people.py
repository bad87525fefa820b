"""Fictional people of the demo: pre-drawn name/address pools, CRM contacts, social accounts.

Faker is called only while drawing the pools (a few hundred values per list); records
are then assembled from the pools with a seeded ``random.Random``. That keeps the
default scenario fast and the output byte-identical for the same seed and Faker version.
All e-mail domains are RFC 2606 ``example.*`` or ``optiklinse*.example``.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from faker import Faker

from sphere.demo._company import COMPANY_DOMAIN, CUSTOMER_MAIL_DOMAIN

POOL_SIZE = 400
MAIL_DOMAINS: tuple[str, ...] = (
    "example.com",
    "example.org",
    "example.net",
    CUSTOMER_MAIL_DOMAIN,
)
MASTODON_INSTANCES: tuple[str, ...] = (
    "photo.example",  # the company's own home instance: its accounts show a bare acct
    "social.example",
    "fotografie.example",
    "norden.example",
    "mastodon.example.org",
)
BLUESKY_SUFFIXES: tuple[str, ...] = ("bsky.example", "bsky.example", "example.net")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "", "'": ""})


@dataclass(frozen=True, slots=True)
class Pools:
    """Values drawn once from Faker; every record picks from these."""

    first_de: tuple[str, ...]
    last_de: tuple[str, ...]
    first_en: tuple[str, ...]
    last_en: tuple[str, ...]
    street_de: tuple[str, ...]
    place_de: tuple[str, ...]  # "80331 München"
    street_en: tuple[str, ...]
    place_en: tuple[str, ...]
    city_de: tuple[str, ...]
    city_en: tuple[str, ...]


def draw_pools(seed: int) -> Pools:
    de = Faker("de_DE")
    en = Faker("en_US")
    de.seed_instance(seed)
    en.seed_instance(seed + 1)
    n = POOL_SIZE
    city_de = tuple(de.city() for _ in range(n // 4))
    city_en = tuple(en.city() for _ in range(n // 4))
    return Pools(
        first_de=tuple(de.first_name() for _ in range(n)),
        last_de=tuple(de.last_name() for _ in range(n)),
        first_en=tuple(en.first_name() for _ in range(n)),
        last_en=tuple(en.last_name() for _ in range(n)),
        street_de=tuple(de.street_name() for _ in range(n)),
        place_de=tuple(f"{de.postcode()} {c}" for c in city_de),
        street_en=tuple(en.street_name() for _ in range(n)),
        place_en=tuple(f"{c}, {en.state_abbr()} {en.postcode()}" for c in city_en),
        city_de=city_de,
        city_en=city_en,
    )


def ascii_slug(text: str) -> str:
    """``"Jürgen Weiß"`` → ``"juergenweiss"``: usable in handles and e-mail local parts."""
    lowered = text.lower().translate(_TRANSLIT)
    folded = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded if ch.isalnum() or ch in "._-")


def german_phone(rng: random.Random) -> str:
    """A German number in one of the ways people actually write them."""
    mobile = rng.choice(("151", "152", "160", "170", "171", "176", "177", "179"))
    area = rng.choice(("89", "30", "40", "221", "69", "711", "911", "8031"))
    sub = str(rng.randrange(1000000, 99999999))
    style = rng.randrange(6)
    if style == 0:
        return f"+49 {mobile} {sub}"
    if style == 1:
        return f"0{mobile} {sub}"
    if style == 2:
        return f"0{mobile}/{sub}"
    if style == 3:
        return f"0{area} {sub[:4]} {sub[4:]}"
    if style == 4:
        return f"+49 (0){area} {sub}"
    return f"0{area}-{sub[:3]}-{sub[3:]}"


def english_phone(rng: random.Random) -> str:
    """US/UK-looking numbers from the ranges set aside for fiction (555-01xx, 07700 900xxx)."""
    if rng.random() < 0.5:
        return f"+1 {rng.randrange(201, 989)}-555-01{rng.randrange(100):02d}"
    return f"+44 7700 900{rng.randrange(1000):03d}"


@dataclass(frozen=True, slots=True)
class Contact:
    """One row of the CRM contact import."""

    customer_number: str
    first_name: str
    last_name: str
    email: str
    phone: str
    language: str  # "de" | "en"
    street: str
    place: str
    x_username: str
    x_user_id: str
    mastodon_acct: str
    mastodon_account_id: str
    bluesky_handle: str
    bluesky_did: str
    facebook_user_id: str
    forum_user_id: str
    marketing_given: bool  # ever agreed to e-mail marketing (the ledger may show a withdrawal)
    consent_phone: bool
    consent_newsletter: bool
    is_employee: bool
    created_at: datetime

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _did(rng: random.Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    return "did:plc:" + "".join(rng.choice(alphabet) for _ in range(24))


def handle_for(rng: random.Random, first: str, last: str) -> str:
    f, la = ascii_slug(first), ascii_slug(last)
    style = rng.randrange(5)
    if style == 0:
        return f"{f}_{la}"[:15]
    if style == 1:
        return f"{f}{la[:1]}{rng.randrange(70, 100)}"
    if style == 2:
        return f"{la}.foto"[:15] if rng.random() < 0.5 else f"{f}shoots"[:15]
    if style == 3:
        return f"{f[:1]}{la}"[:15]
    return f"{f}.{la}"[:15]


def make_contacts(n: int, rng: random.Random, pools: Pools) -> list[Contact]:
    """``n`` contacts; about half have at least one social handle, ~1 % are employees."""
    contacts: list[Contact] = []
    used_mail: set[str] = set()
    used_handle: set[str] = set()
    epoch = datetime(2019, 1, 1, tzinfo=UTC).timestamp()
    span = datetime(2026, 1, 1, tzinfo=UTC).timestamp() - epoch
    for i in range(n):
        lang = "de" if rng.random() < 0.7 else "en"
        if lang == "de":
            first, last = rng.choice(pools.first_de), rng.choice(pools.last_de)
            street = f"{rng.choice(pools.street_de)} {rng.randrange(1, 120)}"
            place = rng.choice(pools.place_de)
            phone = german_phone(rng)
        else:
            first, last = rng.choice(pools.first_en), rng.choice(pools.last_en)
            street = f"{rng.randrange(1, 999)} {rng.choice(pools.street_en)}"
            place = rng.choice(pools.place_en)
            phone = english_phone(rng) if rng.random() < 0.6 else german_phone(rng)
        is_employee = rng.random() < 0.01
        domain = COMPANY_DOMAIN if is_employee else rng.choice(MAIL_DOMAINS)
        local = f"{ascii_slug(first)}.{ascii_slug(last)}"
        if rng.random() < 0.3:
            local = f"{ascii_slug(first)[:1]}{ascii_slug(last)}{rng.randrange(10, 99)}"
        email = f"{local}@{domain}"
        if email in used_mail:
            email = f"{local}{i}@{domain}"
        used_mail.add(email)
        handle = handle_for(rng, first, last)
        if handle in used_handle:
            handle = f"{handle[:11]}{i % 10000}"
        used_handle.add(handle)
        has_x, has_m = rng.random() < 0.30, rng.random() < 0.20
        has_b, has_f = rng.random() < 0.15, rng.random() < 0.25
        instance = rng.choice(MASTODON_INSTANCES)
        contacts.append(
            Contact(
                customer_number=f"K-{100000 + i * 7 + rng.randrange(7)}",
                first_name=first,
                last_name=last,
                email=email,
                phone=phone if rng.random() < 0.8 else "",
                language=lang,
                street=street,
                place=place,
                x_username=handle if has_x else "",
                x_user_id=str(rng.randrange(10**17, 10**18)) if has_x else "",
                mastodon_acct=f"{handle}@{instance}" if has_m else "",
                mastodon_account_id=str(109000000000100000 + i) if has_m else "",
                bluesky_handle=f"{handle.replace('_', '-')}.{rng.choice(BLUESKY_SUFFIXES)}"
                if has_b
                else "",
                bluesky_did=_did(rng) if has_b else "",
                facebook_user_id=str(rng.randrange(10**15, 10**16)) if has_f else "",
                forum_user_id=f"u-{10000 + i}" if rng.random() < 0.15 else "",
                marketing_given=rng.random() < 0.4,
                consent_phone=rng.random() < 0.08,
                consent_newsletter=rng.random() < 0.3,
                is_employee=is_employee,
                created_at=datetime.fromtimestamp(epoch + rng.random() * span, UTC).replace(
                    microsecond=0
                ),
            )
        )
    return contacts
