"""Contacts and their identities (e-mail, phone, handles …).

Identity values are stored encrypted under the contact's key; lookups go through the
keyed blind index (``Keyring.blind_index``), unique per (kind, channel).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from sphere.domain import Channel, IdentityKind
from sphere.domain.time import utcnow
from sphere.errors import InvalidInput, NotFound
from sphere.storage.crypto import Keyring, SubjectKeyDestroyed
from sphere.storage.entities import Contact, Identity
from sphere.storage.repositories import readmodel
from sphere.storage.tables import ContactRow, IdentityRow, new_id, new_public_id


def _contact(row: ContactRow) -> Contact:
    return Contact(
        id=row.id,
        public_id=row.public_id,
        created_at=row.created_at,
        is_employee=row.is_employee,
        restricted=row.restricted,
        objected_marketing=row.objected_marketing,
        objected_profiling=row.objected_profiling,
        erased_at=row.erased_at,
        retention_until=row.retention_until,
        minor_since=row.minor_since,
        minor_evidence=row.minor_evidence,
    )


_IDENTITIES = IdentityRow.__table__
# Core statement built once: the pipeline links every post's author through it.
_LOOKUP_IDENTITY = select(_IDENTITIES.c.id, _IDENTITIES.c.contact_id).where(
    _IDENTITIES.c.kind == bindparam("kind"),
    _IDENTITIES.c.channel == bindparam("channel"),
    _IDENTITIES.c.blind_index == bindparam("index"),
)


# The batch forms of the lookups above (expanding IN, compiled once).
_LOOKUP_IDENTITIES = select(
    _IDENTITIES.c.id, _IDENTITIES.c.contact_id, _IDENTITIES.c.blind_index
).where(
    _IDENTITIES.c.kind == bindparam("kind"),
    _IDENTITIES.c.channel == bindparam("channel"),
    _IDENTITIES.c.blind_index.in_(bindparam("indexes", expanding=True)),
)
_IDENTITY_KINDS = (
    select(_IDENTITIES.c.contact_id, _IDENTITIES.c.kind)
    .where(_IDENTITIES.c.contact_id.in_(bindparam("contact_ids", expanding=True)))
    .distinct()
)
_CONTACTS = ContactRow.__table__
_CONTACTS_FOR_PROCESSING = (
    select(_CONTACTS)
    .where(_CONTACTS.c.id.in_(bindparam("contact_ids", expanding=True)))
    .order_by(_CONTACTS.c.id)  # locks taken in one order by every batch
    .with_for_update(read=True)
)
_CHUNK = 500


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


_INSERT_CONTACT = insert(ContactRow.__table__)
_INSERT_IDENTITY = insert(_IDENTITIES)


class ContactRepository:
    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring

    def _row(self, contact_id: str) -> ContactRow:
        row = self.session.get(ContactRow, contact_id)
        if row is None:
            raise NotFound(f"contact {contact_id} not found")
        return row

    def create(
        self,
        *,
        is_employee: bool = False,
        at: datetime | None = None,
        retention_until: datetime | None = None,
    ) -> Contact:
        contact = Contact(
            id=new_id(),
            public_id=new_public_id(),
            created_at=at or utcnow(),
            is_employee=is_employee,
            retention_until=retention_until,
        )
        # Core INSERT: contact imports create thousands of contacts per run.
        self.session.connection().execute(
            _INSERT_CONTACT,
            {
                "id": contact.id,
                "public_id": contact.public_id,
                "created_at": contact.created_at,
                "is_employee": is_employee,
                "restricted": False,
                "objected_marketing": False,
                "objected_profiling": False,
                "erased_at": None,
                "retention_until": retention_until,
            },
        )
        return contact

    def extend_retention(self, contact_id: str, until: datetime) -> None:
        """Move the contact's deadline to ``until`` unless it is already later (a
        re-import confirms the relationship; it never shortens a deadline)."""
        self.session.execute(
            update(ContactRow)
            .where(ContactRow.id == contact_id)
            .where(or_(ContactRow.retention_until.is_(None), ContactRow.retention_until < until))
            .values(retention_until=until)
            .execution_options(synchronize_session=False)
        )

    def get(self, contact_id: str) -> Contact:
        return _contact(self._row(contact_id))

    def get_for_processing(self, contact_id: str) -> Contact:
        """The contact, read under a share lock (``SELECT … FOR SHARE`` on PostgreSQL).

        An erasure locks the row ``FOR UPDATE``; a pipeline that links a record to the
        contact takes this share lock first, so the two serialise: the erasure sees the
        new record and deletes it, or the pipeline waits and then sees ``erased_at``.
        """
        row = self.session.get(
            ContactRow, contact_id, with_for_update={"read": True}, populate_existing=True
        )
        if row is None:
            raise NotFound(f"contact {contact_id} not found")
        return _contact(row)

    def get_many_for_processing(self, contact_ids: Iterable[str]) -> dict[str, Contact]:
        """:meth:`get_for_processing` for many contacts at once: one ``SELECT … FOR SHARE``
        per 500, in id order (so concurrent batches lock in the same order). Unknown ids
        are left out."""
        ids = sorted(set(contact_ids))
        found: dict[str, Contact] = {}
        for chunk in _chunks(ids):
            for row in self.session.execute(_CONTACTS_FOR_PROCESSING, {"contact_ids": chunk}):
                found[row.id] = _contact(row)  # type: ignore[arg-type]
        return found

    def living_ids(self) -> Iterator[str]:
        """Ids of the contacts not erased, oldest first (streamed, not loaded at once)."""
        yield from self.session.scalars(
            select(ContactRow.id)
            .where(ContactRow.erased_at.is_(None))
            .order_by(ContactRow.created_at)
        )

    def get_by_public_id(self, public_id: str) -> Contact:
        row = self.session.scalar(select(ContactRow).where(ContactRow.public_id == public_id))
        if row is None:
            raise NotFound("no contact with this public id")
        return _contact(row)

    def set_flags(
        self,
        contact_id: str,
        *,
        restricted: bool | None = None,
        objected_marketing: bool | None = None,
        objected_profiling: bool | None = None,
        is_employee: bool | None = None,
        erased_at: datetime | None = None,
    ) -> Contact:
        """Change restriction (Art. 18), objections (Art. 21) or the erasure stamp."""
        row = self._row(contact_id)
        if restricted is not None:
            row.restricted = restricted
        if objected_marketing is not None:
            row.objected_marketing = objected_marketing
        if objected_profiling is not None:
            row.objected_profiling = objected_profiling
        if is_employee is not None:
            row.is_employee = is_employee
        if erased_at is not None:
            if row.erased_at is None:  # an erased contact holds nothing any more
                readmodel.contact_erased(self.session, contact_id)
            row.erased_at = erased_at
        self.session.flush()
        return _contact(row)

    def flag_minor(self, contact_id: str, evidence: str, *, at: datetime) -> bool:
        """Mark the contact as a minor (Art. 8) with the evidence; False if already marked."""
        row = self._row(contact_id)
        if row.minor_since is not None:
            return False
        row.minor_since, row.minor_evidence = at, evidence[:200]
        self.session.flush()
        return True

    # --- identities -------------------------------------------------------------------

    def _identity(self, row: IdentityRow) -> Identity:
        try:
            value: str | None = self.keyring.decrypt_text(
                self.session, row.key_id, row.value_ciphertext
            )
        except SubjectKeyDestroyed:
            value = None
        return Identity(
            id=row.id,
            contact_id=row.contact_id,
            kind=IdentityKind(row.kind),
            channel=row.channel,
            value=value,
            verified=row.verified,
            verification_method=row.verification_method,
            created_at=row.created_at,
        )

    def add_identity(
        self,
        contact_id: str,
        kind: IdentityKind,
        value: str,
        *,
        channel: Channel | None = None,
        verified: bool = False,
        verification_method: str | None = None,
        at: datetime | None = None,
    ) -> Identity:
        """Link an identifier to a contact. Idempotent for the same contact; an
        identifier already linked to another contact is refused (``InvalidInput``)."""
        self._row(contact_id)
        channel_value = channel.value if channel else ""
        index = self.keyring.blind_index(kind, channel_value, value)
        existing = self.session.scalar(
            select(IdentityRow).where(
                IdentityRow.kind == kind.value,
                IdentityRow.channel == channel_value,
                IdentityRow.blind_index == index,
            )
        )
        if existing is not None:
            if existing.contact_id != contact_id:
                raise InvalidInput(f"{kind.value} identity is already linked to another contact")
            if verified and not existing.verified:
                existing.verified = True
                existing.verification_method = verification_method
                self.session.flush()
            return self._identity(existing)
        row = IdentityRow(
            contact_id=contact_id,
            kind=kind.value,
            channel=channel_value,
            value_ciphertext=self.keyring.encrypt_for(self.session, contact_id, value.strip()),
            key_id=contact_id,
            blind_index=index,
            verified=verified,
            verification_method=verification_method,
            created_at=at or utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return self._identity(row)

    def find_identity(
        self, kind: IdentityKind, value: str, *, channel: Channel | None = None
    ) -> Identity | None:
        channel_value = channel.value if channel else ""
        row = self.session.scalar(
            select(IdentityRow).where(
                IdentityRow.kind == kind.value,
                IdentityRow.channel == channel_value,
                IdentityRow.blind_index == self.keyring.blind_index(kind, channel_value, value),
            )
        )
        return None if row is None else self._identity(row)

    def add_identities(
        self,
        contact_id: str,
        identities: Iterable[tuple[IdentityKind, str, Channel | None]],
        *,
        verification_method: str | None = None,
        at: datetime | None = None,
    ) -> list[IdentityKind]:
        """Link several identifiers to a NEW contact at once (one query to find clashes,
        one executemany to insert). An identifier already linked to another contact is
        NOT linked again — it would make linking ambiguous; its kind is returned so the
        caller can report it."""
        rows: dict[tuple[str, str, str], dict[str, object]] = {}
        when = at or utcnow()
        for kind, value, channel in identities:
            channel_value = channel.value if channel else ""
            index = self.keyring.blind_index(kind, channel_value, value)
            rows[(kind.value, channel_value, index)] = {
                "id": new_id(),
                "contact_id": contact_id,
                "kind": kind.value,
                "channel": channel_value,
                "value": value.strip(),
                "key_id": contact_id,
                "blind_index": index,
                "verified": False,
                "verification_method": verification_method,
                "created_at": when,
            }
        if not rows:
            return []
        taken = {
            (r.kind, r.channel, r.blind_index)
            for r in self.session.execute(
                select(IdentityRow.kind, IdentityRow.channel, IdentityRow.blind_index).where(
                    IdentityRow.blind_index.in_([k[2] for k in rows])
                )
            )
        }
        fresh = [row for key, row in rows.items() if key not in taken]
        for row in fresh:
            row["value_ciphertext"] = self.keyring.encrypt_for(
                self.session, contact_id, str(row.pop("value"))
            )
        if fresh:
            self.session.connection().execute(_INSERT_IDENTITY, fresh)
        return [IdentityKind(key[0]) for key in rows if key in taken]

    def lookup_identity(
        self, kind: IdentityKind, value: str, *, channel: Channel | None = None
    ) -> tuple[str, str] | None:
        """(identity id, contact id) for an identifier, without decrypting anything —
        the cheap path the pipeline uses to link authors."""
        channel_value = channel.value if channel else ""
        row = (
            self.session.connection()
            .execute(
                _LOOKUP_IDENTITY,
                {
                    "kind": kind.value,
                    "channel": channel_value,
                    "index": self.keyring.blind_index(kind, channel_value, value),
                },
            )
            .first()
        )
        return None if row is None else (row.id, row.contact_id)

    def lookup_identities(
        self, kind: IdentityKind, values: Iterable[str], *, channel: Channel | None = None
    ) -> dict[str, tuple[str, str]]:
        """:meth:`lookup_identity` for many values of one kind and channel: value →
        (identity id, contact id) for those on file; one statement per 500 values."""
        channel_value = channel.value if channel else ""
        by_index: dict[str, list[str]] = {}
        for value in dict.fromkeys(values):
            index = self.keyring.blind_index(kind, channel_value, value)
            by_index.setdefault(index, []).append(value)
        found: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(list(by_index)):
            rows = self.session.execute(
                _LOOKUP_IDENTITIES,
                {"kind": kind.value, "channel": channel_value, "indexes": chunk},
            )
            for row in rows:
                for value in by_index[row.blind_index]:
                    found[value] = (row.id, row.contact_id)
        return found

    def identity_kinds_many(self, contact_ids: Iterable[str]) -> dict[str, set[IdentityKind]]:
        """:meth:`identity_kinds` for many contacts (one statement per 500)."""
        ids = list(dict.fromkeys(contact_ids))
        kinds: dict[str, set[IdentityKind]] = {i: set() for i in ids}
        for chunk in _chunks(ids):
            for row in self.session.execute(_IDENTITY_KINDS, {"contact_ids": chunk}):
                kinds[row.contact_id].add(IdentityKind(row.kind))
        return kinds

    def identity_kinds(self, contact_id: str) -> set[IdentityKind]:
        rows = self.session.scalars(
            select(IdentityRow.kind).where(IdentityRow.contact_id == contact_id).distinct()
        )
        return {IdentityKind(kind) for kind in rows}

    def find_by_identity(
        self, kind: IdentityKind, value: str, *, channel: Channel | None = None
    ) -> Contact | None:
        """The contact linked to this identifier (via its blind index), if any."""
        identity = self.find_identity(kind, value, channel=channel)
        return None if identity is None else self.get(identity.contact_id)

    def identities(self, contact_id: str) -> list[Identity]:
        rows = self.session.scalars(
            select(IdentityRow)
            .where(IdentityRow.contact_id == contact_id)
            .order_by(IdentityRow.created_at, IdentityRow.id)
        )
        return [self._identity(row) for row in rows]

    def remove_identity(self, identity_id: str) -> None:
        row = self.session.get(IdentityRow, identity_id)
        if row is None:
            raise NotFound(f"identity {identity_id} not found")
        self.session.delete(row)
        self.session.flush()
