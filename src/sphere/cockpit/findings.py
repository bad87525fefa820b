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
``third-party.exposed``        the newest stored texts that still show other people's
                               handles or e-mail addresses (the minimiser should have
                               replaced them); a sample, as it needs decryption
``campaign.expired-consent``   campaigns not yet sent (``draft``/``dry_run``) whose
                               recipients' consent for the campaign's purpose was
                               withdrawn, has expired, or expires within 7 days
``notice.art14-overdue``       Art. 14 notice duties past their deadline (Art. 14(3))
``notice.art14-due-soon``      Art. 14 notice duties due within 7 days
``dsr.deadline``               open data-subject requests overdue (high) or due within
                               7 days (medium) (Art. 12(3))
``policy.outdated``            the policy in force fails a check added after it was
                               applied (e.g. advertising on legitimate interest, C-252/21)

Campaigns carry no scheduled send time: a campaign that is not yet sent may be run at
any moment after its dry run, so "expires before the send" means "within the next 7
days". The send itself re-checks every recipient (``marketing.campaigns.run``); the
finding says the planned audience rests on consent that no longer holds. The notice
check calls ``rights.notices.sync_duties``, which first derives duties the stored
records imply (idempotent bookkeeping, no audit entry), so a GET may write those rows.

Every check is set-based SQL (counts, the first deadline, a sample of ids as evidence;
``oversight`` and the held read model), so the page costs the same at a million
records as at a thousand; only ``third-party.exposed`` looks at content, in a sample.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import JSON, LargeBinary, String, Text
from sqlalchemy.orm import Session

from sphere.cockpit.breach_findings import breach_findings
from sphere.cockpit.minors import minors_in_marketing
from sphere.cockpit.record import ProcessingRecord
from sphere.domain import Collection, Purpose
from sphere.dsr.deadline import NEAR_DEADLINE_DAYS, DeadlineState
from sphere.governance.policy_versions import active_policy
from sphere.governance.sources import list_sources
from sphere.marketing.campaigns import audience_of, list_campaigns
from sphere.policy import Policy
from sphere.rights.notices import sync_duties
from sphere.rights.requests import deadline_of, list_requests
from sphere.storage.crypto import Keyring
from sphere.storage.repositories import oversight as read
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.marketing import CampaignRecord, MarketingRepository
from sphere.storage.repositories.rights import RightsRepository
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
    ("privacy_releases", "payload"): "released anonymous figures: noisy counts that passed "
    "the k-threshold (sphere.analytics), nothing about a person",
    ("listening_counts", "value"): "a product name from the company profile or a sentiment "
    "label, counted anonymously for social listening",
    ("review_items", "text_basis"): "the Art. 9(2) ground code under which the encrypted "
    "text is kept (art9_2_e), no personal data",
}
MAX_SCAN = 500  # clear free-text values checked per column
SAMPLE = 20  # ids kept as evidence per finding (counts are exact)
THIRD_PARTY_SAMPLE = 100  # newest stored posts decrypted and checked for mentions
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
# Campaigns that have not been sent yet; ``done`` ones were, ``refused`` ones never are.
PENDING_CAMPAIGN_STATES = frozenset({"draft", "dry_run"})
# Campaigns have no scheduled send time: consent lapsing within this horizon would lapse
# before a send that may happen at any moment (the same 7 days as "near" for requests).
SOON = timedelta(days=NEAR_DEADLINE_DAYS)
DRY_RUN_PAGE = "/cockpit/marketing/dry-run"


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
    # (label, href) per affected object where each has its own page, e.g. a campaign's
    # dry run; labels are names or ids, never content.
    links: tuple[tuple[str, str], ...] = field(default=())

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
            "links": [{"label": label, "href": href} for label, href in self.links[:20]],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """A finding as ``to_dict`` wrote it (a stored snapshot, ``sphere.jobs.findings``)."""
        return cls(
            code=data["code"],
            severity=data["severity"],
            title=data["title"],
            evidence=data["evidence"],
            count=int(data["count"]),
            link=data["link"],
            article=data["article"],
            object_ids=tuple(data.get("object_ids", ())),
            links=tuple((link["label"], link["href"]) for link in data.get("links", ())),
        )


