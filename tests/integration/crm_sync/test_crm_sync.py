"""The downstream CRM sync (issue 15, point 2) against a SQLite CRM: records the gate
stored for a contact reach the CRM's table with purpose, legal basis and retention;
a withdrawal, a platform deletion, an erasure and the retention run remove them; the
CRM away is retried, dead-lettered and requeued with nothing lost; a re-push is
idempotent; a restriction removes, its lifting pushes again; a policy apply removes what
it deletes and re-pushes what it decides anew."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from sphere.audit import latest
from sphere.cockpit.whatif import apply_draft, draft_without_rule
from sphere.domain import FrozenClock, LegalBasis, Purpose
from sphere.governance.policy_versions import active_policy
from sphere.rights.controls import restrict
from sphere.rights.crm_sync import drain, requeue, status
from sphere.rights.erasure import erase_contact
from sphere.rights.retention import run_retention
from sphere.rights.withdrawal import delete_consent_based_records
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.crm_sync import queue_pushes
from tests.factories import mastodon_delete, write_jsonl
from tests.integration.rights.scenario import CUSTOMER_NUMBER, EMAIL, ingest, seed_customer
from tests.runtimes import SOURCES, runtime_for_tests

SYNC_YAML = """\
system: crm
name: CRM
kind: sql
connection:
  dialect: sqlite
  database: crm.sqlite
retry:
  max_attempts: 2
  backoff_seconds: 60
tables:
  sphere_records:
    erasure: delete_row
    fields:
      sphere_id: {category: identifier}
      customer_no: {category: identifier, identity: customer_number}
      email: {category: contact_data, identity: email}
      body: {category: communication}
sync:
  table: sphere_records
  batch_size: 2
  columns:
    record_id: sphere_id
    record_type: record_type
    customer_number: customer_no
    email: email
    channel: channel
    text: body
    reference: reference
    purpose: purpose
    legal_basis: legal_basis
    retention_until: keep_until
