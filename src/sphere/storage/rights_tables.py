"""Tables for data-subject rights: requests, identity-verification challenges, Art. 14 duties.

None of these rows holds an identifier of the person in clear or as a blind index:

* ``dsr_requests`` points at the contact by its internal id only and keeps the workflow
  state, the GDPR deadline (Art. 12(3): one month, extendable by two with a recorded
  reason) and a result summary of ids, counts and enum tokens. The request record is
  kept after an erasure as proof that the controller complied (Art. 5(2)).
* ``dsr_verifications`` stores one-time codes and challenge phrases only as salted
  PBKDF2 hashes with an expiry and an attempt counter, so a database copy does not let
  anyone answer a challenge.
* ``notice_duties`` tracks the duty to inform (Art. 14) per contact and source: data
  obtained from social media, not from the person, must be notified within one month
  (Art. 14(3)(a)) or at the first communication (Art. 14(3)(b)).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


class DsrRequestRow(Base):
    __tablename__ = "dsr_requests"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    type: Mapped[str] = mapped_column(ENUM)
    state: Mapped[str] = mapped_column(ENUM, index=True)
    channel: Mapped[str] = mapped_column(ENUM, default="")
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    extended_until: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None]
    verification_method: Mapped[str | None] = mapped_column(ENUM)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    opened_by: Mapped[str] = mapped_column(String(100), default="")
    # What the person told us with the request (e.g. what to correct), encrypted under
    # the contact's key: gone with the key on erasure.
    details_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A rectification's corrections (JSON ``{field: new value}``), encrypted under the
    # contact's key until the request is carried out (``rights.rectification``).
    corrections_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


class DsrVerificationRow(Base):
    __tablename__ = "dsr_verifications"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("dsr_requests.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(ENUM)
    identity_id: Mapped[str | None] = mapped_column(
        ForeignKey("identities.id", ondelete="SET NULL")
    )
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    consumed_at: Mapped[datetime | None]


class NoticeDutyRow(Base):
    __tablename__ = "notice_duties"
    __table_args__ = (UniqueConstraint("contact_id", "source_name"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    source_name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(ENUM)
    obtained_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    language: Mapped[str] = mapped_column(String(16), default="de")
    notice_sha256: Mapped[str | None] = mapped_column(String(64))