def _retention(session: Session, now: datetime) -> list[Finding]:
    found = read.expired(session, now=now, sample=SAMPLE)
    if not found:
        return []
    oldest = min(o.oldest for o in found)
    parts = ", ".join(f"{o.count} {o.table}" for o in found)
    return [
        Finding(
            code="retention.expired",
            severity="high",
            title="Data held past its retention deadline",
            evidence=f"{parts}; oldest deadline {oldest.date().isoformat()}",
            count=sum(o.count for o in found),
            link="/cockpit/inventories#flows",
            article="GDPR Art. 5(1)(e)",
            object_ids=tuple(i for o in found for i in o.sample),
        )
    ]


def _withdrawn(session: Session, now: datetime) -> list[Finding]:
    found = read.attributes_without_valid_consent(session, now=now, sample=SAMPLE)
    if not found.count:
        return []
    return [
        Finding(
            code="consent.withdrawn-derived",
            severity="high",
            title="Derived data whose consent was withdrawn or is missing",
            evidence=f"{found.count} consent-based attributes without valid consent",
            count=found.count,
            link="/cockpit/findings#consent.withdrawn-derived",
            article="GDPR Art. 7(3), Art. 17(1)(b)",
            object_ids=found.sample,
        )
    ]


def _special(session: Session) -> list[Finding]:
    found = read.special_category_counts(session)
    if not found:
        return []
    parts = "; ".join(
        f"{table}: " + ", ".join(f"{cat} {n}" for cat, n in sorted(cats.items()))
        for table, cats in sorted(found.items())
    )
    sample = tuple(read.special_category_sample(session, limit=SAMPLE))
    return [
        Finding(
            code="special-category.stored",
            severity="medium",
            title="Special-category data stored",
            evidence=parts,
            count=read.special_category_rows(session),
            link="/cockpit/record#customer_care",
            article="GDPR Art. 9",
            object_ids=sample,
        )
    ]


def _identities(session: Session) -> list[Finding]:
    found = read.identities_without_basis(session, sample=SAMPLE)
    if not found.count:
        return []
    return [
        Finding(
            code="identity.linked-without-basis",
            severity="high",
            title="Identities linked without a basis",
            evidence=f"{found.count} identities of {found.contacts} contacts are neither "
            "provided nor verified, or their contact has no logged decision",
            count=found.count,
            link="/cockpit/inventories#processes",
            article="GDPR Art. 5(1)(a), Art. 6(1)",
            object_ids=found.sample,
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
    """Handles and e-mail addresses left in the latest stored texts (values are never
    reported). A sample of the newest ``THIRD_PARTY_SAMPLE`` posts: decrypting every
    stored post on each page load would not scale, and a minimiser that lets mentions
    through shows up in the newest posts first."""
    exposed: list[str] = []
    for record in InteractionRepository(session, keyring).latest(THIRD_PARTY_SAMPLE):
        text = record.text or ""
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
            evidence=f"{len(exposed)} of the {THIRD_PARTY_SAMPLE} newest stored posts still "
            "show another person's handle or e-mail address",
            count=len(exposed),
            link="/cockpit/findings#third-party.exposed",
            article="GDPR Art. 5(1)(c), Art. 14",
            object_ids=tuple(exposed),
        )
    ]


def _segment_of(repo: MarketingRepository, record: CampaignRecord) -> str | None:
    """The campaign's segment id: its own, else the measure's audience segment."""
    if record.segment_id:
        return record.segment_id
    name = repo.get_measure(record.measure_id).audience.get("segment")
    return repo.get_segment(name).id if name else None


