"""The record of processing activities (GDPR Art. 30(1)), built live.

One activity per purpose the policy in force declares, merged with what the
``processing_activities`` table adds (a name, categories of data subjects, recipients,
the DPIA status, the last run) and with what the data shows (records and contacts held
under the purpose, the sources they came from, the last decision). Nothing is typed in
twice: retention, legal basis and data categories come from the policy, counts from the
stored records — read from the held read model (``storage.repositories.readmodel``),
the same counters behind the inventories and the public transparency page, so the
three cannot contradict each other and none of them scans the records.

``record_to_jsonld`` exports it in the W3C Data Privacy Vocabulary (DPV 2): each
activity is a ``dpv:PersonalDataHandling`` with ``dpv:hasPurpose``,
``dpv:hasLegalBasis`` (``eu-gdpr:A6-1-a`` …), ``dpv:hasPersonalData``,
``dpv:hasDataSubject``, ``dpv:hasRecipient``, ``dpv:hasDataSource``,
``dpv:hasStorageCondition`` (an ISO 8601 duration), ``dpv:hasImpactAssessment`` and
``dpv:hasTechnicalOrganisationalMeasure`` (the Art. 32 catalogue, ``cockpit.toms``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.cockpit.record_systems import system_entries, systems_jsonld
from sphere.cockpit.toms import TomCatalogue, measures_jsonld
from sphere.domain import DataCategory, LegalBasis, Purpose
from sphere.domain.controller import ContactPoint, ControllerProfile
from sphere.governance.dpia import dpia_approvals
from sphere.governance.joint import JointStatus, joint_overview
from sphere.governance.recipients import MECHANISM_DPV, is_transfer, list_recipients
from sphere.governance.sources import list_sources
from sphere.policy import Policy
from sphere.storage.entities import Source
from sphere.storage.repositories import oversight as read
from sphere.storage.repositories.recipients import Recipient

# Art. 30(1)(c): categories of data subjects, when no activity row names them.
DEFAULT_SUBJECTS: dict[Purpose, tuple[str, ...]] = {
    Purpose.CUSTOMER_CARE: ("customers", "social media users who address the company"),
    Purpose.SERVICE_PROVISION: ("customers",),
    Purpose.ENRICHMENT: ("customers",),
    Purpose.PROFILING: ("customers who consented",),
    Purpose.DIRECT_MARKETING: ("customers", "prospects who consented"),
    Purpose.PUBLIC_MONITORING: ("social media users (anonymous aggregates only)",),
    Purpose.IDENTITY_MATCHING: ("customers who consented",),
    Purpose.HR_SCREENING: ("employees", "applicants"),
    Purpose.LEGAL_OBLIGATION: ("customers",),
    Purpose.SECURITY: ("customers", "website and app users"),
    Purpose.WEB_ANALYTICS: ("website and app users who consented",),
}
# Art. 30(1)(d): categories of recipients, when no activity row names them.
DEFAULT_RECIPIENTS: dict[Purpose, tuple[str, ...]] = {
    Purpose.CUSTOMER_CARE: ("customer service team",),
    Purpose.SERVICE_PROVISION: ("sales and service teams",),
    Purpose.ENRICHMENT: ("sales and marketing teams",),
    Purpose.PROFILING: ("marketing team",),
    Purpose.DIRECT_MARKETING: ("marketing team", "e-mail service provider (processor)"),
    Purpose.PUBLIC_MONITORING: ("marketing team (aggregates)",),
    Purpose.IDENTITY_MATCHING: ("CRM administrators",),
    Purpose.HR_SCREENING: (),
    Purpose.LEGAL_OBLIGATION: ("accounting", "tax authorities on request"),
    Purpose.SECURITY: ("IT security team",),
    Purpose.WEB_ANALYTICS: ("marketing team",),
}

DPV_CONTEXT: dict[str, str] = {
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
    "dct": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# Closest DPV / DPV-PD term for each data category of the fact space.
DPV_DATA: dict[DataCategory, str] = {
    DataCategory.PRODUCT_CONTENT: "pd:Communication",
    DataCategory.CONTACT_DATA: "pd:Contact",
    DataCategory.PROFILE_ATTRIBUTE: "pd:Profile",
    DataCategory.SPECIAL_CATEGORY: "dpv:SpecialCategoryPersonalData",
    DataCategory.SOCIAL_GRAPH: "pd:SocialMedia",
    DataCategory.BEHAVIOURAL: "pd:Behavioural",
    DataCategory.GENERAL_CONTENT: "pd:Communication",
}
DPIA_DONE = frozenset({"done", "completed", "approved"})


def dpv_legal_basis(basis: LegalBasis) -> str:
    """``art6_1_a`` → ``eu-gdpr:A6-1-a`` (DPV's GDPR extension)."""
    article, paragraph, letter = basis.value.removeprefix("art").split("_")
    return f"eu-gdpr:A{article}-{paragraph}-{letter}"


@dataclass(frozen=True, slots=True)
class SourceEntry:
    name: str
    channel: str
    collection: str  # official_api | export | manual | scraper | unregistered


@dataclass(frozen=True, slots=True)
class Activity:
    """One Art. 30(1) entry."""

    purpose: str
    name: str
    description: str
    dpv_purpose: str
    legal_basis: str  # enum value, e.g. art6_1_f
    legal_basis_article: str  # "GDPR Art. 6(1)(f)"
    special_category_basis: str | None
    data_categories: tuple[str, ...]
    subject_categories: tuple[str, ...]
    sources: tuple[SourceEntry, ...]
    recipients: tuple[str, ...]
    retention_days: int
    dpia_required: bool
    dpia_status: str  # done/approved/…, "missing" or "not required"
    records: int
    interactions: int
    events: int
    attributes: int
    contacts: int
    last_run: datetime | None
    balancing_test: str | None
    measures: tuple[str, ...] = ()  # approved marketing measures run under this purpose
    # what the held records rest on: basis code → records, from the decisions that stored
    # them (the declared ``legal_basis`` may differ: enrichment with consent is 6(1)(a))
    bases_in_use: tuple[tuple[str, int], ...] = ()
    # Art. 30(1)(e): transfers to third countries (the recipients register)
    transfers: tuple[dict[str, Any], ...] = ()

    @property
    def bases_in_use_articles(self) -> tuple[str, ...]:
        return tuple(LegalBasis(code).article for code, _n in self.bases_in_use)

    def bases_released(self, k: int) -> tuple[str, ...]:
        """The bases in use as a public page may show them: only those resting on at
        least ``k`` records (a basis held for one person would single that person's
        consent out — the k-threshold of every anonymous figure, docs/policy.md)."""
        return tuple(LegalBasis(code).article for code, n in self.bases_in_use if n >= k)

    def bases_released_codes(self, k: int) -> tuple[str, ...]:
        """``bases_released`` as codes (``art6_1_a``), for pages citing in their language."""
        return tuple(code for code, n in self.bases_in_use if n >= k)

    @property
    def bases_in_use_counted(self) -> tuple[tuple[str, int], ...]:
        return tuple((LegalBasis(code).article, n) for code, n in self.bases_in_use)

    @property
    def dpia_missing(self) -> bool:
        return self.dpia_status == "missing"

    def to_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "name": self.name,
            "description": self.description,
            "dpv_purpose": self.dpv_purpose,
            "legal_basis": self.legal_basis,
            "legal_basis_article": self.legal_basis_article,
            "special_category_basis": self.special_category_basis,
            "data_categories": list(self.data_categories),
            "subject_categories": list(self.subject_categories),
            "sources": [
                {"name": s.name, "channel": s.channel, "collection": s.collection}
                for s in self.sources
            ],
            "recipients": list(self.recipients),
            "transfers": [dict(t) for t in self.transfers],
            "retention_days": self.retention_days,
            "dpia_required": self.dpia_required,
            "dpia_status": self.dpia_status,
            "records": self.records,
            "interactions": self.interactions,
            "events": self.events,
            "attributes": self.attributes,
            "contacts": self.contacts,
            "last_run": self.last_run.isoformat() if self.last_run else None,
            "balancing_test": self.balancing_test,
            "measures": list(self.measures),
            "bases_in_use": dict(self.bases_in_use),
        }


