"""Measures, segments, memberships, scores, campaigns, sends and service tasks.

Values come back as frozen records with plain strings for enum fields (the services in
``sphere.marketing`` convert them). Scores and memberships are indexes onto derived
attributes (see ``storage.marketing_tables``); their personal content lives in the
attribute's encrypted value and is read through ``AttributeRepository``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, select
from sqlalchemy.orm import Session

from sphere.errors import InvalidInput, NotFound
from sphere.storage.marketing_tables import (
    CampaignRow,
    CampaignSendRow,
    MeasureRow,
    ScoreRow,
    SegmentMembershipRow,
    SegmentRow,
    ServiceTaskRow,
)
from sphere.storage.repositories.dry_runs import DryRunRepository
from sphere.storage.rights_tables import NoticeDutyRow
from sphere.storage.tables import ContactRow, ProcessingActivityRow


@dataclass(frozen=True, slots=True)
class MeasureRecord:
    id: str
    name: str
    kind: str
    purpose: str
    channel: str
    data_items: tuple[Mapping[str, Any], ...]
    audience: Mapping[str, Any]
    flags: Mapping[str, Any]
    state: str
    verdict: str | None
    eligible: int
    total: int
    check_result: Mapping[str, Any]
    policy_version: str
    checked_at: datetime | None
    submitted_by: str
    submitted_at: datetime | None
    dpo_decision: str | None
    dpo_reason: str | None
    dpo_actor: str | None
    decided_at: datetime | None
    processing_activity_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    id: str
    name: str
    purpose: str
    definition: Mapping[str, Any]
    description: str
    created_by: str
    created_at: datetime
    computed_at: datetime | None


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    segment_id: str
    segment: str
    contact_id: str
    attribute_id: str
    computed_at: datetime


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    contact_id: str
    model: str
    attribute_id: str
    drives_automated_decision: bool
    human_review_by: str | None
    computed_at: datetime


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: str
    name: str
    measure_id: str
    segment_id: str | None
    offer: Mapping[str, Any] = field(repr=False)
    channel: str
    max_sends: int
    cap_window_days: int
    quiet_start: str
    quiet_end: str
    state: str
    refusal: Mapping[str, Any]
    dry_run_at: datetime | None
    dry_run_audience: tuple[str, ...]
    last_run_at: datetime | None
    created_by: str
    created_at: datetime
    art14_mode: str = "hold"  # attach | hold: people whose Art. 14 information is due


@dataclass(frozen=True, slots=True)
class SendRecord:
    id: str
    campaign_id: str
    contact_id: str
    status: str  # sent | refused | failed
    code: str
    reason: str
    legal_basis: str | None
    decision_id: str | None
    transport: str
    channel: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class ServiceTaskRecord:
    id: str
    rule: str
    contact_id: str
    interaction_id: str
    state: str
    reason: str
    legal_basis: str | None
    created_at: datetime


def _record(cls: type[Any], row: object, **override: Any) -> Any:
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in override}
    return cls(**values, **override)


def _measure(row: MeasureRow) -> MeasureRecord:
    return _record(
        MeasureRecord,
        row,
        data_items=tuple(row.data_items or ()),
        audience=dict(row.audience or {}),
        flags=dict(row.flags or {}),
        check_result=dict(row.check_result or {}),
    )


def _campaign(row: CampaignRow) -> CampaignRecord:
    return _record(
        CampaignRecord,
        row,
        offer=dict(row.offer or {}),
        refusal=dict(row.refusal or {}),
        dry_run_audience=tuple(row.dry_run_audience or ()),
        art14_mode=row.art14_mode or "hold",
    )


_MEASURE_UPDATABLE = frozenset(
    {
        "state",
        "verdict",
        "eligible",
        "total",
        "check_result",
        "policy_version",
        "checked_at",
        "submitted_by",
        "submitted_at",
        "dpo_decision",
        "dpo_reason",
        "dpo_actor",
        "decided_at",
        "processing_activity_id",
        "kind",
        "purpose",
        "channel",
        "data_items",
        "audience",
        "flags",
    }
)
_CAMPAIGN_UPDATABLE = frozenset(
    {"state", "refusal", "dry_run_at", "dry_run_audience", "last_run_at"}
)


class MarketingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- measures -----------------------------------------------------------------

    def add_measure(self, **values: Any) -> MeasureRecord:
        if self.session.scalar(select(MeasureRow.id).where(MeasureRow.name == values["name"])):
            raise InvalidInput("a measure with this name exists already")
        row = MeasureRow(**values)
        self.session.add(row)
        self.session.flush()
        return _measure(row)

    def _measure_row(self, name_or_id: str) -> MeasureRow:
        row = self.session.scalar(
            select(MeasureRow).where(
                (MeasureRow.name == name_or_id) | (MeasureRow.id == name_or_id)
            )
        )
        if row is None:
            raise NotFound("measure not found")
        return row

    def find_measure(self, name: str) -> MeasureRecord | None:
        row = self.session.scalar(select(MeasureRow).where(MeasureRow.name == name))
        return None if row is None else _measure(row)

    def get_measure(self, name_or_id: str) -> MeasureRecord:
        return _measure(self._measure_row(name_or_id))

    def update_measure(self, measure_id: str, **values: Any) -> MeasureRecord:
        unknown = set(values) - _MEASURE_UPDATABLE
        if unknown:
            raise InvalidInput(f"measure field {sorted(unknown)[0]!r} cannot be changed")
        row = self._measure_row(measure_id)
        for key, value in values.items():
            setattr(row, key, value)
        self.session.flush()
        return _measure(row)

    def list_measures(self, *, state: str | None = None) -> list[MeasureRecord]:
        query = select(MeasureRow).order_by(MeasureRow.created_at, MeasureRow.name)
        if state is not None:
            query = query.where(MeasureRow.state == state)
        return [_measure(r) for r in self.session.scalars(query)]

    def add_processing_activity(self, **values: Any) -> str:
        """One entry of the record of processing (Art. 30); names are unique."""
        existing = self.session.scalar(
            select(ProcessingActivityRow).where(ProcessingActivityRow.name == values["name"])
        )
        if existing is not None:
            for key, value in values.items():
                setattr(existing, key, value)
            self.session.flush()
            return existing.id
        row = ProcessingActivityRow(**values)
        self.session.add(row)
        self.session.flush()
        return row.id

    def processing_activity(self, activity_id: str) -> dict[str, Any]:
        row = self.session.get(ProcessingActivityRow, activity_id)
        if row is None:
            raise NotFound("processing activity not found")
        return {
            "id": row.id,
            "name": row.name,
            "purpose": row.purpose,
            "legal_basis": row.legal_basis,
            "data_categories": list(row.data_categories),
            "subject_categories": list(row.subject_categories),
            "sources": list(row.sources),
            "recipients": list(row.recipients),
            "retention_days": row.retention_days,
            "dpia_required": row.dpia_required,
            "dpia_status": row.dpia_status,
        }

    # --- contacts (read-only helpers for audience building) --------------------------

    def active_contact_ids(self) -> list[str]:
        """Contacts that are not erased, in creation order."""
        return list(
            self.session.scalars(
                select(ContactRow.id)
                .where(ContactRow.erased_at.is_(None))
                .order_by(ContactRow.created_at, ContactRow.id)
            )
        )

    def notice_due(self, contact_id: str) -> bool:
        """An Art. 14 notice is owed to this contact and not yet sent."""
        return bool(
            self.session.scalar(
                select(func.count())
                .select_from(NoticeDutyRow)
                .where(NoticeDutyRow.contact_id == contact_id, NoticeDutyRow.sent_at.is_(None))
            )
        )

    # --- segments ------------------------------------------------------------------

    def _segment_row(self, name_or_id: str) -> SegmentRow:
        row = self.session.scalar(
            select(SegmentRow).where(
                (SegmentRow.name == name_or_id) | (SegmentRow.id == name_or_id)
            )
        )
        if row is None:
            raise NotFound("segment not found")
        return row

    def save_segment(
        self,
        name: str,
        *,
        purpose: str,
        definition: Mapping[str, Any],
        description: str,
        created_by: str,
        at: datetime,
    ) -> SegmentRecord:
        row = self.session.scalar(select(SegmentRow).where(SegmentRow.name == name))
        if row is None:
            row = SegmentRow(name=name, created_at=at)
            self.session.add(row)
        row.purpose = purpose
        row.definition = dict(definition)
        row.description = description
        row.created_by = created_by
        self.session.flush()
        return _record(SegmentRecord, row, definition=dict(row.definition))

    def get_segment(self, name_or_id: str) -> SegmentRecord:
        row = self._segment_row(name_or_id)
        return _record(SegmentRecord, row, definition=dict(row.definition))

    def list_segments(self) -> list[SegmentRecord]:
        rows = self.session.scalars(select(SegmentRow).order_by(SegmentRow.name))
        return [_record(SegmentRecord, r, definition=dict(r.definition)) for r in rows]

    def mark_segment_computed(self, segment_id: str, at: datetime) -> None:
        self._segment_row(segment_id).computed_at = at
        self.session.flush()

    def add_membership(
        self, segment_id: str, contact_id: str, attribute_id: str, *, at: datetime
    ) -> None:
        self.session.add(
            SegmentMembershipRow(
                segment_id=segment_id,
                contact_id=contact_id,
                attribute_id=attribute_id,
                computed_at=at,
            )
        )
        self.session.flush()

    def memberships(
        self, *, segment_id: str | None = None, contact_id: str | None = None
    ) -> list[MembershipRecord]:
        query = select(SegmentMembershipRow, SegmentRow.name).join(
            SegmentRow, SegmentRow.id == SegmentMembershipRow.segment_id
        )
        if segment_id is not None:
            query = query.where(SegmentMembershipRow.segment_id == segment_id)
        if contact_id is not None:
            query = query.where(SegmentMembershipRow.contact_id == contact_id)
        query = query.order_by(SegmentRow.name, SegmentMembershipRow.computed_at)
        return [
            MembershipRecord(m.segment_id, name, m.contact_id, m.attribute_id, m.computed_at)
            for m, name in self.session.execute(query)
        ]

    # --- scores --------------------------------------------------------------------

    def add_score(
        self,
        contact_id: str,
        model: str,
        attribute_id: str,
        *,
        drives_automated_decision: bool,
        human_review_by: str | None,
        at: datetime,
    ) -> ScoreRecord:
        row = ScoreRow(
            contact_id=contact_id,
            model=model,
            attribute_id=attribute_id,
            drives_automated_decision=drives_automated_decision,
            human_review_by=human_review_by,
            computed_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return _record(ScoreRecord, row)

    def scores(
        self, *, contact_id: str | None = None, model: str | None = None
    ) -> list[ScoreRecord]:
        query = select(ScoreRow).order_by(ScoreRow.model, ScoreRow.contact_id)
        if contact_id is not None:
            query = query.where(ScoreRow.contact_id == contact_id)
        if model is not None:
            query = query.where(ScoreRow.model == model)
        return [_record(ScoreRecord, r) for r in self.session.scalars(query)]

    # --- campaigns -----------------------------------------------------------------

    def add_campaign(self, **values: Any) -> CampaignRecord:
        if self.session.scalar(select(CampaignRow.id).where(CampaignRow.name == values["name"])):
            raise InvalidInput("a campaign with this name exists already")
        row = CampaignRow(**values)
        self.session.add(row)
        self.session.flush()
        return _campaign(row)

    def _campaign_row(self, name_or_id: str) -> CampaignRow:
        row = self.session.scalar(
            select(CampaignRow).where(
                (CampaignRow.name == name_or_id) | (CampaignRow.id == name_or_id)
            )
        )
        if row is None:
            raise NotFound("campaign not found")
        return row

    def get_campaign(self, name_or_id: str) -> CampaignRecord:
        return _campaign(self._campaign_row(name_or_id))

    def find_campaign(self, name_or_id: str) -> CampaignRecord | None:
        try:
            return self.get_campaign(name_or_id)
        except NotFound:
            return None

    def update_campaign(self, campaign_id: str, **values: Any) -> CampaignRecord:
        unknown = set(values) - _CAMPAIGN_UPDATABLE
        if unknown:
            raise InvalidInput(f"campaign field {sorted(unknown)[0]!r} cannot be changed")
        row = self._campaign_row(campaign_id)
        for key, value in values.items():
            setattr(row, key, value)
        self.session.flush()
        return _campaign(row)

    def list_campaigns(self) -> list[CampaignRecord]:
        rows = self.session.scalars(select(CampaignRow).order_by(CampaignRow.created_at))
        return [_campaign(r) for r in rows]

    def add_send(self, **values: Any) -> SendRecord:
        row = CampaignSendRow(**values)
        self.session.add(row)
        self.session.flush()
        return _record(SendRecord, row)

    def sends(
        self, *, campaign_id: str | None = None, contact_id: str | None = None
    ) -> list[SendRecord]:
        query = select(CampaignSendRow).order_by(CampaignSendRow.sent_at, CampaignSendRow.id)
        if campaign_id is not None:
            query = query.where(CampaignSendRow.campaign_id == campaign_id)
        if contact_id is not None:
            query = query.where(CampaignSendRow.contact_id == contact_id)
        return [_record(SendRecord, r) for r in self.session.scalars(query)]

    def sent_since(self, contact_id: str, since: datetime, channels: Iterable[str]) -> int:
        """Messages actually sent to ``contact_id`` since ``since`` on ``channels``."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(CampaignSendRow)
                .where(
                    CampaignSendRow.contact_id == contact_id,
                    CampaignSendRow.status == "sent",
                    CampaignSendRow.sent_at >= since,
                    CampaignSendRow.channel.in_(list(channels)),
                )
            )
            or 0
        )

    # --- service tasks -------------------------------------------------------------

    def add_task_if_absent(
        self,
        *,
        rule: str,
        contact_id: str,
        interaction_id: str,
        reason: str,
        legal_basis: str | None,
        at: datetime,
    ) -> tuple[ServiceTaskRecord, bool]:
        existing = self.session.scalar(
            select(ServiceTaskRow).where(
                ServiceTaskRow.rule == rule, ServiceTaskRow.interaction_id == interaction_id
            )
        )
        if existing is not None:
            return _record(ServiceTaskRecord, existing), False
        row = ServiceTaskRow(
            rule=rule,
            contact_id=contact_id,
            interaction_id=interaction_id,
            state="open",
            reason=reason,
            legal_basis=legal_basis,
            created_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return _record(ServiceTaskRecord, row), True

    def tasks(self, *, contact_id: str | None = None) -> list[ServiceTaskRecord]:
        query = select(ServiceTaskRow).order_by(ServiceTaskRow.created_at, ServiceTaskRow.id)
        if contact_id is not None:
            query = query.where(ServiceTaskRow.contact_id == contact_id)
        return [_record(ServiceTaskRecord, r) for r in self.session.scalars(query)]

    # --- erasure (Art. 17) -----------------------------------------------------------

    def delete_for_contact(self, contact_id: str) -> dict[str, int]:
        """Remove every marketing row that names ``contact_id``; counts per table.

        Called by ``sphere.rights.erasure.erase_contact`` inside its transaction, before
        the contact's attributes are deleted (memberships and scores would otherwise go
        by ``ON DELETE CASCADE`` and not be counted). Campaign sends are deleted too: the
        proof of each send's legal basis stays in the append-only audit chain
        (``campaign.send-*`` entries: ids, legal basis, code, channel, time; never an
        address or the text) and the consent ledger, see ``docs/dsr-runbook.md``. The
        contact id is also removed from campaigns' stored dry-run audiences. Measures hold
        no per-contact data (audience = segment name and relationship types; check
        results = counts), so nothing is removed there.
        """
        counts: dict[str, int] = {}
        for key, table in (
            ("segment_memberships", SegmentMembershipRow),
            ("scores", ScoreRow),
            ("campaign_sends", CampaignSendRow),
            ("service_tasks", ServiceTaskRow),
        ):
            ids = list(self.session.scalars(select(table.id).where(table.contact_id == contact_id)))
            if ids:
                self.session.execute(delete(table).where(table.id.in_(ids)))
            counts[key] = len(ids)
        counts["dry_run_lines"] = DryRunRepository(self.session).delete_for_contact(contact_id)
        audiences = 0
        # Only campaigns whose stored audience names the contact are loaded: a dry run
        # over 100,000 contacts stores 100,000 ids, which every erasure read and parsed.
        named = cast(CampaignRow.dry_run_audience, String).contains(
            f'"{contact_id}"', autoescape=True
        )
        for row in self.session.scalars(select(CampaignRow).where(named)):
            planned = list(row.dry_run_audience or ())
            if contact_id in planned:
                row.dry_run_audience = [c for c in planned if c != contact_id]
                audiences += 1
        counts["campaign_audiences"] = audiences
        self.session.flush()
        return counts
