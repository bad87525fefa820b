"""The dry run and the planning check over a whole audience, decided per group of
contacts that share every deciding fact — never per person in Python.

``storage.repositories.audience_groups`` reads the facts of every contact of the
audience in one query and groups them (relationship, consent state for the
purpose, objection, restriction, Art. 9 involvement, addressed the company, reachable
channels, §7(3) UWG conditions, an open Art. 14 duty, messages sent in the frequency
window). Each group is judged once by the same functions a single send uses
(``marketing.audience.group_facts`` + ``recipient.check_recipient``), so a dry run and
the real send decide alike. The dry run stores one verdict per group and, set-based,
which contact fell into which group (``storage.repositories.dry_runs``): the lists page,
filter by reason and export without running it again. The dry run reads the audience
once (``audience_snapshot``): the groups and the stored lines come from that one read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.errors import InvalidInput
from sphere.marketing.audience import group_facts
from sphere.marketing.channel import OutreachChannel
from sphere.marketing.recipient import QuietHours, RecipientVerdict, check_recipient
from sphere.policy import Policy
from sphere.rights.notices import sync_duties
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.audience_groups import (
    AudienceGroup,
    audience_groups,
    audience_snapshot,
    members_query,
)
from sphere.storage.repositories.dry_runs import DryRunGroup, DryRunRepository
from sphere.storage.repositories.marketing import (
    CampaignRecord,
    MarketingRepository,
    MeasureRecord,
)

PAGE = 1000  # recipient lines returned with a dry run (the rest are paged)
# The dry run's three lists: reached now; eligible but held until the quiet hours or the
# frequency cap end (``campaigns.TIMING_CODES``); not reached (refused, with a reason).
LISTS = ("reached", "held", "not_reached")
Progress = Callable[..., None]
RELATIONSHIP_REFUSAL = RecipientVerdict(
    False,
    "refused: not in the measure's audience (relationship)",
    None,
    "audience.relationship",
    "GDPR Art. 5(1)(b)",
)


def list_filter(name: str) -> dict[str, Any]:
    """The line filter (``DryRunRepository.page``/``stream``) of one of ``LISTS``; an
    unknown name selects every line."""
    from sphere.marketing.campaigns import TIMING_CODES

    timing = sorted(TIMING_CODES)
    return {
        "reached": {"allowed": True},
        "held": {"allowed": False, "codes": timing},
        "not_reached": {"allowed": False, "without": timing},
    }.get(name, {})


@dataclass(frozen=True, slots=True)
class GroupVerdict:
    group: AudienceGroup
    verdict: RecipientVerdict


def segment_id(repo: MarketingRepository, audience: dict[str, Any]) -> str | None:
    name = audience.get("segment")
    return repo.get_segment(name).id if name else None


def _audience(record: CampaignRecord, measure: MeasureRecord) -> dict[str, Any]:
    audience = dict(measure.audience)
    if record.segment_id:
        audience["segment"] = record.segment_id
    return audience


def campaign_selection(
    session: Session, record: CampaignRecord, measure: MeasureRecord, *, now: datetime
) -> dict[str, Any]:
    """The arguments that select (and group) the campaign's audience now."""
    from sphere.marketing.campaigns import pure_campaign
    from sphere.marketing.planning import data_uses

    campaign = pure_campaign(record, measure)
    repo = MarketingRepository(session)
    return {
        "purpose": campaign.purpose.value,
        "now": now,
        "segment_id": segment_id(repo, _audience(record, measure)),
        "sends_since": now - campaign.cap_window,
        "channels": [c.value for c in OutreachChannel if c.reaches_person],
        "uses": data_uses(campaign.data_items),
    }


def campaign_groups(
    session: Session, record: CampaignRecord, measure: MeasureRecord, *, now: datetime
) -> tuple[list[AudienceGroup], dict[str, Any]]:
    """The campaign's audience grouped by its facts, and the selection that made it."""
    selection = campaign_selection(session, record, measure, now=now)
    return audience_groups(session, **selection), selection


def judge_groups(
    groups: Sequence[AudienceGroup],
    policy: Policy,
    record: CampaignRecord,
    measure: MeasureRecord,
    *,
    now: datetime,
) -> list[GroupVerdict]:
    """Each group with the verdict a send would get now under ``policy`` (pure: the
    what-if judges the same groups under two policies)."""
    from sphere.marketing.campaigns import pure_campaign

    campaign = pure_campaign(record, measure)
    wanted = measure.audience.get("relationship")
    quiet = QuietHours(time.fromisoformat(record.quiet_start), time.fromisoformat(record.quiet_end))
    verdicts = []
    for group in groups:
        facts = group_facts(group, campaign.purpose, campaign.data_items)
        if wanted and facts.recipient.relationship.value not in wanted:
            verdict = RELATIONSHIP_REFUSAL
        else:
            verdict = check_recipient(
                facts.recipient,
                campaign,
                policy,
                now=now,
                sends_in_window=group.sends,
                quiet_hours=quiet,
            )
        verdicts.append(GroupVerdict(group, verdict))
    return verdicts


