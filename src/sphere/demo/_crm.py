"""CRM contact export (``docs/channels.md#crm``, ``sphere.channels.crm``) and the consent
history behind its flags.

The CSV carries the adapter's columns (``customer_number``, ``email``, ``phone``,
``first_name``, ``last_name``, ``language``, ``consent_email``, ``consent_phone``,
``consent_newsletter``, ``updated_at``) and, after them, what a Social-CRM export also
holds: postal address, ``is_employee`` and the social handles per channel that let the
pipeline link posts to contacts. The ``consent_*`` flags show the latest state; the
ledger seeds in the manifest hold the history (given, later withdrawn, explicit).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sphere.demo._people import Contact
from sphere.demo._wire import FileStats
from sphere.demo.manifest import ConsentSeed
from sphere.domain import ConsentState, Purpose

COLUMNS: tuple[str, ...] = (
    "customer_number",
    "email",
    "phone",
    "first_name",
    "last_name",
    "language",
    "consent_email",
    "consent_phone",
    "consent_newsletter",
    "updated_at",
    "created_at",
    "street",
    "postcode_city",
    "is_employee",
    "x_username",
    "x_user_id",
    "mastodon_acct",
    "mastodon_account_id",
    "bluesky_handle",
    "bluesky_did",
    "facebook_user_id",
    "forum_user_id",
)
_UPDATED = datetime(2026, 11, 28, 22, 0, tzinfo=UTC).timestamp()


def _z(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def consent_history(contacts: Sequence[Contact], rng: random.Random) -> list[ConsentSeed]:
    """Ledger events per contact, in time order per contact. A withdrawal of direct
    marketing covers every marketing channel, so the CSV shows all three flags false."""
    seeds: list[ConsentSeed] = []
    start, end = datetime(2026, 1, 1, tzinfo=UTC).timestamp(), _UPDATED
    for c in contacts:
        since = c.created_at.timestamp()
        mine: list[ConsentSeed] = []
        add = _adder(mine, c.customer_number)
        if c.marketing_given:
            given = since + rng.random() * (end - since) * 0.5
            add(Purpose.DIRECT_MARKETING, ConsentState.GIVEN, given, "web_form", "2025-03")
            if is_withdrawn(c):
                later = max(given, start) + rng.random() * (end - max(given, start))
                add(Purpose.DIRECT_MARKETING, ConsentState.WITHDRAWN, later, "portal", "2025-03")
        if c.consent_newsletter and not is_withdrawn(c):
            when = since + rng.random() * (end - since)
            add(Purpose.DIRECT_MARKETING, ConsentState.GIVEN, when, "newsletter_doi", "2025-03")
        if c.consent_phone and not is_withdrawn(c):
            when = since + rng.random() * (end - since)
            add(Purpose.DIRECT_MARKETING, ConsentState.GIVEN, when, "phone_call", "2025-03")
        roll = rng.random()
        if roll < 0.12:
            when = start + rng.random() * (end - start)
            add(Purpose.PROFILING, ConsentState.GIVEN, when, "customer_portal", "2026-02")
        if roll < 0.08:
            when = start + rng.random() * (end - start)
            add(Purpose.ENRICHMENT, ConsentState.GIVEN, when, "customer_portal", "2026-02")
        if roll > 0.99:
            when = start + rng.random() * (end - start)
            add(Purpose.ENRICHMENT, ConsentState.EXPLICIT, when, "service_form", "2026-02")
        if rng.random() < 0.4:
            when = start + rng.random() * (end - start)
            add(Purpose.WEB_ANALYTICS, ConsentState.GIVEN, when, "cookie_banner", "2026-01")
        seeds.extend(sorted(mine, key=lambda s: s.recorded_at))
    return seeds


def _adder(
    seeds: list[ConsentSeed], number: str
) -> Callable[[Purpose, ConsentState, float, str, str], None]:
    def add(purpose: Purpose, state: ConsentState, when: float, channel: str, notice: str) -> None:
        seeds.append(ConsentSeed(number, purpose.value, state.value, _z(when), channel, notice))

    return add


def is_withdrawn(c: Contact) -> bool:
    """Deterministic per contact so the CSV flag and the ledger agree."""
    return c.marketing_given and int(c.customer_number[2:]) % 8 == 0


def _row(c: Contact) -> list[str]:
    def flag(value: bool) -> str:
        return "true" if value else "false"

    return [
        c.customer_number,
        c.email,
        c.phone,
        c.first_name,
        c.last_name,
        c.language,
        flag(c.marketing_given and not is_withdrawn(c)),
        flag(c.consent_phone and not is_withdrawn(c)),
        flag(c.consent_newsletter and not is_withdrawn(c)),
        _z(_UPDATED - (hash_minutes(c) * 60)),
        _z(c.created_at.timestamp()),
        c.street,
        c.place,
        flag(c.is_employee),
        c.x_username,
        c.x_user_id,
        c.mastodon_acct,
        c.mastodon_account_id,
        c.bluesky_handle,
        c.bluesky_did,
        c.facebook_user_id,
        c.forum_user_id,
    ]


def has_handle(c: Contact) -> bool:
    return bool(
        c.x_username or c.mastodon_acct or c.bluesky_handle or c.facebook_user_id or c.forum_user_id
    )


def hash_minutes(c: Contact) -> int:
    return int(c.customer_number[2:]) % 1440


def write_contacts(
    path: Path, contacts: Sequence[Contact], rng: random.Random, stats: FileStats
) -> None:
    """Write the CSV; three deliberately bad rows are mixed in at seeded positions."""
    bad_at = dict(zip(sorted(rng.sample(range(len(contacts) + 1), 3)), _bad_rows(), strict=True))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        stats.lines += 1
        for i, contact in enumerate(contacts):
            _maybe_bad(writer, bad_at.get(i), stats)
            writer.writerow(_row(contact))
            stats.records += 1
            stats.lines += 1
            stats.linked_author_posts += has_handle(contact)
        _maybe_bad(writer, bad_at.get(len(contacts)), stats)


def _maybe_bad(writer: Any, bad: tuple[str, list[str]] | None, stats: FileStats) -> None:
    if bad is None:
        return
    kind, row = bad
    writer.writerow(row)
    stats.lines += 1
    stats.malformed[kind] = stats.malformed.get(kind, 0) + 1


def _bad_rows() -> list[tuple[str, list[str]]]:
    def row(number: str, email: str, updated: str) -> list[str]:
        base = [number, email, "", "Kaputt", "Zeile", "de", "false", "false", "false", updated]
        return base + [""] * (len(COLUMNS) - len(base))

    return [
        ("invalid_email", row("K-999901", "keine-mail-adresse", "2026-06-01T10:00:00Z")),
        ("missing_field", row("", "leer@example.org", "2026-06-01T10:00:00Z")),
        ("naive_timestamp", row("K-999903", "naiv@example.org", "2026-06-01T10:00:00")),
    ]
