"""Three inventories the DPO, marketing, IT and legal share, with their findings:

* processes — business areas (marketing, sales, service, HR) and the activities of the
  record of processing they run;
* data flows — source → stage → store → recipient, from the records actually stored
  (plus the anonymous aggregates of social listening);
* infrastructure — registered sources (a scraper or a monitoring tool feeding names
  into the CRM shows up here) and the tools the data passes through.

Each entry lists the codes of the findings (``findings.py``) that concern it. Stage,
store and tool names are English message ids (the JSON API gives them so); ``localize``
gives a page the reader's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from sphere.cockpit.findings import Finding
from sphere.cockpit.record import ProcessingRecord, source_of_channel
from sphere.domain import Collection, Purpose
from sphere.governance.sources import list_sources
from sphere.i18n import N_, Translator
from sphere.i18n.message import Message, msg, render
from sphere.storage.repositories import oversight as read

AREAS: dict[str, tuple[Purpose, ...]] = {
    "marketing": (
        Purpose.ENRICHMENT,
        Purpose.PROFILING,
        Purpose.DIRECT_MARKETING,
        Purpose.PUBLIC_MONITORING,
        Purpose.WEB_ANALYTICS,
        Purpose.IDENTITY_MATCHING,
    ),
    "sales": (Purpose.SERVICE_PROVISION, Purpose.LEGAL_OBLIGATION),
    "service": (Purpose.CUSTOMER_CARE, Purpose.SECURITY),
    "hr": (Purpose.HR_SCREENING,),
}
STAGE = N_("ingestion pipeline: addressing, linking, PII minimisation, policy gate")
STORES = {
    "interactions": N_("interactions (encrypted)"),
    "events": N_("events (encrypted)"),
    "contacts": N_("contacts (encrypted identities)"),
    "attributes": N_("derived attributes (encrypted)"),
}
ALL_SOCIAL = N_("all social sources")
AGGREGATES = N_("aggregates (anonymous counts, no personal data)")
TOOLS: tuple[tuple[str, str], ...] = (
    (N_("Sphere ingestion pipeline"), N_("gates every record by purpose and legal basis")),
    (N_("PII analyzer"), N_("local recognizers and name tagger; no data leaves the host")),
    (N_("Encrypted store"), N_("per-subject AES-GCM keys, crypto-shredding on erasure")),
    (N_("Audit log"), N_("hash-chained, verified in the cockpit")),
)


@dataclass(frozen=True, slots=True)
class Process:
    area: str
    purposes: tuple[str, ...]
    records: int
    contacts: int
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Flow:
    source: str
    collection: str
    stage: str
    store: str
    recipients: tuple[str, ...]
    purpose: str
    records: int
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Infrastructure:
    name: str
    kind: str  # source | tool
    channel: str
    collection: str
    detail: str
    records: int
    findings: tuple[str, ...]
    detail_text: Message | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Inventories:
    processes: tuple[Process, ...]
    flows: tuple[Flow, ...]
    infrastructure: tuple[Infrastructure, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "processes": [
                {
                    "area": p.area,
                    "purposes": list(p.purposes),
                    "records": p.records,
                    "contacts": p.contacts,
                    "findings": list(p.findings),
                }
                for p in self.processes
            ],
            "flows": [
                {
                    "source": f.source,
                    "collection": f.collection,
                    "stage": f.stage,
                    "store": f.store,
                    "recipients": list(f.recipients),
                    "purpose": f.purpose,
                    "records": f.records,
                    "findings": list(f.findings),
                }
                for f in self.flows
            ],
            "infrastructure": [
                {
                    "name": i.name,
                    "kind": i.kind,
                    "channel": i.channel,
                    "collection": i.collection,
                    "detail": i.detail,
                    "records": i.records,
                    "findings": list(i.findings),
                }
                for i in self.infrastructure
            ],
        }


def build_inventories(
    session: Session, record: ProcessingRecord, findings: list[Finding]
) -> Inventories:
    by_code = {f.code: f for f in findings}
    codes = set(by_code)
    activities = {a.purpose: a for a in record.activities}

    processes = []
    for area, purposes in AREAS.items():
        present = [activities[p.value] for p in purposes if p.value in activities]
        related = set()
        if "dpia.missing" in codes and any(
            a.purpose in by_code["dpia.missing"].object_ids for a in present
        ):
            related.add("dpia.missing")
        if area in ("marketing", "sales") and "identity.linked-without-basis" in codes:
            related.add("identity.linked-without-basis")
        if area == "marketing":
            related |= codes & {"consent.withdrawn-derived", "campaign.expired-consent"}
        if area == "service":  # requests and notices are answered by the service team
            related |= codes & {"dsr.deadline", "notice.art14-overdue"}
        processes.append(
            Process(
                area=area,
                purposes=tuple(a.purpose for a in present),
                records=sum(a.records for a in present),
                contacts=sum(a.contacts for a in present),
                findings=tuple(sorted(related)),
            )
        )

    sources = {s.name: s for s in list_sources(session)}
    counts: dict[tuple[str, str, str], int] = {}
    # the held read model, no scan of records; sources named as in the record
    for flow in read.flow_counts(session, source_of_channel=source_of_channel(sources.values())):
        counts[(flow.source, STORES[flow.store], flow.purpose)] = flow.records
    flows = []
    flow_findings = {
        "retention.expired",
        "storage.unencrypted-personal-field",
        "third-party.exposed",
    }
    for (name, store, purpose), number in sorted(counts.items()):
        source = sources.get(name)
        collection = (
            source.collection.value
            if source
            else ("derived" if name == read.DERIVED_SOURCE else "unregistered")
        )
        related = {c for c in codes & flow_findings}
        if collection == Collection.SCRAPER.value:
            related.add("source.scraper")
        activity = activities.get(purpose)
        flows.append(
            Flow(
                source=name,
                collection=collection,
                stage=STAGE,
                store=store,
                recipients=activity.recipients if activity else (),
                purpose=purpose,
                records=number,
                findings=tuple(sorted(related)),
            )
        )
    monitoring = activities.get(Purpose.PUBLIC_MONITORING.value)
    flows.append(
        Flow(
            source=ALL_SOCIAL,
            collection="mixed",
            stage=STAGE,
            store=AGGREGATES,
            recipients=monitoring.recipients if monitoring else (),
            purpose=Purpose.PUBLIC_MONITORING.value,
            records=0,
            findings=(),
        )
    )

    per_source: dict[str, int] = {}
    for (name, _store, _purpose), number in counts.items():
        per_source[name] = per_source.get(name, 0) + number
    infrastructure = [
        Infrastructure(
            name=s.name,
            kind="source",
            channel=s.channel.value,
            collection=s.collection.value,
            detail=s.description or render(None, _accounts(len(s.accounts))),
            records=per_source.get(s.name, 0),
            findings=("source.scraper",) if s.collection is Collection.SCRAPER else (),
            detail_text=None if s.description else _accounts(len(s.accounts)),
        )
        for s in sources.values()
    ]
    infrastructure += [
        Infrastructure(name, "tool", "", "", detail, 0, ()) for name, detail in TOOLS
    ]
    return Inventories(tuple(processes), tuple(flows), tuple(infrastructure))


def _accounts(n: int) -> Message:
    return msg(N_("company accounts: %(count)s"), count=n)


def localize(inventories: Inventories, tr: Translator) -> Inventories:
    """``inventories`` with stage, store and tool words in ``tr``'s language (for a
    page; registered sources keep their names and descriptions, the DPO's words)."""
    flows = tuple(
        replace(
            f,
            source=tr.gettext(f.source) if f.collection == "mixed" else f.source,
            stage=tr.gettext(f.stage),
            store=tr.gettext(f.store),
        )
        for f in inventories.flows
    )
    infrastructure = tuple(
        replace(i, name=tr.gettext(i.name), detail=tr.gettext(i.detail))
        if i.kind == "tool"
        else replace(i, detail=render(tr, i.detail_text))
        if i.detail_text is not None
        else i
        for i in inventories.infrastructure
    )
    return replace(inventories, flows=flows, infrastructure=infrastructure)