def _campaign_consent(session: Session, keyring: Keyring, now: datetime) -> list[Finding]:
    """Set-based: one query per pending campaign finds the recipients whose consent
    lapsed or lapses soon; after a dry run only the audience it listed counts."""
    later = now + SOON
    repo = MarketingRepository(session)
    parts: list[str] = []
    campaigns: list[CampaignRecord] = []
    affected: set[str] = set()
    lapsed_now = False
    for record in list_campaigns(session):
        if record.state not in PENDING_CAMPAIGN_STATES:
            continue
        measure = repo.get_measure(record.measure_id)
        if measure.state != "approved":
            continue  # cannot be sent at all
        purpose = Purpose(measure.purpose)
        segment = _segment_of(repo, record)
        lapses = read.consent_lapses(session, purpose.value, now=now, later=later,
                                     segment_id=segment)  # fmt: skip
        if record.state == "dry_run":
            planned = set(record.dry_run_audience)
            current = set(audience_of(session, keyring, record))
            lapses = {c: k for c, k in lapses.items() if c in planned}
            recipients = len(planned & current)
        else:
            recipients = read.audience_size(session, segment)
        kinds: Counter[str] = Counter(lapses.values())
        if not kinds:
            continue
        affected.update(lapses)
        campaigns.append(record)
        lapsed_now = lapsed_now or bool(kinds["withdrawn"] or kinds["expired"])
        when = (
            f"dry run {record.dry_run_at.date().isoformat()}"
            if record.dry_run_at
            else "no dry run yet"
        )
        counts = ", ".join(
            f"{kinds[k]} {label}"
            for k, label in (
                ("withdrawn", "withdrawn"),
                ("expired", "expired"),
                ("expiring", f"expiring by {later.date().isoformat()}"),
            )
            if kinds[k]
        )
        parts.append(
            f"'{record.name}' ({record.state}, {when}, purpose {purpose.value}): {counts} "
            f"of {recipients} recipients"
        )
    if not campaigns:
        return []
    return [
        Finding(
            code="campaign.expired-consent",
            severity="medium" if lapsed_now else "low",
            title="Campaigns about to send to people whose consent has lapsed",
            evidence="; ".join(parts) + ". No send time is scheduled (a campaign may run any "
            f"time after its dry run), so consent ending before {later.date().isoformat()} "
            "counts; the send re-checks every recipient",
            count=len(affected),
            link=DRY_RUN_PAGE,
            article="GDPR Art. 6(1)(a), Art. 7(3); §7(2) UWG",
            object_ids=tuple(r.id for r in campaigns),
            links=tuple(
                (f"Dry run: {r.name}", f"{DRY_RUN_PAGE}?{urlencode({'campaign': r.name})}")
                for r in campaigns
            ),
        )
    ]


def _minors(session: Session, keyring: Keyring) -> list[Finding]:
    """Minors (Art. 8, Recital 38) in segments or pending campaigns' audiences."""
    segments, audiences = minors_in_marketing(session, keyring)
    people = sorted({c for ids in [*segments.values(), *audiences.values()] for c in ids})
    if not people:
        return []
    parts = [f"segment '{name}': {len(ids)}" for name, ids in segments.items()]
    parts += [f"campaign '{name}' audience: {len(ids)}" for name, ids in audiences.items()]
    return [
        Finding(
            code="minors.in-marketing",
            severity="high",
            title="Minors in segments or campaign audiences",
            evidence=f"{len(people)} contact(s) flagged as minors: "
            + "; ".join(parts)
            + ". Without a holder of parental responsibility's consent they are excluded at "
            "send time; remove them or record that consent",
            count=len(people),
            link="/cockpit/marketing",
            article="GDPR Art. 8(1), Recital 38",
            object_ids=tuple(people),
        )
    ]


def _by(values: list[str]) -> str:
    return ", ".join(f"{n} {value}" for value, n in sorted(Counter(values).items()))


def _notices(session: Session, policy: Policy, now: datetime) -> list[Finding]:
    sync_duties(session, policy, incremental=True)
    summary = RightsRepository(session).duty_summary(now=now, soon=now + SOON, sample=SAMPLE)
    found: list[Finding] = []
    for code, severity, title, key, when, edge in (
        ("notice.art14-overdue", "high", "Art. 14 notices overdue", "overdue",
         "are past their deadline", "oldest deadline"),
        ("notice.art14-due-soon", "low", "Art. 14 notices due within 7 days", "soon",
         f"are due within {SOON.days} days", "next deadline"),
    ):  # fmt: skip
        group = summary.get(key)
        if not group:
            continue
        by_channel = ", ".join(f"{n} {c}" for c, n in sorted(group["channels"].items()))
        found.append(
            Finding(
                code=code,
                severity=severity,
                title=title,
                evidence=f"{group['count']} notice duties for {group['contacts']} contacts "
                f"{when} ({by_channel}); {edge} {group['first'].date().isoformat()}",
                count=group["count"],
                link=f"/cockpit/findings#{code}",
                article="GDPR Art. 14(3)",
                object_ids=group["sample"],
            )
        )
    return found