"""
TABLE = """CREATE TABLE sphere_records (
  sphere_id VARCHAR(36) PRIMARY KEY, record_type VARCHAR(20), customer_no VARCHAR(64),
  email VARCHAR(254), channel VARCHAR(40), body TEXT, reference VARCHAR(300),
  purpose VARCHAR(40), legal_basis VARCHAR(40), keep_until TIMESTAMP)"""


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    directory = tmp_path / "connectors"
    directory.mkdir()
    with sqlite3.connect(directory / "crm.sqlite") as db:
        db.execute(TABLE)
    (directory / "crm.yaml").write_text(SYNC_YAML, encoding="utf-8")
    settings = settings.model_copy(update={"connectors_dir": directory})
    clock = FrozenClock()
    with runtime_for_tests(settings, migrated_db_url, sources=SOURCES[:2], clock=clock) as r:
        yield r


def crm_rows(rt: Runtime) -> dict[str, tuple]:
    path = rt.settings.resolved_connectors_dir / "crm.sqlite"
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT sphere_id, customer_no, email, channel, body, reference, purpose, "
            "legal_basis, keep_until, record_type FROM sphere_records"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def sync(rt: Runtime):
    return drain(rt.factory, rt.keyring, rt.connected_systems(), now=rt.clock.now, actor="test")


def sync_status(rt: Runtime) -> dict:
    with rt.session() as session:
        return status(session, rt.keyring, rt.connected_systems())


def test_stored_records_reach_the_crm_with_purpose_basis_and_retention(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    assert sync_status(rt)["pending"] == 3  # her two posts and Max's
    result = sync(rt)
    assert result.pushed == 3 and result.batches == 2 and not result.errors  # batch_size 2
    rows = crm_rows(rt)
    for record_id in customer.interaction_ids:
        customer_no, email, channel, body, reference, purpose, basis, keep, kind = rows[record_id]
        assert (customer_no, email, channel, kind) == (CUSTOMER_NUMBER, EMAIL, "mastodon",
                                                        "interaction")  # fmt: skip
        assert body and reference.startswith("mastodon:")
        assert purpose in {p.value for p in Purpose} and basis and keep
    after = sync_status(rt)
    assert after["pending"] == 0 and after["synced"] == len(rows)
    assert sync(rt).batches == 0  # nothing due


def test_withdrawal_erasure_and_platform_deletion_remove_synced_rows(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    sync(rt)
    first, second = customer.interaction_ids
    # The record stored on consent (as a post under a consent-based rule would be):
    with rt.session() as session:
        session.execute(
            text("UPDATE decisions SET legal_basis = :b, purpose = :p WHERE id = "
                 "(SELECT decision_id FROM interactions WHERE id = :i)"),
            {"b": LegalBasis.CONSENT.value, "p": Purpose.ENRICHMENT.value, "i": first},
        )  # fmt: skip
        delete_consent_based_records(
            session, rt.keyring, customer.contact_id, Purpose.ENRICHMENT, at=rt.clock.now(),
            actor="test",
        )  # fmt: skip
    assert sync_status(rt)["removals"] == 1
    assert sync(rt).removed == 1
    assert first not in crm_rows(rt) and second in crm_rows(rt)
    # The platform deletes Max's post: its row goes from the CRM too.
    ingest(rt, write_jsonl(tmp_path / "del.jsonl", [mastodon_delete("3")]), "masto")
    sync(rt)
    assert len(crm_rows(rt)) == 1
    # An erasure: Sphere's rows and the CRM's go.
    with rt.session() as session:
        erase_contact(session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="test")
    sync(rt)
    assert crm_rows(rt) == {} and sync_status(rt)["synced"] == 0


def test_removal_wins_over_a_pending_push(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)  # pushes pending, never sent
    with rt.session() as session:
        erase_contact(session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="test")
    sync(rt)
    rows = crm_rows(rt)
    assert not set(customer.interaction_ids) & set(rows), "never sent what Sphere erased"
    assert sync_status(rt)["pending"] == 0


def test_retention_run_removes_what_it_deletes(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    sync(rt)
    rt.clock.advance(timedelta(days=3 * 365))
    with rt.session() as session:
        result = run_retention(session, rt.keyring, now=rt.clock.now(), actor="test")
    assert result.interactions >= 2
    sync(rt)
    assert not set(customer.interaction_ids) & set(crm_rows(rt))


def test_crm_down_is_retried_dead_lettered_and_nothing_is_lost(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    database = rt.settings.resolved_connectors_dir / "crm.sqlite"
    away = database.with_suffix(".away")
    database.rename(away)
    first = sync(rt)  # one batch (2 entries) fails; the drain stops, the CRM is down
    assert first.errors and first.failed == 2 and first.pushed == 0
    assert "unavailable" in sync_status(rt)["last_error"]
    assert sync(rt).failed == 1  # the third entry's first attempt
    assert sync(rt).batches == 0  # back-off: nothing due yet
    rt.clock.advance(timedelta(seconds=61))
    assert sync(rt).dead_letter == 2  # max_attempts 2
    assert sync(rt).dead_letter == 1
    state = sync_status(rt)
    assert state["dead_letter"] == 3 and state["pending"] == state["failed"] == 0
    assert crm_rows(rt) == {} if database.exists() else True
    away.rename(database)
    with rt.session() as session:
        assert requeue(session, rt.keyring, at=rt.clock.now(), actor="dpo") == 3
    assert sync(rt).pushed == 3
    assert set(customer.interaction_ids) <= set(crm_rows(rt))
    assert sync_status(rt)["dead_letter"] == 0


def test_re_push_is_idempotent(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    sync(rt)
    before = crm_rows(rt)
    with rt.session() as session:  # Sphere lost its note that the batch went out
        session.execute(text("DELETE FROM crm_synced"))
        queue_pushes(session, "interaction", list(customer.interaction_ids), at=rt.clock.now())
    assert sync(rt).pushed == 2
    assert crm_rows(rt) == before


def test_restriction_removes_the_crm_copy_and_lifting_it_pushes_again(rt, tmp_path) -> None:
    """Art. 18: a restricted contact's records leave the CRM; lifted (Art. 18(3), the
    person told before), processing resumes and they are pushed again."""
    customer = seed_customer(rt, tmp_path)
    sync(rt)
    before = crm_rows(rt)
    with rt.session() as session:
        restrict(session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="dpo",
                 crm_sync=True)  # fmt: skip
    assert sync(rt).removed == 2
    assert not set(customer.interaction_ids) & set(crm_rows(rt)) and len(crm_rows(rt)) == 1
    with rt.session() as session:
        restrict(session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="dpo",
                 lift=True, crm_sync=True)  # fmt: skip
        lifted = latest(session, limit=1)[0]
    assert lifted.action == "subject.restriction_lifted" and lifted.details["crm_queued"] == 2
    assert sync(rt).pushed == 2
    assert crm_rows(rt) == before and sync_status(rt)["synced"] == 3


def test_policy_apply_re_pushes_a_changed_purpose_and_removes_what_it_deletes(rt, tmp_path) -> None:
    """Without the customer-care rule the posts to the company stay under enrichment (a
    new decision each: the CRM's copies get the new purpose, queued with the apply);
    without the enrichment rule too, every post goes (removed from the CRM)."""
    customer = seed_customer(rt, tmp_path)
    sync(rt)
    rows = crm_rows(rt)
    care = {i for i, row in rows.items() if row[5] == Purpose.CUSTOMER_CARE}
    other = next(i for i in customer.interaction_ids if i not in care)
    assert len(care) == 2 and rows[other][5] == Purpose.ENRICHMENT
    rt.clock.advance(timedelta(days=1))
    with rt.session() as session:
        draft = draft_without_rule(active_policy(session), "customer-care.addressed")
        result = apply_draft(session, rt.keyring, draft, actor="dpo", now=rt.clock.now())
    assert result.decisions_appended == 2 and result.deleted_interactions == 0
    assert sync_status(rt)["pending"] == 2
    assert sync(rt).pushed == 2
    after = crm_rows(rt)
    assert after[other] == rows[other]
    for i in care:
        assert after[i][5] == Purpose.ENRICHMENT and after[i][6] == LegalBasis.LEGITIMATE_INTEREST
        assert after[i][:5] == rows[i][:5]  # the same record, its purpose now in force
    rt.clock.advance(timedelta(days=1))
    with rt.session() as session:
        draft = draft_without_rule(active_policy(session), "enrichment.verified-product-content")
        result = apply_draft(session, rt.keyring, draft, actor="dpo", now=rt.clock.now())
    assert result.deleted_interactions == 3
    assert sync(rt).removed == 3
    assert crm_rows(rt) == {} and sync_status(rt)["synced"] == 0