@dataclass(frozen=True, slots=True)
class ProcessingRecord:
    policy_version: str
    policy_hash: str
    generated_at: datetime
    activities: tuple[Activity, ...]
    # Art. 30(1)(a) and (g), when the caller knows them (``build_record``'s arguments)
    controller: ControllerProfile | None = field(default=None, compare=False)
    security: TomCatalogue | None = field(default=None, compare=False)
    # Art. 30(1)(a) "where applicable, the joint controller" (Art. 26): one entry per
    # source whose platform is a joint controller, arranged or ``missing``
    joint: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    # Art. 30(1)(d): the connected systems - infrastructure, and recipients where run by
    # a processor or another controller (``record_systems``)
    systems: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    def activity(self, purpose: str) -> Activity:
        for item in self.activities:
            if item.purpose == purpose:
                return item
        raise KeyError(purpose)

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_version": self.policy_version,
            "policy_hash": self.policy_hash,
            "generated_at": self.generated_at.isoformat(),
            "activities": [a.to_dict() for a in self.activities],
            **({"security_measures": self.security.to_dict()} if self.security else {}),
            "joint_controllers": list(self.joint),
            "connected_systems": list(self.systems),
        }


def _title(purpose: str) -> str:
    return purpose.replace("_", " ").capitalize()


