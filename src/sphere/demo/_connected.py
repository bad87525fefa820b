"""The demo company's connected CRM (issue 15): a small CRM database beside Sphere's,
a SQLite file in the connectors directory with its connector definition, so that an
erasure requested in the portal reaches it and the cockpit shows it per system.

Its contacts are the people of the demo's CRM export (customer number, e-mail, phone,
name, address), each with a few activities (calls, notes; deleted on erasure) and
some deals whose invoice number and amount are kept ten years (HGB §257, AO §147). The
file and the definition are written once; a later run leaves them as they are. The
CRM is the target of the CRM sync: the records Sphere's gate stored for its customers
are copied into ``sphere_records`` (``sync_demo_crm``) and removed there with them.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
    insert,
)

from sphere.runtime import Runtime

DEFINITION = """\
# The demo company's CRM (a SQLite file beside this definition). Contacts stay as an
# anonymised stub their deals point at; activities go; invoices are kept ten years.
system: crm
name: CRM (Vertrieb & Service)
description: Contacts, call notes and deals of the sales and service team.
kind: sql
connection:
  dialect: sqlite
  database: crm.sqlite
retry:
  max_attempts: 4
  backoff_seconds: 60
tables:
  contacts:
    erasure: update
    fields:
      id: {category: identifier}
      customer_no: {category: identifier, identity: customer_number, erasure: hash}
      email: {category: contact_data, identity: email, erasure: hash}
      phone: {category: contact_data, identity: phone, erasure: "null"}
      first_name: {category: name, rectify: given_name, erasure: "null"}
      last_name: {category: name, rectify: family_name, erasure: "null"}
      street: {category: postal_address, rectify: street, erasure: "null"}
      postcode_city: {category: postal_address, erasure: "null"}
      created_at: {category: technical}
  activities:
    erasure: delete_row
    fields:
      id: {category: identifier}
      contact_id: {category: identifier, references: contacts.id}
      kind: {category: technical}
      note: {category: communication}
      happened_at: {category: technical}
  deals:
    fields:
      id: {category: identifier}
      contact_id: {category: identifier, references: contacts.id}
      invoice_no:
        category: financial
        erasure: keep
        reason: invoices are kept ten years (HGB §257, AO §147; Art. 17(3)(b) GDPR)
      amount:
        category: financial
        erasure: keep
        reason: invoices are kept ten years (HGB §257, AO §147; Art. 17(3)(b) GDPR)
      closed_at: {category: technical}
  sphere_records:
    erasure: delete_row
    fields:
      sphere_id: {category: identifier}
      customer_no: {category: identifier, identity: customer_number}
      email: {category: contact_data, identity: email}
      channel: {category: technical}
      body: {category: communication}
      reference: {category: technical}
      purpose: {category: technical}
      legal_basis: {category: technical}
      keep_until: {category: technical}
# The CRM sync (docs/connectors.md, "CRM sync"): what Sphere's gate stored for a
# customer is copied here with its purpose, legal basis and retention deadline, and
# deleted here when Sphere deletes it.
sync:
  table: sphere_records
  columns:
    record_id: sphere_id
    record_type: record_type
    customer_number: customer_no
    email: email
    channel: channel
    text: body
    reference: reference
    purpose: purpose
    legal_basis: legal_basis
    retention_until: keep_until
    synced_at: synced_at
