"""The catalogue of technical and organisational measures (GDPR Art. 32; the record's
Art. 30(1)(g)), grouped by the goals of Art. 32(1)(a)-(d) (``governance.toms.GOALS``).

Two kinds of entry:

- **evidenced** — measures Sphere implements itself. Each is checked now against its
  configuration and state, never a fixed "yes": the subject keys and the schema check
  (encryption), the audit chain (the newest verification job, and the entries appended
  since verified here, up to ``LIVE_VERIFY_MAX``), the last master-key rotation, the
  staff roles, the retention periods and the last retention run, the request limits and
  the access-log filter of the running web process. Backups and their restore
  (Art. 32(1)(c)) happen outside Sphere: ``availability`` needs a declared measure. A
  check says ``evidenced``,
  ``attention`` (in place, but stale or weak: say why) or ``failing``; ``unknown`` when
  this process cannot see it (the web settings from the CLI).
- **declared** — measures only people can vouch for (backups off site, physical access,
  training …), with an owner and a review date (``governance.toms``); ``review_overdue``
  once the date has passed.

Findings: ``tom.evidence-failing`` (high), ``tom.review-overdue`` (medium),
``tom.evidence-weak`` (low). Evidence is counts, dates and key ids: never content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from sphere.governance.toms import GOALS, is_overdue, list_declared
from sphere.i18n import N_
from sphere.i18n.message import Message, day, joined, msg, render, word
from sphere.policy import Policy
from sphere.settings import DEV_PLACEHOLDER, Settings
from sphere.storage.repositories import toms as read
from sphere.storage.repositories.jobs import JobRepository

T = TypeVar("T")
LIVE_VERIFY_MAX = 2_000  # audit entries verified in a page request beyond the last job
VERIFY_EVERY = timedelta(days=31)  # a full chain verification at least monthly
ROTATE_EVERY = timedelta(days=365)  # master key crypto-period (NIST SP 800-57: 1-2 years)
# Art. 32(1)(a)-(d): the goals a complete record must show a measure for (Art. 30(1)(g)).
ART32_GOALS = ("pseudonymisation_encryption", "confidentiality", "integrity", "availability",
               "resilience", "testing")  # fmt: skip
IN_PLACE = frozenset({"evidenced", "attention", "declared", "review_overdue"})
STATUS_WORDS = {"evidenced": N_("evidenced"), "attention": N_("needs attention"),
                "failing": N_("failing"), "unknown": N_("not visible here"),
                "declared": N_("declared"), "review_overdue": N_("review overdue")}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SecurityFacts:
    """What the configuration of this process says; the web layer adds its own
    settings (``None``: not known here, e.g. in the CLI or a job)."""

    env: str = "dev"
    pseudonym_placeholder: bool = True
    release_k: int = 10
    webhook_max_bytes: int = 0
    max_body_bytes: int | None = None
    session_idle_minutes: int | None = None
    login_max_failures: int | None = None
    login_lockout_minutes: int | None = None
    cookie_secure: bool | None = None
    log_redaction: bool | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **web: Any) -> SecurityFacts:
        return cls(
            env=settings.env,
            pseudonym_placeholder=(settings.pseudonym_secret.get_secret_value() == DEV_PLACEHOLDER),
            release_k=settings.release_k,
            webhook_max_bytes=settings.webhook_max_bytes,
            **web,
        )


@dataclass(frozen=True, slots=True)
class MeasureEntry:
    key: str
    goal: str
    kind: str  # technical | organisational
    source: str  # sphere (evidenced here) | declared
    title: str  # an English message id (sphere) or the DPO's words (declared)
    status: str  # evidenced | attention | failing | unknown | declared | review_overdue
    evidence: Message | None = None
    dpv: tuple[str, ...] = ()
    owner: str = ""
    review_due: datetime | None = None
    last_reviewed_at: datetime | None = None
    description: str = ""

    @property
    def article(self) -> str:
        return GOALS[self.goal]

    @property
    def in_place(self) -> bool:
        return self.status in IN_PLACE

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "goal": self.goal, "article": self.article, "kind": self.kind,
            "source": self.source, "title": self.title, "status": self.status,
            "evidence": render(None, self.evidence) if self.evidence else None,
            "description": self.description, "owner": self.owner or None,
            "review_due": self.review_due.date().isoformat() if self.review_due else None,
            "last_reviewed_at": (
                self.last_reviewed_at.isoformat() if self.last_reviewed_at else None),
            "dpv": list(self.dpv),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class TomCatalogue:
    computed_at: datetime
    entries: tuple[MeasureEntry, ...] = field(default=())

    def by_goal(self) -> list[tuple[str, list[MeasureEntry]]]:
        return [(g, [e for e in self.entries if e.goal == g]) for g in GOALS]

    def with_status(self, *statuses: str) -> list[MeasureEntry]:
        return [e for e in self.entries if e.status in statuses]

    @property
    def missing_goals(self) -> tuple[str, ...]:
        """Goals of Art. 32(1) with no measure in place (the record's (g) is incomplete)."""
        return tuple(g for g in ART32_GOALS if not any(
            e.in_place for e in self.entries if e.goal == g))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "computed_at": self.computed_at.isoformat(),
            "missing_goals": list(self.missing_goals),
            "measures": [e.to_dict() for e in self.entries],
        }