def source_of_channel(sources: Iterable[Source]) -> dict[str, str]:
    """Channel → the registered source of it, for channels with exactly one: events and
    imported contacts are counted per channel, and are shown under that source."""
    by_channel: dict[str, list[str]] = {}
    for source in sources:
        by_channel.setdefault(source.channel.value, []).append(source.name)
    return {channel: names[0] for channel, names in by_channel.items() if len(names) == 1}


def build_record(
    session: Session,
    policy: Policy,
    *,
    now: datetime,
    controller: ControllerProfile | None = None,
    security: TomCatalogue | None = None,
    systems: Iterable[Mapping[str, str]] = (),
) -> ProcessingRecord:
    """The Art. 30 record for ``policy`` (normally the policy in force) over stored data;
    with the controller (Art. 30(1)(a)) and the measures (Art. 30(1)(g),
    ``cockpit.toms.build_catalogue``) when given."""
    inventory = {s.name: s for s in list_sources(session)}
    usage = read.usage_by_purpose(
        session,
        [p.value for p in policy.purposes],
        source_of_channel=source_of_channel(inventory.values()),
    )
    # Stored activities are approved marketing measures (``sphere.marketing.measures``):
    # each is listed under its purpose's entry and may add a DPIA status and a last run,
    # but never renames the purpose's entry or replaces its recipients.
    measures: dict[str, list[read.ActivityRow]] = {}
    for row in read.activities(session):
        measures.setdefault(row.purpose, []).append(row)

    def source_entry(name: str) -> SourceEntry:
        source = inventory.get(name)
        if name == read.DERIVED_SOURCE:
            return SourceEntry(name, "", "derived")
        if source is None:
            return SourceEntry(name, "", "unregistered")
        return SourceEntry(name, source.channel.value, source.collection.value)

    approvals = dpia_approvals(session)
    registered: dict[str, list[Recipient]] = {}  # the recipients register (Art. 28, 30(1)(d))
    for recipient in list_recipients(session):
        for name in recipient.purposes:
            registered.setdefault(name, []).append(recipient)
    activities: list[Activity] = []
    for purpose, spec in policy.purposes.items():
        used = usage.get(purpose.value, read.PurposeUsage())
        rows = measures.get(purpose.value, [])
        source_names = sorted(used.sources)
        statuses = [r.dpia_status for r in rows if r.dpia_status]
        approval = approvals.get(purpose.value)
        if statuses:
            dpia_status = statuses[0]
        elif approval is not None:
            dpia_status = f"approved ({approval.reference})"
        else:
            dpia_status = "missing" if spec.dpia_required else "not required"
        last_runs = [t for t in (used.last_decided_at, *(r.last_run_at for r in rows)) if t]
        activities.append(
            Activity(
                purpose=purpose.value,
                name=_title(purpose.value),
                description=spec.description,
                dpv_purpose=spec.dpv_term,
                legal_basis=spec.legal_basis.value,
                legal_basis_article=spec.legal_basis.article,
                special_category_basis=(
                    spec.special_category_basis.value if spec.special_category_basis else None
                ),
                data_categories=tuple(c.value for c in spec.data_categories),
                subject_categories=DEFAULT_SUBJECTS.get(purpose, ())
                or tuple(sorted({c for r in rows for c in r.subject_categories})),
                sources=tuple(source_entry(n) for n in source_names),
                recipients=_recipients(purpose, registered.get(purpose.value, [])),
                transfers=tuple(
                    _transfer(r)
                    for r in registered.get(purpose.value, [])
                    if is_transfer(r.country)
                ),  # fmt: skip
                retention_days=spec.retention_days,
                dpia_required=spec.dpia_required or any(r.dpia_required for r in rows),
                dpia_status=dpia_status,
                records=used.records,
                interactions=used.interactions,
                events=used.events,
                attributes=used.attributes,
                contacts=used.contacts,
                last_run=max(last_runs) if last_runs else None,
                balancing_test=spec.balancing_test,
                measures=tuple(r.name.removeprefix("measure:") for r in rows),
                bases_in_use=used.bases,
            )
        )
    return ProcessingRecord(
        policy_version=policy.version,
        policy_hash=policy.content_hash,
        generated_at=now,
        activities=tuple(activities),
        controller=controller,
        security=security,
        joint=tuple(_joint(s) for s in joint_overview(session) if s.state in JOINT_STATES),
        systems=system_entries(session, systems),
    )


