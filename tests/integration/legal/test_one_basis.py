"""One source of truth for legal basis and state (issue 13, point 7): the portal, the
access export, the record of processing and the public transparency page all read the
basis of a record from the decision that stored it; a withdrawn consent shows as
withdrawn everywhere at once — on SQLite and PostgreSQL, for one person in several
cases: customer care on legitimate interest, enrichment on legitimate interest (Art. 14),
enrichment with consent, and after that consent is withdrawn."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from sphere.accounts import make_password_hasher
from sphere.cockpit.record import build_record
from sphere.governance.policy_versions import active_policy
from sphere.i18n import translator
from sphere.i18n.glossary import term
from sphere.portal.consents import consent_switches
from sphere.portal.holdings import group_by_purpose
from sphere.rights.access import access_report, export_archive
from sphere.rights.consents import grant_consent, withdraw_consent
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.web.app import create_app
from tests.factories import mastodon_status, write_jsonl
from tests.integration.rights.scenario import Customer, ingest

ARTICLE = {"art6_1_a": "Art. 6(1)(a) GDPR", "art6_1_f": "Art. 6(1)(f) GDPR"}


def readings(rt: Runtime, settings: Settings, contact_id: str) -> dict[str, Any]:
    """What each of the four places says, per post id: {source_id: basis code}."""
    now = rt.clock.now()
    with rt.session() as session:
        policy = active_policy(session)
        report = access_report(session, rt.keyring, policy, contact_id, now=now)
        archive = zipfile.ZipFile(io.BytesIO(export_archive(report)))
        exported = json.loads(archive.read("data.json"))
        groups = group_by_purpose(report, translator("de"))
        switches = {
            s.purpose.value: s for s in consent_switches(session, policy, contact_id, now=now)
        }
        record = build_record(session, policy, now=now)
    portal = {}
    for group in groups:
        for item in group.items:
            if item.label in ("Mastodon, Beitrag", "Mastodon, Kommentar"):
                portal[item.item] = (group.purpose, item.legal_basis)
    export = {r["source_id"]: (r["purpose"], r["legal_basis"]) for r in exported["interactions"]}
    assert all("policy_legal_basis" not in r for r in exported["interactions"])
    app = create_app(
        settings, engine=rt.engine, clock=rt.clock, hasher=make_password_hasher(fast=True)
    )
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/transparency").text
    return {
        "export": export,
        "portal": portal,
        "record": {a.purpose: dict(a.bases_in_use) for a in record.activities},
        "page": page,
        "switches": switches,
        "consents": exported["consents"],
    }


def page_row(page: str, purpose: str) -> str:
    """The transparency page's table row of ``purpose`` ("Customer care" …)."""
    title = term(translator("en"), "purpose", purpose)
    return page.split(f"<strong>{title}</strong>", 1)[1].split("</tr>", 1)[0]


def check_agree(seen: dict[str, Any], k: int = 10) -> None:
    """Every record's basis is the same in export, portal and record; the public page
    lists a basis in use once at least k records rest on it (point 11), never below."""
    assert len(seen["portal"]) == len(seen["export"])
    for purpose, basis in seen["export"].values():
        assert basis is not None
        assert (purpose, basis) in seen["portal"].values()
        held = seen["record"][purpose].get(basis, 0)
        assert held >= sum(1 for v in seen["export"].values() if v == (purpose, basis))
        row = page_row(seen["page"], purpose)
        listed = row.split("records held rest on:", 1)[1] if "records held rest on:" in row else ""
        assert (ARTICLE[basis] in listed) is (held >= k)


def test_portal_export_record_and_page_agree_and_withdrawal_shows_everywhere(
    rt: Runtime, lena: Customer, settings: Settings, tmp_path: Path
) -> None:
    seen = readings(rt, settings, lena.contact_id)
    # customer care (post 1, addressed) and enrichment on legitimate interest (post 2)
    assert seen["export"]["1"] == ("customer_care", "art6_1_f")
    assert seen["export"]["2"] == ("enrichment", "art6_1_f")
    check_agree(seen)
    assert "enrichment" not in seen["switches"]  # no consent asked for, none given

    # she consents to enrichment; ten product posts are stored on that consent
    with rt.session() as session:
        grant_consent(
            session, active_policy(session), lena.contact_id, "enrichment",
            channel="portal", at=rt.clock.now(), actor="portal",
        )  # fmt: skip
    posts = [mastodon_status(str(5 + i), f"Makro 100 im Garten, Bild {i}") for i in range(10)]
    ingest(rt, write_jsonl(tmp_path / "p.jsonl", posts), "masto")
    seen = readings(rt, settings, lena.contact_id)
    assert seen["export"]["5"] == ("enrichment", "art6_1_a")
    check_agree(seen)
    switch = seen["switches"]["enrichment"]
    assert switch.is_on and switch.legal_basis.value == "art6_1_a"  # the notice cites 6(1)(a)
    assert seen["record"]["enrichment"] == {"art6_1_a": 10, "art6_1_f": 1}
    # ten records on consent: listed; the one on legitimate interest: below k, not shown
    row = page_row(seen["page"], "enrichment")
    assert "records held rest on: Art. 6(1)(a) GDPR</small>" in row

    # she withdraws: at once, no place lists the consent-based record any more
    with rt.session() as session:
        withdraw_consent(
            session, rt.keyring, active_policy(session), lena.contact_id, "enrichment",
            channel="portal", at=rt.clock.now(), actor="portal",
        )  # fmt: skip
    seen = readings(rt, settings, lena.contact_id)
    assert not any(str(5 + i) in seen["export"] for i in range(10))
    assert all("Makro 100 im Garten" not in item for item in seen["portal"])
    assert seen["record"]["enrichment"] == {"art6_1_f": 1}
    assert "records held rest on" not in page_row(seen["page"], "enrichment")
    check_agree(seen)  # what remains still agrees (legitimate interest, customer care)
    switch = seen["switches"]["enrichment"]
    assert not switch.is_on and switch.state == "withdrawn"
    assert [c["action"] for c in seen["consents"] if c["purpose"] == "enrichment"] == [
        "given",
        "withdrawn",
    ]
