"""Render the hand-written templates into labelled posts with Faker and seeded randomness.

Determinism: one ``random.Random(seed)`` drives every choice and seeds the Faker
instance, so the same seed, template set and Faker version give byte-identical output.
(Faker's word lists change between releases; the committed files are the reference.)

Slots and the entity type each one produces (``None`` = unlabelled decoy):
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from faker import Faker

from sphere.pii.eval import identifiers as ids
from sphere.pii.eval import templates_de, templates_en
from sphere.pii.eval.labels import LabelledPost, LabelledSpan

SLOTS: dict[str, str | None] = {
    "name": "PERSON",
    "first": "PERSON",
    "last": "PERSON",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "iban": "IBAN_CODE",
    "card": "CREDIT_CARD",
    "ip": "IP_ADDRESS",
    "url": "URL",
    "date": "DATE_TIME",
    "dob": "DATE_OF_BIRTH",
    "taxid": "DE_TAX_ID",
    "pension": "DE_PENSION_NUMBER",
    "idcard": "DE_ID_CARD",
    "passport": "DE_PASSPORT",
    "plate": "DE_LICENSE_PLATE",
    "order": "ORDER_NUMBER",
    "customer": "CUSTOMER_NUMBER",
    "handle": "SOCIAL_HANDLE",
    "fedi": "SOCIAL_HANDLE",
    "address": "LOCATION",
    "street": "LOCATION",
    "city": "LOCATION",
    "version": None,
}
__doc__ = (__doc__ or "") + "\n" + "\n".join(f"* ``{{{k}}}`` → {v}" for k, v in SLOTS.items())

TEMPLATES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "de": templates_de.TEMPLATES,
    "en": templates_en.TEMPLATES,
}
_FAKER_LOCALE = {"de": "de_DE", "en": "en_US"}
_SLOT_RE = re.compile(r"\{(\w+)\}")
_DOMAINS = ("example.com", "example.org", "example.net")
_INSTANCES = ("mastodon.example", "social.example.org", "fedi.example.net", "chaos.social")
_MONTHS = {
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_TRAILERS = (" #kundenservice", " 🙏", " #support 😤", " 🤷", " #help", " !!!", " 😂😂", " #fail")


class _Filler:
    """Produces one fake value per slot for one language."""

    def __init__(self, lang: str, rng: random.Random) -> None:
        self.lang = lang
        self.rng = rng
        self.fake = Faker(_FAKER_LOCALE[lang])
        self.fake.seed_instance(rng.randrange(2**32))
        self._makers: dict[str, Callable[[], str]] = {
            "name": lambda: f"{self.fake.first_name()} {self.fake.last_name()}",
            "first": self.fake.first_name,
            "last": self.fake.last_name,
            "email": self._email,
            "phone": lambda: ids.phone_de(rng) if lang == "de" else ids.phone_en(rng),
            "iban": lambda: ids.iban_de(rng),
            "card": lambda: ids.credit_card(rng),
            "ip": lambda: ids.ip_address(rng),
            "url": self._url,
            "date": lambda: self._date(2019, 2026),
            "dob": lambda: self._date(1945, 2009),
            "taxid": lambda: ids.steuer_id(rng),
            "pension": lambda: ids.pension_number(rng, surname=self.fake.last_name()),
            "idcard": lambda: ids.id_card(rng),
            "passport": lambda: ids.passport(rng),
            "plate": lambda: ids.license_plate(rng),
            "order": lambda: ids.order_number(rng),
            "customer": lambda: ids.customer_number(rng),
            "handle": lambda: "@" + self._user(),
            "fedi": lambda: f"@{self._user()}@{rng.choice(_INSTANCES)}",
            "address": self._address,
            "street": self._street,
            "city": self.fake.city,
            "version": lambda: ids.version_string(rng),
        }

    def value(self, slot: str) -> str:
        return self._makers[slot]()

    def _user(self) -> str:
        return re.sub(r"[^A-Za-z0-9_]", "_", self.fake.user_name())

    def _email(self) -> str:
        local = self.rng.choice(
            [
                self._user(),
                f"{self.fake.first_name()}.{self.fake.last_name()}".lower(),
            ]
        )
        local = re.sub(r"[^a-z0-9._-]", "", local.lower().replace("ä", "ae").replace("ö", "oe"))
        return f"{local or 'kunde'}@{self.rng.choice(_DOMAINS)}"

    def _url(self) -> str:
        domain = self.rng.choice(_DOMAINS)
        path = self.rng.choice(
            [
                f"/profil/{self._user()}",
                f"/bewertung?id={self.rng.randint(1000, 99999)}",
                f"/blog/{self.rng.randint(2019, 2026)}/{self.fake.word()}",
                f"/u/{self._user()}",
                "",
            ]
        )
        scheme = self.rng.choice(["https://", "https://www.", "http://", "www."])
        return f"{scheme}{domain}{path}"

    def _date(self, first_year: int, last_year: int) -> str:
        y = self.rng.randint(first_year, last_year)
        m = self.rng.randint(1, 12)
        d = self.rng.randint(1, 28)
        style = self.rng.randrange(4)
        month = _MONTHS[self.lang][m - 1]
        if self.lang == "de":
            return (
                f"{d:02d}.{m:02d}.{y}",
                f"{d}. {month} {y}",
                f"{d}.{m}.{y}",
                f"{y}-{m:02d}-{d:02d}",
            )[style]
        return (
            f"{month} {d}, {y}",
            f"{d} {month} {y}",
            f"{m:02d}/{d:02d}/{y}",
            f"{y}-{m:02d}-{d:02d}",
        )[style]

    def _street(self) -> str:
        number = f"{self.rng.randint(1, 180)}{self.rng.choice(['', '', '', 'a', 'b'])}"
        if self.lang == "de":
            return f"{self.fake.street_name()} {number}"
        return f"{number} {self.fake.street_name()}"

    def _address(self) -> str:
        if self.lang == "de":
            return f"{self._street()}, {self.fake.postcode()} {self.fake.city()}"
        return (
            f"{self._street()}, {self.fake.city()}, {self.fake.state_abbr()} {self.fake.postcode()}"
        )


def render(template: str, fill: Callable[[str], str]) -> tuple[str, tuple[LabelledSpan, ...]]:
    """Replace each ``{slot}`` with ``fill(slot)``; return the text and the gold spans."""
    parts: list[str] = []
    spans: list[LabelledSpan] = []
    position = 0
    cursor = 0
    for match in _SLOT_RE.finditer(template):
        literal = template[cursor : match.start()]
        parts.append(literal)
        position += len(literal)
        slot = match.group(1)
        value = fill(slot)
        entity_type = SLOTS[slot]
        if entity_type is not None:
            spans.append(LabelledSpan(position, position + len(value), entity_type))
        parts.append(value)
        position += len(value)
        cursor = match.end()
    parts.append(template[cursor:])
    return "".join(parts), tuple(spans)


def generate(lang: str, count: int, *, seed: int) -> list[LabelledPost]:
    """``count`` posts in ``lang``, cycling through every template in turn."""
    rng = random.Random(f"{seed}:{lang}")
    filler = _Filler(lang, rng)
    templates = TEMPLATES[lang]
    offset = rng.randrange(len(templates))
    posts: list[LabelledPost] = []
    for i in range(count):
        template, tags = templates[(offset + i) % len(templates)]
        text, spans = render(template, filler.value)
        tag_list = list(tags)
        roll = rng.random()
        if roll < 0.1:
            text += rng.choice(_TRAILERS)
            tag_list.append("trailer")
        elif roll < 0.16 and len(text.lower()) == len(text):
            text = text.lower()
            tag_list.append("lowercased")
        posts.append(
            LabelledPost(
                id=f"syn-{lang}-{i:05d}",
                lang=lang,
                text=text,
                spans=spans,
                source="synthetic",
                tags=tuple(dict.fromkeys(tag_list)),
            )
        )
    return posts


def throughput_corpus(count: int, *, seed: int = 20_000) -> list[LabelledPost]:
    """An alternating German/English corpus for the throughput benchmarks."""
    half = count // 2
    de = generate("de", count - half, seed=seed)
    en = generate("en", half, seed=seed)
    mixed: list[LabelledPost] = []
    for i in range(count - half):
        mixed.append(de[i])
        if i < half:
            mixed.append(en[i])
    return mixed
