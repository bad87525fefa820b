"""Done-means of issue 5 on SQLite and PostgreSQL: withdrawal cascade, erasure leaves no
trace in any table, column or (SQLite) file byte, the access export holds everything the
scan finds before, and the audit chain records it all without re-storing erased data."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from sqlalchemy.engine import make_url

from sphere.audit import latest, verify
from sphere.consent.ledger import withdraw
from sphere.domain import Purpose
from sphere.rights.access import access_report, export_archive
from sphere.rights.erasure import erase_contact
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.erasure import reclaim_free_space
from tests.integration.rights.scenario import (
    IDENTIFIERS,
    INTEREST,
    INVOICE,
    POST_WORDS,
    add_invoice,
    derive_profile,
    file_bytes,
    scan,
    seed_customer,
)


def test_withdrawal_removes_the_derived_attribute_and_what_was_built_on_it(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    _, interest_id, score_id = derive_profile(rt, customer)
    with rt.session() as session:
        _, removed = withdraw(
            session,
            rt.keyring,
            customer.contact_id,
            Purpose.PROFILING,
            channel="portal",
            at=rt.clock.now(),
            actor="test",
        )
    assert set(removed) == {interest_id, score_id}
    with rt.session() as session:
        left = {
            a.id
            for a in AttributeRepository(session, rt.keyring).list_for_contact(customer.contact_id)
        }
        assert not left & {interest_id, score_id}
        entry = latest(session, limit=1)[0]
        assert entry.action == "consent.withdrawn"
        assert {interest_id, score_id} <= set(entry.object_ids)
        assert entry.details["derived_removed"] == 2
        assert verify(session).ok


def test_erasure_leaves_no_trace_and_the_export_held_everything(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    derive_profile(rt, customer)
    invoice_id = add_invoice(rt, customer)
    needles = (*IDENTIFIERS, *POST_WORDS, INTEREST, *customer.blind_indexes)

    with rt.session() as session:
        before = scan(session, rt.keyring, needles)
        report = access_report(
            session, rt.keyring, rt.policy(), customer.contact_id, now=rt.clock.now()
        )
    found_needles = {h.needle for h in before}
    assert set(IDENTIFIERS) | set(POST_WORDS) | {INTEREST} <= found_needles
    assert set(customer.blind_indexes) <= found_needles
    archive = zipfile.ZipFile(io.BytesIO(export_archive(report)))
    assert {"data.json", "summary.html", "identities.csv", "interactions.csv"} <= set(
        archive.namelist()
    )
    exported = archive.read("data.json").decode("utf-8")
    for hit in before:  # every datum the scan finds is in the export (value or row id)
        assert hit.row_id in exported or (hit.decrypted and hit.needle in exported), hit
    data = json.loads(exported)
    derived = [a for a in data["attributes"] if a["category"] == "derived"]
    assert derived and all(a["how_derived"] and a["derived_from"] for a in derived)
    assert all(i["purpose"] and i["legal_basis"] and i["source"] for i in data["interactions"])

    with rt.session() as session:
        result = erase_contact(
            session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="dpo"
        )
    assert result.counts["interactions"] == 2 and result.counts["identities"] >= 4
    kept = {k.id: k for k in result.kept}
    assert invoice_id in kept and kept[invoice_id].until is not None
    assert "HGB" in kept[invoice_id].reason
    reclaim_free_space(rt.engine)

    with rt.session() as session:
        after = scan(session, rt.keyring, needles)
        assert after == [], after
        # the kept invoice reference is still readable under its own key
        assert AttributeRepository(session, rt.keyring).get(invoice_id).value == INVOICE
        assert verify(session).ok
        entry = next(e for e in latest(session, limit=5) if e.action == "subject.erased")
        assert entry.subject_id == customer.contact_id
        assert entry.details["interactions"] == 2
        assert not any(n.lower() in json.dumps(entry.details).lower() for n in needles)

    url = make_url(rt.settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        raw = file_bytes(Path(url.database))
        for needle in needles:
            assert needle.encode("utf-8") not in raw, needle