def _requests(session: Session, now: datetime) -> list[Finding]:
    views = list_requests(session, now=now, open_only=True)
    overdue = [v for v in views if v.deadline_state is DeadlineState.OVERDUE]
    near = [v for v in views if v.deadline_state is DeadlineState.NEAR]
    if not overdue and not near:
        return []
    parts = []
    if overdue:
        oldest = min(deadline_of(v.request).due_date for v in overdue).isoformat()
        parts.append(
            f"{len(overdue)} overdue ({_by([v.request.type for v in overdue])}); "
            f"oldest due {oldest}"
        )
    if near:
        first = min(deadline_of(v.request).due_date for v in near).isoformat()
        parts.append(
            f"{len(near)} due within {NEAR_DEADLINE_DAYS} days "
            f"({_by([v.request.type for v in near])}); next due {first}"
        )
    return [
        Finding(
            code="dsr.deadline",
            severity="high" if overdue else "medium",
            title="Data-subject requests overdue or near their deadline",
            evidence="; ".join(parts),
            count=len(overdue) + len(near),
            link="/cockpit/requests",
            article="GDPR Art. 12(3)",
            object_ids=tuple(v.request.id for v in (*overdue, *near)),
        )
    ]


def _reidentifiable(session: Session, keyring: Keyring) -> list[Finding]:
    """Text stored without a link to its author at high re-identification risk, kept
    verbatim because the policy said so (docs/anonymisation.md). Counted from the held
    read model; a sample of ids as evidence."""
    del keyring
    levels = ("high", "special")
    counts = read.reidentification_counts(session)
    kept = sum(n for (level, action), n in counts.items() if level in levels and action == "keep")
    if not kept:
        return []
    return [
        Finding(
            code="reidentification.high-risk-text-kept",
            severity="high",
            title="Re-identifiable text kept",
            evidence=f"{kept} posts stored without a link to their author have a high "
            "re-identification risk (searchable passages, several quasi-identifiers or a "
            "long history under one pseudonym) and were kept verbatim: the policy's "
            "'reidentification' section keeps them",
            count=kept,
            link="/cockpit/findings#reidentification",
            article="GDPR Recital 26, Art. 5(1)(c), Art. 25",
            object_ids=tuple(read.reidentification_sample(session, levels, "keep", limit=SAMPLE)),
        )
    ]


def risk_distribution(session: Session, keyring: Keyring) -> list[tuple[str, str, int]]:
    """(risk level, action, posts) of the stored text without a link to its author."""
    del keyring
    order = {"low": 0, "medium": 1, "high": 2, "special": 3}
    return sorted(
        (
            (level, action, n)
            for (level, action), n in read.reidentification_counts(session).items()
        ),
        key=lambda r: (order.get(r[0], 9), r[1]),
    )


def _policy_warnings(policy: Policy) -> list[Finding]:
    """Checks added after the policy in force was applied that it fails (it is still
    loaded: ``load_policy_text(strict=False)``); the DPO applies a corrected version."""
    if not policy.warnings:
        return []
    return [
        Finding(
            code="policy.outdated",
            severity="high",
            title="The policy in force fails a check added since it was applied",
            evidence="; ".join(policy.warnings),
            count=len(policy.warnings),
            link="/cockpit/policy",
            article="GDPR Art. 5(2), Art. 6(1)(a); CJEU C-252/21",
        )
    ]


def compute_findings(
    session: Session,
    keyring: Keyring,
    record: ProcessingRecord,
    *,
    now: datetime,
    company_handles: frozenset[str] = frozenset(),
    policy: Policy | None = None,
) -> list[Finding]:
    """Every finding, most severe first. ``record`` is ``record.build_record``'s result;
    ``policy`` is the policy in force (read from the database when not given)."""
    policy = policy if policy is not None else active_policy(session)
    findings = [
        *_policy_warnings(policy),
        *_retention(session, now),
        *_withdrawn(session, now),
        *_special(session),
        *_identities(session),
        *_scrapers(session),
        *_dpia(record),
        *_unencrypted(session),
        *_third_party(session, keyring, company_handles),
        *_campaign_consent(session, keyring, now),
        *_minors(session, keyring),
        *_notices(session, policy, now),
        *_requests(session, now),
        *breach_findings(session, now, Finding),
        *_reidentifiable(session, keyring),
    ]
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
