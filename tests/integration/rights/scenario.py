"""A fictional customer with posts, consents and derived data, and a scan that looks
for her in every table and column (decrypting what it can) and in the database file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from sphere.consent.ledger import grant
from sphere.domain import AttributeKind, Channel, IdentityKind, LegalBasis, Purpose
from sphere.pipeline.runner import ingest_file
from sphere.runtime import Runtime
from sphere.storage.crypto import Keyring
from sphere.storage.entities import NewAttribute, SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.interactions import InteractionRepository
from tests.factories import CRM_HEADER, crm_row, mastodon_status, write_jsonl
from tests.runtimes import approve_all_dpias

EMAIL = "lena.beispiel@example.com"
PHONE = "+49301234567"
HANDLE = "lena_fotografie"
ACCOUNT_ID = "200000000000000001"
CUSTOMER_NUMBER = "K-1001"
POST_WORDS = ("klappert", "Libellen")
INTEREST = "Makrofotografie-Fan"
INVOICE = "RE-2026-0815"
IDENTIFIERS = (EMAIL, PHONE, HANDLE, ACCOUNT_ID, CUSTOMER_NUMBER)


@dataclass(frozen=True)
class Customer:
    contact_id: str
    interaction_ids: tuple[str, ...]
    blind_indexes: tuple[str, ...]


def ingest(rt: Runtime, path: Path, source: str) -> None:
    ingest_file(rt.factory, rt.pipeline_context(), path, source_name=source)


def seed_customer(rt: Runtime, tmp_path: Path, *, approve_dpias: bool = True) -> Customer:
    """Lena (CRM, with her Mastodon account) posts twice; Max is another customer. The
    company has approved its DPIAs unless ``approve_dpias`` is false (then the product
    post is held, Art. 35(1))."""
    if approve_dpias:
        approve_all_dpias(rt)
    crm = tmp_path / "crm.csv"
    crm.write_text(
        CRM_HEADER
        + crm_row(
            CUSTOMER_NUMBER,
            EMAIL,
            mastodon=HANDLE,
            mastodon_id=ACCOUNT_ID,
            newsletter="true",
            phone="+49 30 1234567",
        )
        + crm_row("K-1002", "max.muster@example.org", mastodon="max_m", mastodon_id="42"),
        encoding="utf-8",
    )
    ingest(rt, crm, "crm")
    posts = write_jsonl(
        tmp_path / "posts.jsonl",
        [
            mastodon_status("1", "mein Tele 70-200 klappert bei Kälte", mention_company=True),
            mastodon_status("2", "Mit dem Makro 100 heute Libellen fotografiert"),
            mastodon_status(
                "3",
                "Tele 70-200 ist super",
                account_id="42",
                username="max_m",
                mention_company=True,
            ),
        ],
    )
    ingest(rt, posts, "masto")
    with rt.session() as session:
        contacts = ContactRepository(session, rt.keyring)
        contact = contacts.find_by_identity(IdentityKind.EMAIL, EMAIL)
        assert contact is not None
        interactions = InteractionRepository(session, rt.keyring).list_for_contact(contact.id)
        assert len(interactions) == (2 if approve_dpias else 1), "posts linked to the customer"
        indexes = tuple(
            rt.keyring.blind_index(i.kind, i.channel, i.value or "")
            for i in contacts.identities(contact.id)
        )
    return Customer(contact.id, tuple(i.id for i in interactions), indexes)


def derive_profile(rt: Runtime, customer: Customer) -> tuple[str, str, str]:
    """Consent to profiling, an interest derived from a post, a score built on it.

    Returns (consent id, interest id, score id)."""
    now = rt.clock.now()
    with rt.session() as session:
        consent = grant(
            session,
            customer.contact_id,
            Purpose.PROFILING,
            channel="portal",
            at=now,
            actor="test",
            evidence={"form": "profile-v1"},
        )
        attributes = AttributeRepository(session, rt.keyring)
        interest = attributes.add(
            NewAttribute(
                contact_id=customer.contact_id,
                kind=AttributeKind.DERIVED,
                name="interest",
                value=INTEREST,
                purpose=Purpose.PROFILING,
                legal_basis=LegalBasis.CONSENT,
                policy_version="2026.1",
                rule_id="profiling.with-consent",
                explanation="post mentions Makro 100 and insects",
                consent_id=consent.id,
                derived_from=(SourceRef(SourceType.INTERACTION, customer.interaction_ids[1]),),
            ),
            at=now,
        )
        score = attributes.add(
            NewAttribute(
                contact_id=customer.contact_id,
                kind=AttributeKind.DERIVED,
                name="macro_score",
                value="7",
                purpose=Purpose.PROFILING,
                legal_basis=LegalBasis.CONSENT,
                policy_version="2026.1",
                rule_id="profiling.with-consent",
                explanation="interest weight 7",
                derived_from=(SourceRef(SourceType.ATTRIBUTE, interest.id),),
            ),
            at=now,
        )
    return consent.id, interest.id, score.id


def add_invoice(rt: Runtime, customer: Customer) -> str:
    with rt.session() as session:
        invoice = AttributeRepository(session, rt.keyring).add(
            NewAttribute(
                contact_id=customer.contact_id,
                kind=AttributeKind.PROVIDED,
                name="invoice_reference",
                value=INVOICE,
                purpose=Purpose.LEGAL_OBLIGATION,
                legal_basis=LegalBasis.LEGAL_OBLIGATION,
                policy_version="2026.1",
                rule_id="legal.invoice",
            ),
            at=rt.clock.now(),
        )
    return invoice.id


@dataclass(frozen=True)
class Hit:
    table: str
    column: str
    row_id: str
    needle: str
    decrypted: bool


def _strings(value: Any, key_id: str | None, session: Session, keyring: Keyring):
    if value is None:
        return
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        yield value.decode("utf-8", "ignore"), False
        if key_id:
            plain: str | None = None
            try:
                plain = keyring.decrypt_text(session, key_id, value)
            except Exception:  # destroyed key, other key: nothing readable
                plain = None
            if plain is not None:
                yield plain, True
        return
    if isinstance(value, dict | list):
        yield json.dumps(value, ensure_ascii=False), False
        return
    yield str(value), False


def scan(session: Session, keyring: Keyring, needles: tuple[str, ...]) -> list[Hit]:
    """Every table, every column (schema from the SQLAlchemy inspector)."""
    hits: list[Hit] = []
    inspector = inspect(session.connection())
    tables = inspector.get_table_names()
    assert {"identities", "interactions", "audit_entries", "dsr_requests"} <= set(tables)
    for table in tables:
        columns = [c["name"] for c in inspector.get_columns(table)]
        pk = inspector.get_pk_constraint(table)["constrained_columns"]
        rows = session.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
        for row in rows:
            key_id = row.get("key_id")
            row_id = "/".join(str(row[c]) for c in pk)
            for column in columns:
                for value, decrypted in _strings(row[column], key_id, session, keyring):
                    for needle in needles:
                        if needle.lower() in value.lower():
                            hits.append(Hit(table, column, row_id, needle, decrypted))
    return hits


def file_bytes(db_path: Path) -> bytes:
    data = db_path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = db_path.with_name(db_path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


def channel_handle() -> str:
    return f"{Channel.MASTODON.value}:{HANDLE}"