JOINT_STATES = ("arranged", "missing")


def _joint(status: JointStatus) -> dict[str, Any]:
    """A joint controller of the record (C-210/16 Wirtschaftsakademie: a page operator
    and the platform decide jointly on the page's visitor statistics)."""
    arrangement = status.arrangement
    return {
        "source": status.source,
        "platform": status.platform,
        "state": status.state,
        "title": arrangement.title if arrangement else "",
        "agreed_on": arrangement.agreed_on.date().isoformat()
        if arrangement and arrangement.agreed_on
        else None,
        "url": arrangement.url if arrangement else "",
        "contact_point": arrangement.contact_point if arrangement else "",
    }


def _recipients(purpose: Purpose, registered: list[Recipient]) -> tuple[str, ...]:
    """Art. 30(1)(d): the company's own teams, and the registered recipients; a default
    "(processor)" placeholder gives way once processors for the purpose are registered."""
    own = DEFAULT_RECIPIENTS.get(purpose, ())
    if registered:
        own = tuple(r for r in own if "processor" not in r)
    return own + tuple(r.name for r in registered)


def _transfer(recipient: Recipient) -> dict[str, Any]:
    """Art. 30(1)(e): the third country and the safeguard of one transfer."""
    tia = recipient.tia_date.date().isoformat() if recipient.tia_date else None
    return {"recipient": recipient.name, "role": recipient.role, "country": recipient.country,
            "mechanism": recipient.transfer_mechanism, "scc_module": recipient.scc_module,
            "tia_date": tia}  # fmt: skip


def _party(kind: str, point: ContactPoint) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": kind, "dpv:hasName": point.name}
    if point.address:
        node["dpv:hasAddress"] = point.address
    contact = [v for v in (point.email, point.phone, point.url) if v]
    if contact:
        node["dpv:hasContact"] = contact
    return node


def controller_jsonld(controller: ControllerProfile) -> dict[str, Any]:
    """Art. 30(1)(a) in DPV: ``dpv:DataController`` with name, address and contact,
    ``dpv:hasRepresentative``, ``dpv:hasDataProtectionOfficer`` and the competent
    ``dpv:SupervisoryAuthority`` (``dpv:hasAuthority``)."""
    node = _party("dpv:DataController", ContactPoint(
        controller.name, controller.address, controller.email, controller.phone))  # fmt: skip
    node["dct:title"] = controller.name
    if controller.representative:
        node["dpv:hasRepresentative"] = {
            "@type": "dpv:Representative", "dpv:hasName": controller.representative}  # fmt: skip
    dpo = controller.dpo
    if dpo.is_empty and controller.privacy_contact:
        dpo = ContactPoint(email=controller.privacy_contact)
    if not dpo.is_empty:
        node["dpv:hasDataProtectionOfficer"] = _party("dpv:DataProtectionOfficer", dpo)
    if controller.supervisory_authority.name:
        node["dpv:hasAuthority"] = _party(
            "dpv:SupervisoryAuthority", controller.supervisory_authority
        )
    return node


