"""Web analytics and mobile app events (``docs/channels.md#web`` / ``#mobile``,
``sphere.channels.tracking``).

Behavioural data with the privacy signals a real stack sends: ``dnt`` and ``gpc``
headers and a TCF consent string on the web; iOS App Tracking Transparency status, the
all-zero advertising id after a refusal, and in-app consent flags on mobile. Logged-in
visitors carry ``customer_number`` (an extra field the adapters may ignore). Some URLs
leak personal data the way real sites do: e-mail addresses and order numbers in query
strings. IP addresses come from the documentation ranges (RFC 5737, RFC 3849).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sphere.demo._malformed import interleave, malformed_lines
from sphere.demo._people import Contact
from sphere.demo._plan import draw_times
from sphere.demo._tcf import banner_choice
from sphere.demo._wire import FileStats, dumps, iso_naive, iso_z

SITE = "https://www.optiklinse.example"
SLUGS = ("tele-70-200", "weitwinkel-14mm", "makro-100", "portrait-85", "zoom-24-70", "fisheye-8mm")
_PAGES = ("/", "/service", "/blog/makro-tipps", "/haendler", "/kontakt", "/en/", "/garantie")
_REFERRERS = (
    "",
    "",
    "https://search.example/?q=optiklinse+tele",
    "https://social.example/@optiklinse",
    "https://forum.optiklinse.example/t/123",
    "https://news.example.org/test-makro-100",
)
_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/130.0 Mobile",
)
_WEB_TYPES = (
    ("page_view", 40),
    ("product_view", 25),
    ("search", 8),
    ("add_to_cart", 7),
    ("checkout", 4),
    ("purchase", 3),
    ("login", 6),
    ("newsletter_signup", 2),
)
_APP_EVENTS = (
    ("app_open", 30),
    ("screen_view", 30),
    ("product_view", 20),
    ("add_to_wishlist", 6),
    ("purchase", 3),
    ("push_open", 8),
    ("login", 3),
)
ZERO_AD_ID = "00000000-0000-0000-0000-000000000000"


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"


def _ip(rng: random.Random) -> str:
    net = rng.choice(("192.0.2", "198.51.100", "203.0.113", "v6"))
    if net == "v6":
        return f"2001:db8::{rng.randrange(1, 0xFFFF):x}"
    return f"{net}.{rng.randrange(1, 255)}"


@dataclass(frozen=True, slots=True)
class _Visitor:
    cookie_id: str
    ip: str
    agent: str
    dnt: bool
    gpc: bool
    tcf: str
    contact: Contact | None


def _tcf(rng: random.Random) -> str:
    """A valid TC string of one of the banner choices (``demo._tcf``). The 42 draws keep
    the generator's sequence, and so the rest of the demo, as it was."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return banner_choice("".join(rng.choice(alphabet) for _ in range(42)))


def _web_url(rng: random.Random, kind: str, visitor: _Visitor) -> str:
    if kind == "product_view":
        return f"{SITE}/produkte/{rng.choice(SLUGS)}"
    if kind == "search":
        query = rng.choice(("makro", "tele 70-200 gebraucht", "garantie", "gegenlichtblende"))
        if rng.random() < 0.15:
            query = f"reparatur status B-2026-{rng.randrange(1, 30000):06d}"
        return f"{SITE}/suche?q={quote(query)}"
    if kind == "add_to_cart":
        return f"{SITE}/warenkorb?add={rng.choice(SLUGS)}"
    if kind == "checkout":
        return f"{SITE}/kasse"
    if kind == "purchase":
        return f"{SITE}/bestellung/danke?order=B-2026-{rng.randrange(1, 30000):06d}"
    if kind == "newsletter_signup" and visitor.contact is not None:
        return f"{SITE}/newsletter/bestaetigt?email={quote(visitor.contact.email)}"
    if kind == "login":
        return f"{SITE}/konto"
    return SITE + rng.choice(_PAGES)


def web_events(
    n: int, rng: random.Random, contacts: Sequence[Contact], stats: FileStats
) -> Iterator[str]:
    bad = malformed_lines(
        rng, _web_template, required="event_id", time_field="timestamp", naive=iso_naive, ts=1.78e9
    )
    return interleave(_web_lines(n, rng, contacts, stats), bad, rng, expected_lines=n, stats=stats)


