"""Provided, observed and derived attributes with their provenance (invariant 2).

Every attribute keeps the purpose, legal basis, policy version and rule it was stored
under, and edges to what it was derived from (``attribute_sources``). ``dependents_of``
answers the cascade question: withdrawing consent X, objecting, or erasing interaction
Y — which attributes rest on it, directly or through other attributes?
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sphere.domain import AttributeKind, LegalBasis, Purpose, SpecialCategory
from sphere.domain.time import utcnow
from sphere.errors import NotFound
from sphere.storage.crypto import Keyring, SubjectKeyDestroyed
from sphere.storage.entities import Attribute, NewAttribute, SourceRef, SourceType
from sphere.storage.repositories import readmodel
from sphere.storage.tables import AttributeRow, AttributeSourceRow


class AttributeRepository:
    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring

    def _edges(self, attribute_id: str) -> tuple[SourceRef, ...]:
        rows = self.session.scalars(
            select(AttributeSourceRow)
            .where(AttributeSourceRow.attribute_id == attribute_id)
            .order_by(AttributeSourceRow.source_type, AttributeSourceRow.source_id)
        )
        return tuple(SourceRef(SourceType(r.source_type), r.source_id) for r in rows)

    def _entity(self, row: AttributeRow) -> Attribute:
        try:
            value: str | None = self.keyring.decrypt_text(
                self.session, row.key_id, row.value_ciphertext
            )
        except SubjectKeyDestroyed:
            value = None
        return Attribute(
            id=row.id,
            contact_id=row.contact_id,
            kind=AttributeKind(row.kind),
            name=row.name,
            value=value,
            purpose=Purpose(row.purpose),
            legal_basis=LegalBasis(row.legal_basis),
            policy_version=row.policy_version,
            rule_id=row.rule_id,
            explanation=row.explanation,
            consent_id=row.consent_id,
            derived_from=self._edges(row.id),
            special_categories=frozenset(SpecialCategory(c) for c in row.special_categories),
            retention_until=row.retention_until,
            created_at=row.created_at,
        )

    def add(self, new: NewAttribute, *, at: datetime | None = None) -> Attribute:
        row = AttributeRow(
            contact_id=new.contact_id,
            kind=new.kind.value,
            name=new.name,
            value_ciphertext=self.keyring.encrypt_for(self.session, new.contact_id, new.value),
            key_id=new.contact_id,
            purpose=new.purpose.value,
            legal_basis=new.legal_basis.value,
            consent_id=new.consent_id,
            policy_version=new.policy_version,
            rule_id=new.rule_id,
            explanation=new.explanation,
            special_categories=sorted(c.value for c in new.special_categories),
            retention_until=new.retention_until,
            created_at=at or utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        edges = set(new.derived_from)
        if new.consent_id is not None:
            edges.add(SourceRef(SourceType.CONSENT, new.consent_id))
        for edge in edges:
            self.session.add(
                AttributeSourceRow(
                    attribute_id=row.id, source_type=edge.type.value, source_id=edge.id
                )
            )
        self.session.flush()
        readmodel.record_added(self.session, "attribute", [row.id])
        return self._entity(row)

    def get(self, attribute_id: str) -> Attribute:
        row = self.session.get(AttributeRow, attribute_id)
        if row is None:
            raise NotFound(f"attribute {attribute_id} not found")
        return self._entity(row)

    def list_for_contact(self, contact_id: str) -> list[Attribute]:
        rows = self.session.scalars(
            select(AttributeRow)
            .where(AttributeRow.contact_id == contact_id)
            .order_by(AttributeRow.created_at, AttributeRow.id)
        )
        return [self._entity(r) for r in rows]

    def dependents_of(self, sources: Iterable[SourceRef]) -> list[str]:
        """Ids of every attribute derived from ``sources``, directly or transitively
        (attribute → attribute edges are followed), in discovery order."""
        frontier = {(s.type.value, s.id) for s in sources}
        seen: dict[str, None] = {}
        while frontier:
            found: set[str] = set()
            for source_type in {t for t, _ in frontier}:
                ids = [i for t, i in frontier if t == source_type]
                found.update(
                    self.session.scalars(
                        select(AttributeSourceRow.attribute_id).where(
                            AttributeSourceRow.source_type == source_type,
                            AttributeSourceRow.source_id.in_(ids),
                        )
                    )
                )
            new_ids = sorted(found - seen.keys())
            seen.update(dict.fromkeys(new_ids))
            frontier = {(SourceType.ATTRIBUTE.value, i) for i in new_ids}
        return list(seen)

    def dependents_by_root(
        self, source_type: SourceType, ids: Iterable[str]
    ) -> dict[str, list[str]]:
        """For each of ``ids`` (of ``source_type``), the attributes derived from it,
        directly or transitively — set-based per level, so a batch of a thousand records
        costs a few queries. An attribute derived from two of them is listed under the
        first one found."""
        owner: dict[str, str] = {}
        roots = list(ids)
        for start in range(0, len(roots), 500):
            for attribute_id, root in self.session.execute(
                select(AttributeSourceRow.attribute_id, AttributeSourceRow.source_id).where(
                    AttributeSourceRow.source_type == source_type.value,
                    AttributeSourceRow.source_id.in_(roots[start : start + 500]),
                )
            ):
                owner.setdefault(attribute_id, root)
        frontier = sorted(owner)
        while frontier:
            found: list[str] = []
            for start in range(0, len(frontier), 500):
                for attribute_id, parent in self.session.execute(
                    select(AttributeSourceRow.attribute_id, AttributeSourceRow.source_id).where(
                        AttributeSourceRow.source_type == SourceType.ATTRIBUTE.value,
                        AttributeSourceRow.source_id.in_(frontier[start : start + 500]),
                    )
                ):
                    if attribute_id not in owner:
                        owner[attribute_id] = owner[parent]
                        found.append(attribute_id)
            frontier = sorted(found)
        by_root: dict[str, list[str]] = {}
        for attribute_id, root in owner.items():
            by_root.setdefault(root, []).append(attribute_id)
        return by_root

    def delete(self, attribute_ids: Iterable[str]) -> int:
        """Delete attributes (their provenance edges go with them); returns the count."""
        ids = list(attribute_ids)
        if not ids:
            return 0
        readmodel.record_removed(self.session, "attribute", ids)
        self.session.execute(
            delete(AttributeSourceRow)
            .where(AttributeSourceRow.attribute_id.in_(ids))
            .execution_options(synchronize_session="fetch")
        )
        result = self.session.execute(
            delete(AttributeRow)
            .where(AttributeRow.id.in_(ids))
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)
