"""DPIAs and their versions (``dpia_tables``): detached values, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sphere.domain.dpia import CriterionFinding, Risk
from sphere.errors import NotFound
from sphere.storage.dpia_tables import DpiaRow, DpiaVersionRow


@dataclass(frozen=True, slots=True)
class DpiaVersion:
    id: str
    version: int
    state: str  # draft | signed_off
    description: str
    necessity: str
    criteria: tuple[CriterionFinding, ...]  # as frozen at sign-off (() for a draft)
    declared: dict[str, str]  # criterion → the assessor's reason
    risks: tuple[Risk, ...]
    assessed_on: date | None
    review_on: date | None
    dpo_opinion: str
    dpo_opinion_by: str | None
    dpo_opinion_at: datetime | None
    consultation_on: date | None
    consultation_reference: str
    consultation_outcome: str
    legacy_reference: str
    signed_off_at: datetime | None
    signed_off_by: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime

    @property
    def signed_off(self) -> bool:
        return self.state == "signed_off"


@dataclass(frozen=True, slots=True)
class Dpia:
    id: str
    reference: str
    purpose: str
    measure: str | None
    title: str
    created_at: datetime
    created_by: str
    versions: tuple[DpiaVersion, ...]  # oldest first; never empty

    @property
    def current(self) -> DpiaVersion:
        """The newest version: the draft being worked on, or the latest signed off."""
        return self.versions[-1]

    @property
    def approved(self) -> DpiaVersion | None:
        """The newest signed-off version (it releases the gate), if any."""
        return next((v for v in reversed(self.versions) if v.signed_off), None)

    def version(self, number: int) -> DpiaVersion:
        for item in self.versions:
            if item.version == number:
                return item
        raise NotFound(f"{self.reference} has no version {number}")


_VERSION_FIELDS = tuple(DpiaVersion.__dataclass_fields__)


def _version(row: DpiaVersionRow) -> DpiaVersion:
    values = {name: getattr(row, name) for name in _VERSION_FIELDS}
    values["criteria"] = tuple(CriterionFinding.from_dict(c) for c in row.criteria or ())
    values["risks"] = tuple(Risk.from_dict(r) for r in row.risks or ())
    values["declared"] = dict(row.declared or {})
    return DpiaVersion(**values)


class DpiaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_reference(self, year: int) -> str:
        prefix = f"DPIA-{year}-"
        taken = self.session.scalar(
            select(func.count()).select_from(DpiaRow).where(DpiaRow.reference.like(f"{prefix}%"))
        )
        return f"{prefix}{int(taken or 0) + 1:03d}"

    def _dpia(self, row: DpiaRow) -> Dpia:
        versions = self.session.scalars(
            select(DpiaVersionRow)
            .where(DpiaVersionRow.dpia_id == row.id)
            .order_by(DpiaVersionRow.version)
        )
        return Dpia(row.id, row.reference, row.purpose, row.measure, row.title, row.created_at,
                    row.created_by, tuple(_version(v) for v in versions))  # fmt: skip

    def _row(self, dpia_id: str) -> DpiaRow:
        row = self.session.scalar(select(DpiaRow).where(DpiaRow.reference == dpia_id))
        if row is None and len(dpia_id) == 36:
            row = self.session.get(DpiaRow, dpia_id)
        if row is None:
            raise NotFound(f"no DPIA {dpia_id!r}")
        return row

    def get(self, dpia_id: str) -> Dpia:
        """By reference (``DPIA-2026-001``) or id."""
        return self._dpia(self._row(dpia_id))

    def find(self, purpose: str, measure: str | None) -> Dpia | None:
        row = self.session.scalar(
            select(DpiaRow).where(
                DpiaRow.purpose == purpose,
                DpiaRow.measure.is_(None) if measure is None else DpiaRow.measure == measure,
            )
        )
        return self._dpia(row) if row is not None else None

    def add(self, *, reference: str, purpose: str, measure: str | None, title: str,
            first: dict[str, Any], at: datetime, actor: str) -> Dpia:  # fmt: skip
        row = DpiaRow(reference=reference, purpose=purpose, measure=measure, title=title,
                      created_at=at, created_by=actor)  # fmt: skip
        self.session.add(row)
        self.session.flush()
        self.add_version(row.id, 1, first, at=at, actor=actor)
        return self._dpia(row)

    def add_version(self, dpia_id: str, number: int, values: dict[str, Any], *, at: datetime,
                    actor: str) -> None:  # fmt: skip
        version = DpiaVersionRow(dpia_id=dpia_id, version=number, state="draft", created_at=at,
                                 created_by=actor, updated_at=at)  # fmt: skip
        for name, value in values.items():
            setattr(version, name, value)
        self.session.add(version)
        self.session.flush()

    def update_version(self, version_id: str, values: dict[str, Any], *, at: datetime) -> None:
        row = self.session.get(DpiaVersionRow, version_id)
        if row is None:
            raise NotFound(f"no DPIA version {version_id!r}")
        if row.state != "draft":
            raise AssertionError("a signed-off version is never changed")  # service's duty
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = at
        self.session.flush()

    def list(self) -> list[Dpia]:
        rows = self.session.scalars(select(DpiaRow).order_by(DpiaRow.reference))
        return [self._dpia(row) for row in rows]

    def approved_purposes(self) -> dict[str, Dpia]:
        """Purpose value → its DPIA (for the purpose itself, not a measure) with a
        signed-off version: the gate's input."""
        rows = self.session.scalars(
            select(DpiaRow)
            .join(DpiaVersionRow, DpiaVersionRow.dpia_id == DpiaRow.id)
            .where(DpiaRow.measure.is_(None), DpiaVersionRow.state == "signed_off")
            .distinct()
        )
        return {row.purpose: self._dpia(row) for row in rows}

    def signed_off_purposes(self) -> frozenset[str]:
        """Purposes whose own DPIA has a signed-off version (one query, per batch)."""
        return frozenset(
            self.session.scalars(
                select(DpiaRow.purpose)
                .join(DpiaVersionRow, DpiaVersionRow.dpia_id == DpiaRow.id)
                .where(DpiaRow.measure.is_(None), DpiaVersionRow.state == "signed_off")
                .distinct()
            )
        )

    def rename(self, dpia_id: str, title: str) -> None:
        row = self._row(dpia_id)
        row.title = title
        self.session.flush()

    def sign_off(self, version_id: str, criteria: list[Any], *, at: datetime, actor: str) -> None:
        """Freeze a draft: from now on it is never changed."""
        row = self.session.get(DpiaVersionRow, version_id)
        if row is None or row.state != "draft":
            raise AssertionError("only a draft is signed off")  # the service's duty
        row.state, row.criteria, row.signed_off_at, row.signed_off_by = (
            "signed_off", criteria, at, actor)  # fmt: skip
        row.updated_at = at
        self.session.flush()