def _web_lines(
    n: int, rng: random.Random, contacts: Sequence[Contact], stats: FileStats
) -> Iterator[str]:
    visitors = [
        _Visitor(
            cookie_id=_uuid(rng),
            ip=_ip(rng),
            agent=rng.choice(_AGENTS),
            dnt=rng.random() < 0.10,
            gpc=rng.random() < 0.08,
            tcf=_tcf(rng) if rng.random() < 0.6 else "",
            contact=rng.choice(contacts) if contacts and rng.random() < 0.3 else None,
        )
        for _ in range(max(1, n // 6))
    ]
    kinds = [k for k, _ in _WEB_TYPES]
    weights = [w for _, w in _WEB_TYPES]
    for i, (ts, kind) in enumerate(
        zip(draw_times(rng, n), rng.choices(kinds, weights, k=n), strict=True)
    ):
        visitor = rng.choice(visitors)
        event: dict[str, Any] = {
            "event_id": f"w-{i + 1}",
            "timestamp": iso_z(ts),
            "event_type": kind,
            "cookie_id": visitor.cookie_id,
            "url": _web_url(rng, kind, visitor),
            "referrer": rng.choice(_REFERRERS),
            "user_agent": visitor.agent,
            "ip": visitor.ip,
        }
        if visitor.dnt:
            event["dnt"] = "1"
        if visitor.gpc:
            event["gpc"] = "1"
        if visitor.tcf:
            event["tcf_string"] = visitor.tcf
        if visitor.contact is not None and kind in ("login", "checkout", "purchase"):
            event["customer_number"] = visitor.contact.customer_number
        stats.records += 1
        stats.linked_author_posts += "customer_number" in event
        yield dumps(event)


def _web_template(i: int) -> dict[str, Any]:
    return {
        "event_id": f"w-broken-{i}",
        "timestamp": iso_z(1.78e9 + i),
        "event_type": "page_view",
        "cookie_id": "broken-cookie",
        "url": SITE + "/",
    }


@dataclass(frozen=True, slots=True)
class _Device:
    device_id: str
    platform: str
    att_status: str | None
    advertising_id: str
    consent_analytics: bool
    consent_ads: bool
    app_version: str
    contact: Contact | None


def _device(rng: random.Random, contacts: Sequence[Contact]) -> _Device:
    ios = rng.random() < 0.55
    contact = rng.choice(contacts) if contacts and rng.random() < 0.35 else None
    analytics = rng.random() < 0.7
    if ios:
        att = rng.choices(
            ("authorized", "denied", "not_determined", "restricted"), (25, 55, 15, 5)
        )[0]
        ads = att == "authorized" and rng.random() < 0.8
        ad_id = _uuid(rng).upper() if att == "authorized" else ZERO_AD_ID
    else:
        att = None
        ads = rng.random() < 0.35
        ad_id = _uuid(rng) if ads else ZERO_AD_ID
    return _Device(
        device_id=_uuid(rng),
        platform="ios" if ios else "android",
        att_status=att,
        advertising_id=ad_id,
        consent_analytics=analytics,
        consent_ads=ads,
        app_version=rng.choice(("3.2.1", "3.3.0", "3.4.2")),
        contact=contact,
    )


def mobile_events(
    n: int, rng: random.Random, contacts: Sequence[Contact], stats: FileStats
) -> Iterator[str]:
    bad = malformed_lines(
        rng,
        _mobile_template,
        required="event_id",
        time_field="timestamp",
        naive=iso_naive,
        ts=1.78e9,
    )
    return interleave(
        _mobile_lines(n, rng, contacts, stats), bad, rng, expected_lines=n, stats=stats
    )


def _mobile_lines(
    n: int, rng: random.Random, contacts: Sequence[Contact], stats: FileStats
) -> Iterator[str]:
    devices = [_device(rng, contacts) for _ in range(max(1, n // 8))]
    names = [k for k, _ in _APP_EVENTS]
    weights = [w for _, w in _APP_EVENTS]
    for i, (ts, name) in enumerate(
        zip(draw_times(rng, n), rng.choices(names, weights, k=n), strict=True)
    ):
        device = rng.choice(devices)
        event: dict[str, Any] = {
            "event_id": f"m-{i + 1}",
            "timestamp": iso_z(ts),
            "event_name": name,
            "platform": device.platform,
            "device_id": device.device_id,
            "advertising_id": device.advertising_id,
            "consent_analytics": device.consent_analytics,
            "consent_ads": device.consent_ads,
            "app_version": device.app_version,
        }
        if device.att_status is not None:
            event["att_status"] = device.att_status
        if device.contact is not None:
            event["customer_number"] = device.contact.customer_number
        stats.records += 1
        stats.linked_author_posts += device.contact is not None
        yield dumps(event)


def _mobile_template(i: int) -> dict[str, Any]:
    return {
        "event_id": f"m-broken-{i}",
        "timestamp": iso_z(1.78e9 + i),
        "event_name": "app_open",
        "platform": "android",
        "device_id": "broken-device",
    }
