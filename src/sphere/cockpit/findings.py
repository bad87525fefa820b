"""Risk findings computed from the stored data, each with its evidence and a link.

Evidence names counts, ids, enum values and dates — never content. Checks:

``retention.expired``          rows held past their retention deadline (Art. 5(1)(e))
``consent.withdrawn-derived``  consent-based attributes whose consent is no longer valid
``special-category.stored``    Art. 9 data held (allowed only with explicit consent)
``identity.linked-without-basis`` identities neither provided nor verified, or of a
                               contact with no logged decision (Art. 5(1)(a), 6(1))
``source.scraper``             registered sources collected by scraping
``dpia.missing``               activities that need a DPIA (Art. 35) and have none
                               (``dpia.review-overdue``: ``dpia_findings``)
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

The campaign and minors checks are in ``findings_marketing``, the completeness of the
record (``record.*-missing``, Art. 30(1)) in ``record_check``, the security measures
(``tom.*``, Art. 32) in ``toms``; each finding's evidence
is a message, shown in the reader's language (``finding.localize``). The notice
check calls ``rights.notices.sync_duties``, which first derives duties the stored
records imply (idempotent bookkeeping, no audit entry), so a GET may write those rows
(``sync=False`` skips it: the snapshot job syncs first, then reads without the lock).

Every check is set-based SQL (counts, the first deadline, a sample of ids as evidence;
``oversight`` and the held read model), so the page costs the same at a million
records as at a thousand; only ``third-party.exposed`` looks at content, in a sample.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import JSON, LargeBinary, String, Text
from sqlalchemy.orm import Session

from sphere.cockpit.breach_findings import breach_findings
from sphere.cockpit.dpia_findings import dpia_findings
from sphere.cockpit.finding import Finding, localize, make_finding
from sphere.cockpit.findings_marketing import campaign_consent, minors
from sphere.cockpit.joint_findings import joint_findings
from sphere.cockpit.record import ProcessingRecord
from sphere.cockpit.record_check import record_findings
from sphere.cockpit.toms import tom_findings
from sphere.domain import Collection
from sphere.dsr.deadline import NEAR_DEADLINE_DAYS, DeadlineState
from sphere.governance.policy_versions import active_policy
from sphere.governance.sources import list_sources
from sphere.i18n import N_
from sphere.i18n.message import day, joined, msg, word
from sphere.policy import Policy
from sphere.rights.notices import sync_duties
from sphere.rights.requests import deadline_of, list_requests
from sphere.storage.crypto import Keyring
from sphere.storage.repositories import oversight as read
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.notice_duties import NoticeDutyRepository
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
SOON = timedelta(days=NEAR_DEADLINE_DAYS)  # "due soon" for Art. 14 notices
__all__ = ["Finding", "compute_findings", "localize", "risk_distribution"]


def _retention(session: Session, now: datetime) -> list[Finding]:
    found = read.expired(session, now=now, sample=SAMPLE)
    if not found:
        return []
    oldest = min(o.oldest for o in found)
    parts = joined(
        msg(N_("%(count)s %(table)s"), count=o.count, table=word("stored_table", o.table))
        for o in found
    )
    return [
        make_finding(
            code="retention.expired",
            severity="high",
            title=N_("Data held past its retention deadline"),
            evidence=msg(N_("%(parts)s; oldest deadline %(day)s"), parts=parts, day=day(oldest)),
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
        make_finding(
            code="consent.withdrawn-derived",
            severity="high",
            title=N_("Derived data whose consent was withdrawn or is missing"),
            evidence=msg(
                N_("%(count)s consent-based attributes without valid consent"), count=found.count
            ),
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
    parts = joined(
        (
            msg(
                N_("%(table)s: %(categories)s"),
                table=word("stored_table", table),
                categories=joined(
                    msg(
                        N_("%(category)s %(count)s"),
                        category=word("special_category", cat),
                        count=n,
                    )  # fmt: skip
                    for cat, n in sorted(cats.items())
                ),
            )
            for table, cats in sorted(found.items())
        ),
        "; ",
    )
    sample = tuple(read.special_category_sample(session, limit=SAMPLE))
    return [
        make_finding(
            code="special-category.stored",
            severity="medium",
            title=N_("Special-category data stored"),
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
        make_finding(
            code="identity.linked-without-basis",
            severity="high",
            title=N_("Identities linked without a basis"),
            evidence=msg(
                N_(
                    "%(count)s identities of %(contacts)s contacts are neither provided nor "
                    "verified, or their contact has no logged decision"
                ),
                count=found.count,
                contacts=found.contacts,
            ),
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
        make_finding(
            code="source.scraper",
            severity="medium",
            title=N_("Sources collected by scraping"),
            evidence=msg(
                N_("registered: %(sources)s"),
                sources=joined(
                    msg(
                        N_("%(name)s (%(channel)s)"),
                        name=s.name,
                        channel=word("channel", s.channel),
                    )
                    for s in scrapers
                ),
            ),
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
        make_finding(
            code="dpia.missing",
            severity="high" if active else "medium",
            title=N_("Activities that need a DPIA and have none"),
            evidence=joined(
                msg(
                    N_("%(purpose)s (%(records)s records)"),
                    purpose=word("purpose", a.purpose),
                    records=a.records,
                )  # fmt: skip
                for a in missing
            ),
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
        parts.append(
            msg(N_("clear columns named like personal data: %(columns)s"), columns=joined(columns))
        )
    if leaks:
        parts.append(
            msg(
                N_("e-mail addresses in clear free text: %(columns)s"),
                columns=joined(
                    msg(N_("%(column)s (%(rows)s rows)"), column=k, rows=len(v))
                    for k, v in sorted(leaks.items())
                ),
            )
        )
    return [
        make_finding(
            code="storage.unencrypted-personal-field",
            severity="high",
            title=N_("Personal data stored unencrypted"),
            evidence=joined(parts, "; "),
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
        make_finding(
            code="third-party.exposed",
            severity="medium",
            title=N_("Third-party mentions exposed in stored posts"),
            evidence=msg(
                N_(
                    "%(count)s of the %(sample)s newest stored posts still show another "
                    "person's handle or e-mail address"
                ),
                count=len(exposed),
                sample=THIRD_PARTY_SAMPLE,
            ),
            count=len(exposed),
            link="/cockpit/findings#third-party.exposed",
            article="GDPR Art. 5(1)(c), Art. 14",
            object_ids=tuple(exposed),
        )
    ]


def _counts(kind: str, counts: dict[str, int]) -> dict[str, object]:
    """Counts of glossary terms, "2 Mastodon, 1 X" (the stable form: "2 mastodon")."""
    return joined(
        msg(N_("%(count)s %(what)s"), count=n, what=word(kind, value))
        for value, n in sorted(counts.items())
    )


def _by(kind: str, values: list[str]) -> dict[str, object]:
    return _counts(kind, Counter(values))


def _notices(session: Session, policy: Policy, now: datetime, *, sync: bool) -> list[Finding]:
    if sync:
        sync_duties(session, policy, incremental=True)
    summary = NoticeDutyRepository(session).duty_summary(now=now, soon=now + SOON, sample=SAMPLE)
    found: list[Finding] = []
    for code, severity, title, key, text in (
        ("notice.art14-overdue", "high", N_("Art. 14 notices overdue"), "overdue",
         N_("%(count)s notice duties for %(contacts)s contacts are past their deadline "
            "(%(channels)s); oldest deadline %(day)s")),
        ("notice.art14-due-soon", "low", N_("Art. 14 notices due within 7 days"), "soon",
         N_("%(count)s notice duties for %(contacts)s contacts are due within %(days)s days "
            "(%(channels)s); next deadline %(day)s")),
    ):  # fmt: skip
        group = summary.get(key)
        if not group:
            continue
        found.append(
            make_finding(
                code=code,
                severity=severity,
                title=title,
                evidence=msg(
                    text,
                    count=group["count"],
                    contacts=group["contacts"],
                    days=SOON.days,
                    channels=_counts("channel", group["channels"]),
                    day=day(group["first"]),
                ),  # fmt: skip
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
        oldest = min(deadline_of(v.request).due_date for v in overdue)
        parts.append(
            msg(N_("%(count)s overdue (%(types)s); oldest due %(day)s"), count=len(overdue),
                types=_by("request_kind", [v.request.type for v in overdue]), day=day(oldest))
        )  # fmt: skip
    if near:
        first = min(deadline_of(v.request).due_date for v in near)
        parts.append(
            msg(N_("%(count)s due within %(days)s days (%(types)s); next due %(day)s"),
                count=len(near), days=NEAR_DEADLINE_DAYS,
                types=_by("request_kind", [v.request.type for v in near]), day=day(first))
        )  # fmt: skip
    return [
        make_finding(
            code="dsr.deadline",
            severity="high" if overdue else "medium",
            title=N_("Data-subject requests overdue or near their deadline"),
            evidence=joined(parts, "; "),
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
        make_finding(
            code="reidentification.high-risk-text-kept",
            severity="high",
            title=N_("Re-identifiable text kept"),
            evidence=msg(
                N_(
                    "%(count)s posts stored without a link to their author have a high "
                    "re-identification risk (searchable passages, several quasi-identifiers "
                    "or a long history under one pseudonym) and were kept verbatim: the "
                    "policy's 'reidentification' section keeps them"
                ),
                count=kept,
            ),
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
        make_finding(
            code="policy.outdated",
            severity="high",
            title=N_("The policy in force fails a check added since it was applied"),
            evidence=joined(policy.warnings, "; "),
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
    sync: bool = True,
) -> list[Finding]:
    """Every finding, most severe first. ``record`` is ``record.build_record``'s result;
    ``policy`` is the policy in force (read from the database when not given). ``sync``
    False: the caller synced the Art. 14 duties itself (``sync_duties``) and reads here
    in a read-only unit of work, which then writes nothing."""
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
        *campaign_consent(session, keyring, now),
        *minors(session, keyring),
        *_notices(session, policy, now, sync=sync),
        *_requests(session, now),
        *breach_findings(session, now, make_finding),
        *dpia_findings(session, policy, now, make_finding),
        *joint_findings(session, make_finding),
        *record_findings(record, make_finding),
        *tom_findings(record.security, make_finding),
        *_reidentifiable(session, keyring),
    ]
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