Check = tuple[str, Message]  # (status, evidence)


_KEY_STATS = "sphere.toms.key_stats"


def _key_stats(session: Session) -> read.KeyStats:
    """The subject-key figures, read once per catalogue (two checks use them; each read is
    a pass over ``subject_keys``)."""
    stats = session.info.get(_KEY_STATS)
    if stats is None:
        stats = session.info[_KEY_STATS] = read.subject_key_stats(session)
    return stats


def _encryption(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    from sphere.cockpit.findings import unencrypted_personal_columns  # findings imports record

    stats = _key_stats(session)
    clear = [f"{t}.{c}" for t, c in unencrypted_personal_columns()]
    values = {"live": stats.live, "destroyed": stats.destroyed,
              "keks": joined(stats.kek_ids) if stats.kek_ids else "-"}  # fmt: skip
    if clear:
        return "failing", msg(N_("clear columns named like personal data: %(columns)s"),
                              columns=joined(clear))  # fmt: skip
    text = msg(N_("%(live)s subject keys (AES-256-GCM) wrapped under master key %(keks)s; "
                  "%(destroyed)s destroyed by erasure; no clear column named like personal "
                  "data"), **values)  # fmt: skip
    if len(stats.kek_ids) > 1:
        return "attention", msg(
            N_("%(text)s — subject keys under %(count)s master keys: rotate again"),
            text=text,
            count=len(stats.kek_ids),
        )
    return "evidenced", text


def _pseudonyms(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    n = read.identity_count(session)
    if facts.pseudonym_placeholder:
        return "attention", msg(N_("%(count)s identifiers found by keyed blind index only, but "
                                   "the development placeholder secret is in use: set "
                                   "SPHERE_PSEUDONYM_SECRET"), count=n)  # fmt: skip
    return "evidenced", msg(
        N_(
            "%(count)s identifiers found by keyed blind index (HMAC-SHA-256) "
            "only; the secret is held outside the database"
        ),
        count=n,
    )


def _rotation(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    last = read.newest_entry(session, "keys.master_rotated")
    if last is not None:
        status = "evidenced" if now - last.at <= ROTATE_EVERY else "attention"
        return status, msg(
            N_("master key last rotated %(day)s (%(keys)s subject keys re-wrapped, now %(kek)s)"),
            day=day(last.at),
            keys=last.details.get("keys_rewrapped", 0),
            kek=str(last.details.get("new_key", "")).removeprefix("kek-"),
        )
    stats = _key_stats(session)
    if stats.oldest_live is None:
        return "evidenced", msg(N_("no subject key yet; rotate the master key at least yearly"))
    status = "evidenced" if now - stats.oldest_live <= ROTATE_EVERY else "attention"
    return status, msg(N_("not rotated yet; the oldest live subject key dates from %(day)s "
                          "(rotate at least yearly)"), day=day(stats.oldest_live))  # fmt: skip


def _roles(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    roles = read.staff_by_role(session)
    if not roles:
        return "attention", msg(N_("no active staff account yet"))
    accounts = sum(n for n, _p in roles.values())
    pending = sum(p for _n, p in roles.values())
    text = msg(N_("%(accounts)s active staff accounts (%(roles)s); %(pending)s with a first "
                  "password still to change; %(tokens)s live API tokens; the auditor reads "
                  "only"), accounts=accounts,
               roles=joined(msg(N_("%(count)s %(what)s"), count=n, what=word("role", r))
                            for r, (n, _p) in sorted(roles.items())),
               pending=pending, tokens=read.live_api_tokens(session, now=now))  # fmt: skip
    return ("evidenced" if roles.get("dpo", (0, 0))[0] else "attention"), text


def _audit(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    from sphere.audit import verify
    from sphere.storage.repositories.audit import GENESIS_HASH, AuditRepository

    job = JobRepository(session).latest_done("audit_verify")
    head = AuditRepository(session).head()[0]
    result = job.result if job is not None else {}
    if job is not None and not result.get("ok", False):
        return "failing", msg(N_("the verification of %(day)s found the chain broken at entry "
                                 "%(seq)s"), day=day(job.finished_at or now),
                              seq=result.get("first_broken_seq"))  # fmt: skip
    seq = int(result.get("verified_seq", 0))
    since = head - seq
    if since > LIVE_VERIFY_MAX:
        if job is None:
            return "attention", msg(N_("%(count)s entries, never verified in full: run a "
                                       "verification"), count=head)  # fmt: skip
        return "attention", msg(N_("verified %(day)s up to entry %(seq)s; %(count)s entries "
                                   "since then not yet verified"), day=day(job.finished_at or now),
                                seq=seq, count=since)  # fmt: skip
    start = (seq, str(result.get("verified_hash", GENESIS_HASH)), result.get("first_keyed_seq"))
    tail = verify(session, start=start)
    if not tail.ok:
        return "failing", msg(N_("the chain is broken at entry %(seq)s"),
                              seq=tail.first_broken_seq)  # fmt: skip
    if job is None:
        return "attention", msg(
            N_(
                "%(count)s entries verified now; no full verification "
                "against the signed checkpoints on record"
            ),
            count=head,
        )
    stale = now - (job.finished_at or now) > VERIFY_EVERY
    return ("attention" if stale else "evidenced"), msg(
        N_("verified in full %(day)s against %(checkpoints)s signed checkpoints; the "
           "%(count)s entries appended since verified now"), day=day(job.finished_at or now),
        checkpoints=result.get("signed_checkpoints", 0), count=since)  # fmt: skip


def _retention(session: Session, facts: SecurityFacts, now: datetime, policy: Policy) -> Check:
    from sphere.storage.repositories import oversight

    days = [spec.retention_days for spec in policy.purposes.values()]
    without = sum(1 for d in days if d <= 0)
    expired = sum(o.count for o in oversight.expired(session, now=now, sample=0))
    last = read.newest_entry(session, "retention.run")
    values = {"purposes": len(days), "low": min(days, default=0), "high": max(days, default=0),
              "expired": expired}  # fmt: skip
    if without:
        return "failing", msg(N_("%(count)s purposes without a retention period"), count=without)
    if last is None:
        return "attention", msg(N_("%(purposes)s purposes with a retention period "
                                   "(%(low)s-%(high)s days); no retention run yet; %(expired)s "
                                   "rows past their deadline"), **values)  # fmt: skip
    status = "attention" if expired or now - last.at > timedelta(days=7) else "evidenced"
    return status, msg(N_("%(purposes)s purposes with a retention period (%(low)s-%(high)s "
                          "days); last retention run %(day)s; %(expired)s rows past their "
                          "deadline"), day=day(last.at), **values)  # fmt: skip


def _sessions(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    if facts.session_idle_minutes is None:
        return "unknown", msg(N_("set in the web server's configuration"))
    text = msg(N_("staff sessions end after %(idle)s idle minutes; log-in locked for "
                  "%(lockout)s minutes after %(failures)s failures; secure cookies: "
                  "%(secure)s; only SHA-256 of tokens stored"), idle=facts.session_idle_minutes,
               lockout=facts.login_lockout_minutes, failures=facts.login_max_failures,
               secure=msg(N_("yes") if facts.cookie_secure else N_("no")))  # fmt: skip
    weak = facts.env == "prod" and not facts.cookie_secure
    return ("attention" if weak else "evidenced"), text


def _log_redaction(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    if facts.log_redaction is None:
        return "unknown", msg(N_("set in the web server's configuration"))
    if not facts.log_redaction:
        return "failing", msg(N_("the access-log filter is not installed in this process"))
    return "evidenced", msg(N_("the access-log filter is installed: queries and log-in tokens "
                               "are removed from every logged path"))  # fmt: skip


def _limits(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    body = facts.max_body_bytes
    if body is None:
        return "evidenced", msg(N_("webhook bodies above %(webhook)s bytes refused (413)"),
                                webhook=facts.webhook_max_bytes)  # fmt: skip
    return "evidenced", msg(N_("request bodies above %(body)s bytes and webhook bodies above "
                               "%(webhook)s bytes refused (413); every text field of the API "
                               "has a maximum length"), body=body,
                            webhook=facts.webhook_max_bytes)  # fmt: skip


def _checkpoints(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    runs, done = read.ingest_runs(session)
    return "evidenced", msg(N_("%(runs)s ingestion runs committed batch by batch with their "
                               "checkpoint (%(done)s completed); a stopped run or job resumes "
                               "after its last commit"), runs=runs, done=done)  # fmt: skip


def _release(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    return "evidenced", msg(
        N_(
            "anonymous figures released only from at least %(k)s people, "
            "with differential privacy and a monthly budget"
        ),
        k=facts.release_k,
    )


def _reviews(session: Session, facts: SecurityFacts, now: datetime) -> Check:
    declared = list_declared(session)
    overdue = [m for m in declared if is_overdue(m, now)]
    if not declared:
        return "unknown", msg(N_("no declared measure to review yet"))
    return ("attention" if overdue else "evidenced"), msg(
        N_("%(on_time)s of %(total)s declared measures within their review date"),
        on_time=len(declared) - len(overdue), total=len(declared))  # fmt: skip


# key, goal, title (message id), DPV types, check
BUILT_IN: tuple[tuple[str, str, str, tuple[str, ...], Callable[..., Check]], ...] = (
    ("sphere.encryption", "pseudonymisation_encryption",
     N_("Encryption per data subject (AES-256-GCM, envelope keys)"),
     ("dpv:EncryptionAtRest",), _encryption),
    ("sphere.pseudonyms", "pseudonymisation_encryption",
     N_("Keyed pseudonyms and blind indexes"), ("dpv:Pseudonymisation",), _pseudonyms),
    ("sphere.key-rotation", "pseudonymisation_encryption", N_("Master-key rotation"),
     ("dpv:CryptographicKeyManagement",), _rotation),
    ("sphere.roles", "confidentiality", N_("Role-based access for staff"),
     ("dpv:AccessControlMethod",), _roles),
    ("sphere.sessions", "confidentiality", N_("Sessions, log-in throttling and tokens"),
     ("dpv:AuthenticationProtocols",), _sessions),
    ("sphere.log-redaction", "confidentiality", N_("Redaction of the access log"),
     ("dpv:TechnicalMeasure",), _log_redaction),
    ("sphere.audit-chain", "integrity", N_("Hash-chained, keyed audit log with signed checkpoints"),
     ("dpv:HashFunctions", "dpv:DigitalSignatures"), _audit),
    ("sphere.request-limits", "resilience", N_("Limits on request size"),
     ("dpv:TechnicalMeasure",), _limits),
    ("sphere.checkpoints", "resilience", N_("Checkpointed ingestion and resumable jobs"),
     ("dpv:TechnicalMeasure",), _checkpoints),
    ("sphere.measure-reviews", "testing", N_("Regular review of the declared measures"),
     ("dpv:OrganisationalMeasure",), _reviews),
    ("sphere.retention", "minimisation", N_("Retention periods enforced by deletion"),
     ("dpv:TechnicalMeasure",), None),  # needs the policy: see build_catalogue
    ("sphere.anonymous-figures", "minimisation",
     N_("Anonymous figures with a k-threshold and differential privacy"),
     ("dpv:DifferentialPrivacy",), _release),
)  # fmt: skip


def build_catalogue(
    session: Session, policy: Policy, facts: SecurityFacts, *, now: datetime
) -> TomCatalogue:
    """Every measure, evidenced or declared, as of ``now``."""
    entries: list[MeasureEntry] = []
    session.info.pop(_KEY_STATS, None)
    try:
        for key, goal, title, dpv, check in BUILT_IN:
            if check is None:
                status, evidence = _retention(session, facts, now, policy)
            else:
                status, evidence = check(session, facts, now)
            kind = "organisational" if key == "sphere.measure-reviews" else "technical"
            entries.append(MeasureEntry(key, goal, kind, "sphere", title, status, evidence, dpv))
    finally:
        session.info.pop(_KEY_STATS, None)
    for m in list_declared(session):
        entries.append(MeasureEntry(
            m.key, m.goal, m.kind, "declared", m.title,
            "review_overdue" if is_overdue(m, now) else "declared",
            dpv=("dpv:TechnicalMeasure" if m.kind == "technical" else "dpv:OrganisationalMeasure",),
            owner=m.owner, review_due=m.review_due, last_reviewed_at=m.last_reviewed_at,
            description=m.description,
        ))  # fmt: skip
    order = {g: i for i, g in enumerate(GOALS)}
    entries.sort(key=lambda e: (order[e.goal], e.source != "sphere", e.key))
    return TomCatalogue(now, tuple(entries))


def tom_findings(catalogue: TomCatalogue | None, finding: Callable[..., T]) -> list[T]:
    """``finding`` is ``finding.make_finding`` (``findings`` imports this module)."""
    if catalogue is None:
        return []
    found: list[T] = []
    for code, severity, statuses, title, link in (
        ("tom.evidence-failing", "high", ("failing",),
         N_("Security measures whose evidence fails"), "/cockpit/toms"),
        ("tom.review-overdue", "medium", ("review_overdue",),
         N_("Security measures past their review date"), "/cockpit/toms"),
        ("tom.evidence-weak", "low", ("attention",),
         N_("Security measures that need attention"), "/cockpit/toms"),
    ):  # fmt: skip
        group = catalogue.with_status(*statuses)
        if not group:
            continue
        parts = joined(
            msg(N_("%(title)s (due %(day)s, %(owner)s)"), title=e.title, day=day(e.review_due),
                owner=e.owner)
            if e.source == "declared" and e.review_due is not None
            else msg(N_("%(title)s: %(evidence)s"), title=msg(e.title), evidence=e.evidence)
            for e in group
        )  # fmt: skip
        found.append(finding(
            code=code, severity=severity, title=title, evidence=joined([parts], ""),
            count=len(group), link=link, article="GDPR Art. 32(1)",
            object_ids=tuple(e.key for e in group),
        ))  # fmt: skip
    return found


def measures_jsonld(catalogue: TomCatalogue) -> list[dict[str, Any]]:
    """The measures in place as DPV nodes: ``dpv:TechnicalMeasure`` or
    ``dpv:OrganisationalMeasure`` and the closer DPV term (``dpv:EncryptionAtRest`` …),
    the Art. 32(1) goal, the evidence checked now or the owner and next review."""
    nodes = []
    for e in catalogue.entries:
        if not e.in_place:
            continue
        kind = "dpv:TechnicalMeasure" if e.kind == "technical" else "dpv:OrganisationalMeasure"
        node: dict[str, Any] = {
            "@id": f"urn:sphere:tom:{e.key}",
            "@type": list(dict.fromkeys((kind, *e.dpv))),
            "dct:title": render(None, msg(e.title)) if e.source == "sphere" else e.title,
            "dct:conformsTo": e.article,
            "sphere:goal": e.goal,
            "dpv:hasStatus": e.status,
        }
        if e.evidence is not None:
            node["dct:description"] = render(None, e.evidence)
        elif e.description:
            node["dct:description"] = e.description
        if e.owner:
            node["dpv:hasResponsibleEntity"] = {"rdfs:label": e.owner}
        if e.review_due is not None:
            node["sphere:reviewDue"] = {"@value": e.review_due.date().isoformat(),
                                        "@type": "xsd:date"}  # fmt: skip
        nodes.append(node)
    return nodes