"""

NOTES = (
    "Rückruf wegen Lieferzeit, erledigt.",
    "Interesse am Fotokurs im Frühjahr.",
    "Called about a broken tripod; replacement sent.",
    "Fragt nach Ratenzahlung.",
)

metadata = MetaData()
contacts = Table(
    "contacts", metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_no", String(64), nullable=False),
    Column("email", String(254)),
    Column("phone", String(40)),
    Column("first_name", String(80)),
    Column("last_name", String(80)),
    Column("street", String(120)),
    Column("postcode_city", String(120)),
    Column("created_at", DateTime, nullable=False),
)  # fmt: skip
activities = Table(
    "activities", metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", ForeignKey("contacts.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("note", Text),
    Column("happened_at", DateTime, nullable=False),
)  # fmt: skip
deals = Table(
    "deals", metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", ForeignKey("contacts.id"), nullable=False),
    Column("invoice_no", String(20), nullable=False),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("closed_at", DateTime, nullable=False),
)  # fmt: skip

sphere_records = Table(
    "sphere_records", metadata,
    Column("sphere_id", String(36), primary_key=True),
    Column("record_type", String(20), nullable=False),
    Column("customer_no", String(64)),
    Column("email", String(254)),
    Column("channel", String(40)),
    Column("body", Text),
    Column("reference", String(300)),
    Column("purpose", String(40)),
    Column("legal_basis", String(40)),
    Column("keep_until", DateTime),
    Column("synced_at", DateTime),
)  # fmt: skip


def write_crm(directory: Path, people: Iterable[Mapping[str, str]]) -> Path:
    """Create ``crm.sqlite`` (replacing one there) with ``people`` (the CRM export's
    columns) and write the connector definition ``crm.yaml`` beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "crm.sqlite"
    database.unlink(missing_ok=True)
    engine = create_engine(f"sqlite+pysqlite:///{database}")
    rng = random.Random("demo:connected-crm")
    start = datetime(2025, 3, 1, tzinfo=UTC)
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            for n, row in enumerate(people, start=1):
                created = start + timedelta(days=rng.randrange(600))
                connection.execute(
                    insert(contacts).values(
                        id=n,
                        customer_no=row.get("customer_number") or f"K-{n:05d}",
                        email=row.get("email") or None,
                        phone=row.get("phone") or None,
                        first_name=row.get("first_name") or None,
                        last_name=row.get("last_name") or None,
                        street=row.get("street") or None,
                        postcode_city=row.get("postcode_city") or None,
                        created_at=created,
                    )
                )
                for i in range(1 + rng.randrange(2)):
                    connection.execute(
                        insert(activities).values(
                            contact_id=n,
                            kind=rng.choice(("call", "note", "mail")),
                            note=rng.choice(NOTES),
                            happened_at=created + timedelta(days=7 * (i + 1)),
                        )
                    )
                if rng.random() < 0.4:
                    connection.execute(
                        insert(deals).values(
                            contact_id=n,
                            invoice_no=f"RE-{2025_0000 + n}",
                            amount=rng.randrange(2900, 189900) / 100,
                            closed_at=created + timedelta(days=30),
                        )
                    )
    finally:
        engine.dispose()
    (directory / "crm.yaml").write_text(DEFINITION, encoding="utf-8")
    return database


def connect_demo_crm(rt: Runtime, crm_export: Path) -> Path | None:
    """The demo's CRM in the connectors directory (once), filled from the demo's CRM
    export; None when a ``crm`` definition exists already."""
    directory = rt.settings.resolved_connectors_dir
    if (directory / "crm.yaml").exists():
        return None
    with crm_export.open(encoding="utf-8", newline="") as f:
        database = write_crm(directory, csv.DictReader(f))
    rt.forget_connected_systems()
    return database


def sync_demo_crm(rt: Runtime, *, backfill: bool = False) -> dict[str, int]:
    """Hand the CRM what the gate stored for its customers (``backfill``: the records
    ingested before the CRM was connected), as ``sphere crm sync`` does."""
    from sphere.rights import crm_sync

    if rt.crm_sync_target() is None:
        return {}
    if backfill:
        with rt.session() as session:
            crm_sync.backfill(session, rt.keyring, at=rt.clock.now(), actor="demo")
    systems = rt.connected_systems()
    result = crm_sync.drain(rt.factory, rt.keyring, systems, now=rt.clock.now, actor="demo")
    return {"pushed": result.pushed, "removed": result.removed}