def record_to_jsonld(
    record: ProcessingRecord, *, controller: ControllerProfile | str = ""
) -> dict[str, Any]:
    """The record as JSON-LD in the W3C DPV vocabulary (see module docstring)."""
    if isinstance(controller, str):
        use_record = not controller and record.controller is not None
        controller = record.controller if use_record else ControllerProfile(name=controller)
    assert controller is not None
    measures = measures_jsonld(record.security) if record.security is not None else []
    handlings = []
    for activity in record.activities:
        data = [
            {"@id": DPV_DATA[DataCategory(c)], "rdfs:label": c} for c in activity.data_categories
        ]
        handling: dict[str, Any] = {
            "@id": f"urn:sphere:activity:{activity.purpose}",
            "@type": "dpv:PersonalDataHandling",
            "dct:title": activity.name,
            "dct:description": activity.description,
            "dpv:hasPurpose": {"@id": activity.dpv_purpose, "rdfs:label": activity.purpose},
            "dpv:hasLegalBasis": [
                {
                    "@id": dpv_legal_basis(LegalBasis(activity.legal_basis)),
                    "rdfs:label": activity.legal_basis_article,
                }
            ],
            "dpv:hasPersonalData": data,
            "dpv:hasDataSubject": [
                {"@type": "dpv:DataSubject", "rdfs:label": s} for s in activity.subject_categories
            ],
            "dpv:hasRecipient": [
                {"@type": "dpv:Recipient", "rdfs:label": r} for r in activity.recipients
            ],
            # Art. 30(1)(e): transfers to third countries with their safeguard
            "sphere:transfers": [
                {
                    "@type": "dpv:DataTransfer",
                    "dpv:hasRecipient": {"rdfs:label": t["recipient"]},
                    "dpv:hasThirdCountry": t["country"],
                    "dpv:hasLegalBasis": {
                        "@id": MECHANISM_DPV[t["mechanism"]],
                        "rdfs:label": t["mechanism"],
                    },
                }
                for t in activity.transfers
            ],
            "dpv:hasDataSource": [
                {"@type": "dpv:DataSource", "rdfs:label": s.name, "dct:type": s.collection}
                for s in activity.sources
            ],
            "dpv:hasStorageCondition": {
                "@type": "dpv:StorageDuration",
                "dpv:hasDuration": {
                    "@type": "dpv:Duration",
                    "rdfs:label": f"P{activity.retention_days}D",
                },
            },
            "dpv:hasImpactAssessment": {
                "@type": "dpv:DPIA",
                "dpv:hasStatus": activity.dpia_status,
                "dpv:isMandatory": activity.dpia_required,
            },
            # Art. 30(1)(g): the measures in place, described once on the record
            "dpv:hasTechnicalOrganisationalMeasure": [{"@id": m["@id"]} for m in measures],
            "sphere:records": activity.records,
            "sphere:contacts": activity.contacts,
        }
        if activity.special_category_basis:
            handling["dpv:hasLegalBasis"].append(
                {"@id": dpv_legal_basis(LegalBasis(activity.special_category_basis))}
            )
        if activity.last_run:
            handling["dct:modified"] = {
                "@value": activity.last_run.isoformat(),
                "@type": "xsd:dateTime",
            }
        handlings.append(handling)
    document: dict[str, Any] = {
        "@context": {**DPV_CONTEXT, "sphere": "urn:sphere:"},
        "@id": f"urn:sphere:ropa:{record.policy_hash[:16]}",
        "@type": "dpv:ROPA",
        "dct:created": {"@value": record.generated_at.isoformat(), "@type": "xsd:dateTime"},
        "dct:conformsTo": "GDPR Art. 30(1)",
        "sphere:policyVersion": record.policy_version,
        "dpv:hasPersonalDataHandling": handlings,
    }
    if controller.name:
        document["dpv:hasDataController"] = controller_jsonld(controller)
    if measures:
        document["dpv:hasTechnicalOrganisationalMeasure"] = measures
    technology, system_recipients = systems_jsonld(record.systems)
    if technology:
        document["dpv:isImplementedUsingTechnology"] = technology
    if system_recipients:
        document["dpv:hasRecipient"] = system_recipients
    joint = [j for j in record.joint if j["state"] == "arranged"]
    if joint:
        document["dpv:hasJointDataControllers"] = [_joint_jsonld(j, controller) for j in joint]
    return document


def _joint_jsonld(joint: dict[str, Any], controller: ControllerProfile) -> dict[str, Any]:
    parties = [{"@type": "dpv:DataController", "dct:title": name}
               for name in (controller.name, joint["platform"]) if name]  # fmt: skip
    agreement: dict[str, Any] = {"@type": "dpv:JointDataControllersAgreement",
                                 "dct:title": joint["title"]}  # fmt: skip
    if joint["agreed_on"]:
        agreement["dct:date"] = {"@value": joint["agreed_on"], "@type": "xsd:date"}
    if joint["url"]:
        agreement["rdfs:seeAlso"] = {"@id": joint["url"]}
    return {"@type": "dpv:JointDataControllers", "dpv:hasDataController": parties,
            "dct:source": joint["source"], "dct:references": agreement}  # fmt: skip