def campaign_verdicts(
    session: Session,
    policy: Policy,
    record: CampaignRecord,
    measure: MeasureRecord,
    *,
    now: datetime,
) -> tuple[list[GroupVerdict], dict[str, Any]]:
    """Every group of the campaign's audience with the verdict a send would get now,
    and the arguments that select the groups' members again."""
    groups, selection = campaign_groups(session, record, measure, now=now)
    return judge_groups(groups, policy, record, measure, now=now), selection


@dataclass(frozen=True, slots=True)
class DryRunReport:
    """A stored dry run: counts per outcome and reason, and the first ``PAGE`` lines."""

    campaign: str
    campaign_id: str
    reached_count: int
    not_reached_count: int
    codes: dict[str, int]
    groups: tuple[DryRunGroup, ...]
    lines: tuple[Any, ...]  # RecipientLine, the first PAGE by contact id
    mode: str = "dry_run"
    quiet_hours: tuple[str, str] = ("20:00", "08:00")  # the campaign's, recipient's local time

    @property
    def held(self) -> tuple[DryRunGroup, ...]:
        """Groups that may be reached but not now: quiet hours or the frequency cap
        (``campaigns.TIMING_CODES``); a send then waits until ``retry_at``."""
        from sphere.marketing.campaigns import TIMING_CODES

        return tuple(g for g in self.groups if not g.allowed and g.code in TIMING_CODES)

    @property
    def refused(self) -> tuple[DryRunGroup, ...]:
        """Groups that may not be reached, for a reason other than timing."""
        held = set(self.held)
        return tuple(g for g in self.groups if not g.allowed and g not in held)

    @property
    def refused_count(self) -> int:
        return self.not_reached_count - self.held_count

    @property
    def held_count(self) -> int:
        return sum(g.count for g in self.held)

    @property
    def held_until(self) -> datetime | None:
        """When the last held person may be reached (UTC): sending is held until then."""
        times = [g.retry_at for g in self.held if g.retry_at is not None]
        return max(times) if times else None

    @property
    def eligible_count(self) -> int:
        """Who may be reached by this campaign: now, or once the quiet hours or the
        frequency cap end — the figure the planning check's "may be reached" counts."""
        return self.reached_count + self.held_count

    @property
    def reached(self) -> tuple[Any, ...]:
        return tuple(line for line in self.lines if line.allowed)

    @property
    def not_reached(self) -> tuple[Any, ...]:
        return tuple(line for line in self.lines if not line.allowed)

    @property
    def truncated(self) -> bool:
        return len(self.lines) < self.reached_count + self.not_reached_count

    def summary(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "campaign_id": self.campaign_id,
            "counts": self._counts(),
            "codes": dict(sorted(self.codes.items())),
            "groups": len(self.groups),
        }

    def _counts(self) -> dict[str, Any]:
        until = self.held_until
        return {
            "reached": self.reached_count,
            "not_reached": self.not_reached_count,
            "eligible": self.eligible_count,
            "held": self.held_count,
            "held_until": until.isoformat() if until else None,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "mode": self.mode,
            "reached": [line.as_dict() for line in self.reached],
            "not_reached": [line.as_dict() for line in self.not_reached],
            "counts": self._counts(),
            "codes": dict(sorted(self.codes.items())),
            "truncated": self.truncated,
        }


def stored_report(session: Session, record: CampaignRecord) -> DryRunReport:
    """The campaign's last stored dry run."""
    from sphere.marketing.campaigns import RecipientLine

    repo = DryRunRepository(session)
    groups = repo.groups(record.id)
    codes: dict[str, int] = {}
    for group in groups:
        if not group.allowed:
            codes[group.code] = codes.get(group.code, 0) + group.count
    lines = tuple(
        RecipientLine(
            contact_id=line.contact_id,
            allowed=line.group.allowed,
            code=line.group.code,
            reason=line.group.reason,
            article=line.group.article,
            legal_basis=line.group.legal_basis,
            retry_at=line.group.retry_at,
        )
        for line in repo.page(record.id, limit=PAGE)
    )
    return DryRunReport(
        campaign=record.name,
        campaign_id=record.id,
        reached_count=sum(g.count for g in groups if g.allowed),
        not_reached_count=sum(g.count for g in groups if not g.allowed),
        codes=codes,
        groups=tuple(groups),
        lines=lines,
        quiet_hours=(record.quiet_start, record.quiet_end),
    )


def run_dry_run(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    name: str,
    *,
    now: datetime,
    actor: str,
    progress: Progress | None = None,
) -> DryRunReport:
    """Who would be reached now and who not, with the reason per person; sends nothing.
    Stores the verdicts (replacing the last dry run's) and audits the counts. In one
    unit of work; the dry-run job on SQLite splits it (``judge_audience`` in a read-only
    one, ``store_judged`` in a short writing one)."""
    del keyring  # facts are ids, flags and ledger states: nothing to decrypt
    record, measure = _runnable(session, name)
    sync_duties(session, policy, incremental=True)  # Art. 14 duties of new records
    if progress is not None:
        progress(0, 3, "grouping the audience by its facts")
    selection = campaign_selection(session, record, measure, now=now)
    with audience_snapshot(session, **selection) as audience:
        verdicts = judge_groups(audience.groups, policy, record, measure, now=now)
        _store(session, record.id, verdicts, audience.members(), progress)
    return _recorded(session, record, measure, now=now, actor=actor, progress=progress)


