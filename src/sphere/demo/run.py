"""``sphere demo``: build the fictional lens maker and run it through the real pipeline.

Generates the channel files (``scenario``), writes the company profile, registers one
source per file, imports the CRM, records the consents of the scenario in the ledger,
ingests every channel file, creates one staff account per role, and plays a few weeks
of work (``story``: a measure, a campaign, data-subject requests). Every step is
idempotent: running the demo again on the same SPHERE_HOME adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sphere.accounts.service import Role, create_staff_user, make_password_hasher
from sphere.consent.ledger import grant, withdraw
from sphere.demo._breach import record_demo_breach
from sphere.demo._connected import connect_demo_crm, sync_demo_crm
from sphere.demo._dpia import carry_out_demo_dpias
from sphere.demo._joint import register_demo_arrangements
from sphere.demo._recipients import register_demo_recipients
from sphere.demo._toms import declare_demo_measures, verify_demo_audit_chain
from sphere.demo.scenario import ScenarioSize, generate_scenario
from sphere.demo.story import StoryReport, play_story
from sphere.domain import Collection, ConsentState, IdentityKind, Purpose
from sphere.errors import InvalidInput
from sphere.governance.sources import add_source, list_sources
from sphere.pipeline.runner import ingest_file
from sphere.pipeline.summary import IngestSummary
from sphere.runtime import Runtime
from sphere.storage.repositories.consents import ConsentRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.ingest_runs import IngestRunRepository
from sphere.storage.repositories.staff import StaffRepository

# Demo log-ins, printed by `sphere demo`. Fictional accounts of a local demo only.
DEMO_PASSWORD = "demo-passwort-2026"
DEMO_STAFF = (
    ("dpo", Role.DPO, "Dr. Petra Datenschutz (DPO)"),
    ("marketing", Role.MARKETER, "Lena Hofbauer (Marketing)"),
    ("service", Role.AGENT, "Miriam Sommer (Service)"),
    ("admin", Role.ADMIN, "IT Administration"),
    ("auditor", Role.AUDITOR, "External auditor (read-only)"),
)
SIZES = {
    "small": ScenarioSize(contacts=300, posts=3000, web_events=800, mobile_events=300),
    "full": ScenarioSize(),
}
# Ingest order: people first (so posts can link), then what they wrote, then behaviour.
_ORDER = ("crm", "mastodon", "x", "facebook", "bluesky", "forum", "web", "mobile")
_COLLECTION = {"crm": Collection.EXPORT, "forum": Collection.EXPORT}


@dataclass
class DemoReport:
    data_dir: Path
    summaries: list[IngestSummary] = field(default_factory=list)
    consents_recorded: int = 0
    staff_created: list[str] = field(default_factory=list)
    story: StoryReport = field(default_factory=StoryReport)
    seconds: float = 0.0


DEMO_PRIVACY_CONTACT = "datenschutz@optiklinse.example"
# The controller profile (Art. 30(1)(a), Art. 13/14(1)(a)-(b)): a GmbH in Munich. For a
# private company in Bavaria the supervisory authority is the Bayerisches Landesamt für
# Datenschutzaufsicht in Ansbach (Art. 18 BayDSG); the Landesbeauftragter supervises
# Bavaria's public bodies. Made-up address and telephone number.
DEMO_CONTROLLER_YAML = (
    "controller:",
    '  address: "Optikerweg 7, 80999 München, Deutschland"',
    '  email: "info@optiklinse.example"',
    '  phone: "+49 89 0000 4711"',
    '  representative: "Katrin Albrecht und Jonas Weiß (Geschäftsführung)"',
    "  dpo:",
    '    name: "Dr. Henrike Vogt"',
    '    address: "Optikerweg 7, 80999 München"',
    f"    email: {json.dumps(DEMO_PRIVACY_CONTACT)}",
    "  supervisory_authority:",
    '    name: "Bayerisches Landesamt für Datenschutzaufsicht (BayLDA)"',
    '    address: "Promenade 18, 91522 Ansbach"',
    '    url: "https://www.lda.bayern.de"',
)


def company_yaml(company: dict[str, Any]) -> str:
    """The company profile (docs/channels.md) from the scenario's company description."""
    accounts = company["accounts"]
    lines = [
        f"name: {json.dumps(company['name'])}",
        f"privacy_contact: {json.dumps(company.get('privacy_contact', DEMO_PRIVACY_CONTACT))}",
        "accounts:",
        f"  x: [{json.dumps(accounts['x']['username'])}, {json.dumps(accounts['x']['user_id'])}]",
        "  mastodon: ["
        + ", ".join(json.dumps(accounts["mastodon"][k]) for k in ("acct", "username", "account_id"))
        + "]",
        "  bluesky: ["
        + ", ".join(json.dumps(accounts["bluesky"][k]) for k in ("handle", "did"))
        + "]",
        f"  facebook: [{json.dumps(accounts['facebook']['page_id'])}]",
        '  forum: ["u-1", "optiklinse-team"]',
        "brands: [" + ", ".join(json.dumps(b) for b in company["brands"]) + "]",
        "products: [" + ", ".join(json.dumps(p["name"]) for p in company["products"]) + "]",
        "hashtags: [" + ", ".join(json.dumps(h) for h in company["hashtags"]) + "]",
        f"page_ids: [{json.dumps(accounts['facebook']['page_id'])}]",
        *DEMO_CONTROLLER_YAML,
    ]
    return "\n".join(lines) + "\n"


