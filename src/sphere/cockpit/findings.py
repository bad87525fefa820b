"""Risk findings computed from the stored data, each with its evidence and a link.

Evidence names counts, ids, enum values and dates — never content. Checks:

``retention.expired``          rows held past their retention deadline (Art. 5(1)(e))
``consent.withdrawn-derived``  consent-based attributes whose consent is no longer valid
``special-category.stored``    Art. 9 data held (allowed only with explicit consent)
``identity.linked-without-basis`` identities neither provided nor verified, or of a
                               contact with no logged decision (Art. 5(1)(a), 6(1))
``source.scraper``             registered sources collected by scraping
``dpia.missing``               activities that need a DPIA (Art. 35) and have none
``storage.unencrypted-personal-field`` clear columns that look like personal data,
                               found by introspecting the schema, plus clear free-text
                               columns whose values contain e-mail addresses or handles
``third-party.exposed``        stored texts that still show other people's handles or
                               e-mail addresses (the minimiser should have replaced them)

Not computed here yet (their services are built elsewhere): campaigns about to send
on expired consent, Art. 14 notices overdue, data-subject requests near their deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Text
from sqlalchemy.orm import Session

from sphere.cockpit import _read_model as read
from sphere.cockpit.record import ProcessingRecord
from sphere.consent.ledger import states
from sphere.domain import Collection, Purpose
from sphere.governance.sources import list_sources
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.schema import full_metadata

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
HANDLE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{2,30})\b")
# Column names that hold personal data unless encrypted (checked on every table).
PERSONAL_NAME = re.compile(
    r"(^|_)(text|value|payload|email|e_mail|phone|handle|address|ip|body|content|bio|"
    r"first_name|last_name|full_name|birth)(_|$)"
)
# Clear columns reviewed as NOT personal data of customers, with the reason.
REVIEWED_CLEAR: dict[tuple[str, str], str] = {
    ("staff_users", "username"): "staff log-in name, needed in clear to log in (BDSG §26)",
    ("staff_users", "display_name"): "staff display name (BDSG §26)",
    ("notices", "text"): "privacy notice text shown to everyone",
    ("policy_versions", "text"): "policy source text",
    ("subject_keys", "wrapped_key"): "wrapped data key (ciphertext)",
    ("portal_login_links", "address_key"): "keyed HMAC of the address for rate limiting; "
    "not reversible without the pseudonym secret",
}
MAX_SCAN = 2000
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str  # high | medium | low | info
    title: str
    evidence: str
    count: int
    link: str
    article: str
    object_ids: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "evidence": self.evidence,
            "count": self.count,
            "link": self.link,
            "article": self.article,
            "object_ids": list(self.object_ids[:20]),
        }


def _retention(session: Session, now: datetime) -> list[Finding]:
    found = read.expired(session, now=now)
    if not found:
        return []
    ids = tuple(i for rows in found.values() for i, _ in rows)
    oldest = min(deadline for rows in found.values() for _, deadline in rows)
    parts = ", ".join(f"{len(rows)} {table}" for table, rows in sorted(found.items()))
    return [
        Finding(
            code="retention.expired",
            severity="high",
            title="Data held past its retention deadline",
            evidence=f"{parts}; oldest deadline {oldest.date().isoformat()}",
            count=len(ids),
            link="/cockpit/inventories#flows",
            article="GDPR Art. 5(1)(e)",
            object_ids=ids,
        )
    ]


def _withdrawn(session: Session, now: datetime) -> list[Finding]:
    rows = read.consent_based_attributes(session)
    stale: list[str] = []
    cache: dict[str, dict[Purpose, Any]] = {}
    for attribute_id, contact_id, purpose in rows:
        if contact_id not in cache:
            cache[contact_id] = states(session, contact_id, now=now)
        status = cache[contact_id].get(Purpose(purpose))
        if status is None or not status.is_valid:
            stale.append(attribute_id)
    if not stale:
        return []
    return [
        Finding(
            code="consent.withdrawn-derived",
            severity="high",
            title="Derived data whose consent was withdrawn or is missing",
            evidence=f"{len(stale)} consent-based attributes without valid consent",
            count=len(stale),
            link="/cockpit/findings#consent.withdrawn-derived",
            article="GDPR Art. 7(3), Art. 17(1)(b)",
            object_ids=tuple(stale),
        )
    ]


def _special(session: Session) -> list[Finding]:
    found = read.special_category_rows(session)
    if not found:
        return []
    ids = tuple(sorted({i for cats in found.values() for rows in cats.values() for i in rows}))
    parts = "; ".join(
        f"{table}: " + ", ".join(f"{cat} {len(rows)}" for cat, rows in sorted(cats.items()))
        for table, cats in sorted(found.items())
    )
    return [
        Finding(
            code="special-category.stored",
            severity="medium",
            title="Special-category data stored",
            evidence=parts,
            count=len(ids),
            link="/cockpit/record#customer_care",
            article="GDPR Art. 9",
            object_ids=ids,
        )
    ]


def _identities(session: Session) -> list[Finding]:
    rows = read.identities_without_basis(session)
    if not rows:
        return []
    contacts = len({c for _, c in rows})
    return [
        Finding(
            code="identity.linked-without-basis",
            severity="high",
            title="Identities linked without a basis",
            evidence=f"{len(rows)} identities of {contacts} contacts are neither provided "
            "nor verified, or their contact has no logged decision",
            count=len(rows),
            link="/cockpit/inventories#processes",
            article="GDPR Art. 5(1)(a), Art. 6(1)",
            object_ids=tuple(i for i, _ in rows),
        )
    ]


def _scrapers(session: Session) -> list[Finding]:
    scrapers = [s for s in list_sources(session) if s.collection is Collection.SCRAPER]
    if not scrapers:
        return []
    return [
        Finding(
            code="source.scraper",
            severity="medium",
            title="Sources collected by scraping",
            evidence="registered: " + ", ".join(f"{s.name} ({s.channel.value})" for s in scrapers),
            count=len(scrapers),
            link="/cockpit/inventories#infrastructure",
            article="GDPR Art. 5(1)(a), Art. 14",
            object_ids=tuple(s.id for s in scrapers),
        )
    ]


def _dpia(record: ProcessingRecord) -> list[Finding]:
    missing = [a for a in record.activities if a.dpia_required and a.dpia_missing]
    if not missing:
        return []
    active = [a for a in missing if a.records]
    return [
        Finding(
            code="dpia.missing",
            severity="high" if active else "medium",
            title="Activities that need a DPIA and have none",
            evidence=", ".join(f"{a.purpose} ({a.records} records)" for a in missing),
            count=len(missing),
            link="/cockpit/record",
            article="GDPR Art. 35",
            object_ids=tuple(a.purpose for a in missing),
        )
    ]


def unencrypted_personal_columns() -> list[tuple[str, str]]:
    """(table, column) of clear text/JSON columns whose name says personal data."""
    found = []
    for table in full_metadata().sorted_tables:
        for column in table.columns:
            if isinstance(column.type, LargeBinary) or column.name.endswith("_ciphertext"):
                continue
            if not isinstance(column.type, String | Text | JSON):
                continue
            if (table.name, column.name) in REVIEWED_CLEAR:
                continue
            if PERSONAL_NAME.search(column.name):
                found.append((table.name, column.name))
    return found


def _unencrypted(session: Session) -> list[Finding]:
    columns = [f"{t}.{c}" for t, c in unencrypted_personal_columns()]
    leaks: dict[str, list[str]] = {}
    for table, column, row_id, value in read.free_text_sample(session, limit=MAX_SCAN):
        if EMAIL.search(value):
            leaks.setdefault(f"{table}.{column}", []).append(row_id)
    if not columns and not leaks:
        return []
    parts = []
    if columns:
        parts.append("clear columns named like personal data: " + ", ".join(columns))
    if leaks:
        parts.append(
            "e-mail addresses in clear free text: "
            + ", ".join(f"{k} ({len(v)} rows)" for k, v in sorted(leaks.items()))
        )
    return [
        Finding(
            code="storage.unencrypted-personal-field",
            severity="high",
            title="Personal data stored unencrypted",
            evidence="; ".join(parts),
            count=len(columns) + sum(len(v) for v in leaks.values()),
            link="/cockpit/inventories#flows",
            article="GDPR Art. 32(1)(a)",
            object_ids=tuple(i for v in leaks.values() for i in v),
        )
    ]


def _third_party(
    session: Session, keyring: Keyring, company_handles: frozenset[str]
) -> list[Finding]:
    """Handles and e-mail addresses left in stored texts (values are never reported)."""
    interactions = InteractionRepository(session, keyring)
    exposed: list[str] = []
    for record in read.stored_records(session):
        if record.record_type != "interaction" or len(exposed) >= MAX_SCAN:
            continue
        text = interactions.get(record.id).text or ""
        handles = {h.lower() for h in HANDLE.findall(text)} - company_handles
        if handles or EMAIL.search(text):
            exposed.append(record.id)
    if not exposed:
        return []
    return [
        Finding(
            code="third-party.exposed",
            severity="medium",
            title="Third-party mentions exposed in stored posts",
            evidence=f"{len(exposed)} stored posts still show another person's handle or "
            "e-mail address",
            count=len(exposed),
            link="/cockpit/findings#third-party.exposed",
            article="GDPR Art. 5(1)(c), Art. 14",
            object_ids=tuple(exposed),
        )
    ]


def compute_findings(
    session: Session,
    keyring: Keyring,
    record: ProcessingRecord,
    *,
    now: datetime,
    company_handles: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every finding, most severe first. ``record`` is ``record.build_record``'s result."""
    findings = [
        *_retention(session, now),
        *_withdrawn(session, now),
        *_special(session),
        *_identities(session),
        *_scrapers(session),
        *_dpia(record),
        *_unencrypted(session),
        *_third_party(session, keyring, company_handles),
    ]
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