@dataclass(frozen=True, slots=True)
class JudgedAudience:
    """A dry run read but not yet stored (``judge_audience``)."""

    record: CampaignRecord
    measure: MeasureRecord
    verdicts: list[GroupVerdict]
    members: list[tuple[str, str]]  # (contact_id, group key) of every member


def judge_audience(
    session: Session,
    policy: Policy,
    name: str,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> JudgedAudience:
    """The dry run's reading part: writes nothing but its temporary table (so it may run
    in a read-only unit of work); the caller synced the Art. 14 duties before."""
    record, measure = _runnable(session, name)
    if progress is not None:
        progress(0, 3, "grouping the audience by its facts")
    selection = campaign_selection(session, record, measure, now=now)
    with audience_snapshot(session, **selection) as audience:
        verdicts = judge_groups(audience.groups, policy, record, measure, now=now)
        members = [(str(c), str(k)) for c, k in session.execute(audience.members())]
    return JudgedAudience(record, measure, verdicts, members)


def store_judged(
    session: Session,
    name: str,
    judged: JudgedAudience,
    *,
    now: datetime,
    actor: str,
    progress: Progress | None = None,
) -> DryRunReport:
    """The dry run's writing part: the verdicts ``judge_audience`` read, stored and
    audited in ``session``'s transaction. Refused when the campaign or its measure
    changed since the read (the verdicts would not be theirs)."""
    record, measure = _runnable(session, name)
    if _deciding(record) != _deciding(judged.record) or measure != judged.measure:
        raise InvalidInput(f"campaign {name!r} changed during its dry run; run it again")
    with members_query(session, judged.members) as (members, gone):
        verdicts = judged.verdicts if not gone else _without(judged, gone)
        _store(session, record.id, verdicts, members, progress)
    return _recorded(session, record, measure, now=now, actor=actor, progress=progress)


def _without(judged: JudgedAudience, gone: set[str]) -> list[GroupVerdict]:
    """The verdicts with the group counts of the members not erased since the read."""
    left: dict[str, int] = {}
    for contact_id, key in judged.members:
        if contact_id not in gone:
            left[key] = left.get(key, 0) + 1
    return [
        GroupVerdict(replace(v.group, count=left[v.group.key]), v.verdict)
        for v in judged.verdicts
        if left.get(v.group.key)
    ]


def _runnable(session: Session, name: str) -> tuple[CampaignRecord, MeasureRecord]:
    from sphere.marketing.campaigns import runnable

    return runnable(session, name)


def _deciding(record: CampaignRecord) -> CampaignRecord:
    """The campaign without what a dry run itself changes."""
    return replace(record, state="", dry_run_at=None, dry_run_audience=(), last_run_at=None)


def _recorded(
    session: Session,
    record: CampaignRecord,
    measure: MeasureRecord,
    *,
    now: datetime,
    actor: str,
    progress: Progress | None,
) -> DryRunReport:
    """The stored dry run's eligible list on the campaign, and its audit entry."""
    from sphere.marketing.campaigns import TIMING_CODES

    eligible = DryRunRepository(session).eligible_ids(record.id, sorted(TIMING_CODES))
    MarketingRepository(session).update_campaign(
        record.id, state="dry_run", dry_run_at=now, dry_run_audience=eligible
    )
    report = stored_report(session, record)
    audit(
        session,
        actor=actor,
        action="campaign.dry-run",
        object_ids=(record.id,),
        purpose=measure.purpose,
        details={
            "reached": report.reached_count,
            "not_reached": report.not_reached_count,
            "codes": report.codes,
        },
        at=now,
    )
    if progress is not None:
        progress(3, 3, "done")
    return report


def _store(
    session: Session,
    campaign_id: str,
    verdicts: list[GroupVerdict],
    members: Any,
    progress: Progress | None,
) -> None:
    """One verdict per group, and every member's line (``members``: a query of
    (contact_id, key) — the audience read once)."""
    if progress is not None:
        progress(1, 3, f"storing verdicts for {sum(v.group.count for v in verdicts)} contacts")
    groups = [
        {
            "key": v.group.key,
            "allowed": v.verdict.allowed,
            "code": v.verdict.code,
            "reason": v.verdict.reason,
            "article": v.verdict.article,
            "legal_basis": v.verdict.legal_basis.value if v.verdict.legal_basis else None,
            "retry_at": v.verdict.retry_at,
            "count": v.group.count,
        }
        for v in verdicts
    ]
    DryRunRepository(session).replace(campaign_id, groups, members)