def _register_sources(rt: Runtime, adapters: list[str]) -> None:
    # The fictional company carried out its DPIAs before processing (Art. 35(1)).
    carry_out_demo_dpias(rt)
    with rt.session() as session:
        known = {s.name for s in list_sources(session)}
        for adapter in adapters:
            if adapter not in known:
                add_source(
                    session,
                    adapter,
                    channel=adapter,
                    collection=_COLLECTION.get(adapter, Collection.OFFICIAL_API).value,
                    description="demo scenario",
                    actor="demo",
                    at=rt.clock.now(),
                )


def _record_consents(rt: Runtime, seeds: list[dict[str, Any]]) -> int:
    """Replay the scenario's consent history into the append-only ledger (once: a
    checkpoint under the pseudo-source ``demo-consents`` remembers it was done)."""
    recorded = 0
    digest = hashlib.sha256(json.dumps(seeds, sort_keys=True).encode()).hexdigest()
    with rt.session() as session:
        runs = IngestRunRepository(session)
        run = runs.start("demo-consents", digest, file="manifest.json", at=rt.clock.now())
        if run.completed:
            return 0
        contacts = ContactRepository(session, rt.keyring)
        ledger = ConsentRepository(session)
        notices: dict[tuple[str, str], str] = {}
        for seed in sorted(seeds, key=lambda s: s["recorded_at"]):
            found = contacts.lookup_identity(IdentityKind.CUSTOMER_NUMBER, seed["customer_number"])
            if found is None:
                continue  # the CRM row was one of the deliberately malformed ones
            contact_id = found[1]
            purpose, at = Purpose(seed["purpose"]), datetime.fromisoformat(seed["recorded_at"])
            key = (seed["purpose"], seed["notice_version"])
            if key not in notices:
                notices[key] = ledger.store_notice(
                    f"Optiklinse GmbH — Einwilligung '{purpose.value}', Fassung "
                    f"{seed['notice_version']}. Sie können diese Einwilligung jederzeit "
                    "widerrufen (Art. 7 Abs. 3 DSGVO).",
                    version=seed["notice_version"],
                    lang="de",
                )
            if seed["state"] == ConsentState.WITHDRAWN.value:
                withdraw(
                    session,
                    rt.keyring,
                    contact_id,
                    purpose,
                    channel=seed["channel"],
                    at=at,
                    actor="demo",
                )
            else:
                grant(
                    session,
                    contact_id,
                    purpose,
                    channel=seed["channel"],
                    at=at,
                    actor="demo",
                    explicit=seed["state"] == ConsentState.EXPLICIT.value,
                    notice_hash=notices[key],
                    evidence={"form": seed["channel"]},
                )
            recorded += 1
        runs.complete(run.id, at=rt.clock.now())
    return recorded


def _create_staff(rt: Runtime) -> list[str]:
    created: list[str] = []
    hasher = make_password_hasher()
    with rt.session() as session:
        staff = StaffRepository(session)
        for username, role, name in DEMO_STAFF:
            if staff.user_by_username(username) is None:
                create_staff_user(
                    session,
                    username,
                    DEMO_PASSWORD,
                    role=role,
                    display_name=name,
                    hasher=hasher,
                    clock=rt.clock,
                    must_change_password=True,  # the printed password is everyone's
                )
                created.append(username)
    return created


def build_demo(
    rt: Runtime, *, size: str = "full", progress: Callable[[str, int, int], None] | None = None
) -> DemoReport:
    if size not in SIZES:
        raise InvalidInput(f"unknown demo size {size!r}; choose one of: {', '.join(SIZES)}")
    started = time.perf_counter()
    data_dir = rt.settings.home / f"demo-{size}"
    manifest_path = data_dir / "manifest.json"
    if not manifest_path.is_file():
        generate_scenario(data_dir, size=SIZES[size])
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    company_file = rt.settings.resolved_company_file
    if not company_file.is_file():
        company_file.write_text(company_yaml(manifest["company"]), encoding="utf-8")
    files = {f["adapter"]: f for f in manifest["files"]}
    adapters = [a for a in _ORDER if a in files]
    _register_sources(rt, adapters)
    report = DemoReport(data_dir=data_dir)
    ctx = rt.pipeline_context()
    for adapter in adapters:
        entry = files[adapter]
        summary = IngestSummary(source=adapter)

        def tick(line: int, name: str = adapter, total: int = entry["lines"]) -> None:
            if progress:
                progress(name, line, total)

        ingest_file(
            rt.factory,
            ctx,
            data_dir / entry["path"],
            source_name=adapter,
            summary=summary,
            progress=tick,
        )
        report.summaries.append(summary)
        if adapter == "crm":
            report.consents_recorded = _record_consents(rt, manifest["consents"])
            ctx = rt.pipeline_context()  # the ledger changed: later facts must see it
    report.staff_created = _create_staff(rt)
    if "crm" in files:  # the company's CRM, connected: erasures reach it (issue 15)
        connect_demo_crm(rt, data_dir / files["crm"]["path"])
        sync_demo_crm(rt, backfill=True)  # what the gate stored for customers, to the CRM
    register_demo_recipients(rt)  # processors and transfers (Art. 28, 44-49), before the
    report.story = play_story(rt, manifest["consents"])  # story's requests (Art. 19)
    sync_demo_crm(rt)  # the story's erasures and withdrawals reach the CRM's copy too
    record_demo_breach(rt)  # the register's one breach (Art. 33, 34)
    register_demo_arrangements(rt)  # joint controllers with the platforms (Art. 26)
    declare_demo_measures(rt)  # the measures Sphere cannot evidence itself (Art. 32)
    verify_demo_audit_chain(rt)  # last: the chain as the demo leaves it
    report.seconds = time.perf_counter() - started
    return report


def demo_logins() -> list[tuple[str, str, str]]:
    return [(username, role.value, DEMO_PASSWORD) for username, role, _ in DEMO_STAFF]
