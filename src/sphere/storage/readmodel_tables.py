"""Read models: figures kept current in the same transaction as the rows they count, so
the cockpit, the record of processing, the inventories and the transparency page read
a few hundred counter rows instead of scanning a million records.

* ``held_counts`` — how many records are held, per record type (interaction, event,
  attribute, imported contact), purpose, legal basis and outcome of the decision they
  rest on, source, channel, special categories and the UTC day they were stored. Only
  counts: no ids, no content. ``reid`` is the re-identification risk level and action of
  text kept without its author (``sphere.analytics``). ``""`` stands for "none" in a key
  column (a NULL would break the primary key that the race-free upsert relies on).
* ``held_contact_purposes`` — per contact and purpose, how many held records; the
  number of rows with ``n > 0`` per purpose is the "contacts" figure of an activity.
* ``held_purpose_contacts`` — that number, kept current with the transitions of the
  table above (0 → n adds a contact, n → 0 removes one).
* ``readmodel_record_pairs`` — per contact (``""``: unlinked author), record type, the
  record's own deciding facts and the rule, purpose and policy version of its
  decision: how many interactions or events, and the smallest id among them. The
  what-if groups stored records from these (``fact_groups.FactPairs``) instead of
  reading every record and its decision on each pass.

``sphere.storage.repositories.readmodel`` writes them (every write path of the
counted tables calls it) and rebuilds them from scratch.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sphere.storage.tables import ENUM, ID, Base


class HeldCountRow(Base):
    __tablename__ = "held_counts"

    record_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    purpose: Mapped[str] = mapped_column(ENUM, primary_key=True)
    legal_basis: Mapped[str] = mapped_column(ENUM, primary_key=True)
    outcome: Mapped[str] = mapped_column(ENUM, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(ENUM, primary_key=True)
    special: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # "<risk level>:<action>" of text kept without its author (re-identification risk)
    reid: Mapped[str] = mapped_column(String(24), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class HeldContactPurposeRow(Base):
    __tablename__ = "held_contact_purposes"

    contact_id: Mapped[str] = mapped_column(ID, primary_key=True)
    purpose: Mapped[str] = mapped_column(ENUM, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class HeldPurposeContactsRow(Base):
    __tablename__ = "held_purpose_contacts"

    purpose: Mapped[str] = mapped_column(ENUM, primary_key=True)
    contacts: Mapped[int] = mapped_column(Integer, default=0)


class ReadModelMarkRow(Base):
    """How far an incremental derivation got (e.g. the newest record whose Art. 14 duty
    was derived), so the next run looks only at what came since."""

    __tablename__ = "readmodel_marks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[datetime]


class RecordPairRow(Base):
    """Interactions (facts: visibility, addressing, Art. 9 flag, source) or events
    (facts: channel; the other three ``""``/False) of one contact sharing every fact
    the what-if reads from the record and its decision. ``""`` stands for "none"."""

    __tablename__ = "readmodel_record_pairs"

    record_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    contact_id: Mapped[str] = mapped_column(ID, primary_key=True)
    f0: Mapped[str] = mapped_column(ENUM, primary_key=True)  # visibility | channel
    f1: Mapped[str] = mapped_column(ENUM, primary_key=True)  # addressing
    f2: Mapped[bool] = mapped_column(Boolean, primary_key=True)  # special categories
    f3: Mapped[str] = mapped_column(String(100), primary_key=True)  # source name
    rule_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    purpose: Mapped[str] = mapped_column(ENUM, primary_key=True)
    policy_version: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    first_id: Mapped[str | None] = mapped_column(ID)
