"""Issue 13, point 5: processing whose purpose requires a DPIA (policy ``dpia_required``)
is held until a DPIA for it is recorded as approved (GDPR Art. 35(1)) — CLI, API, audit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sphere.cli import dpia
from sphere.consent.ledger import grant
from sphere.domain import FrozenClock, Purpose
from sphere.governance.dpia import dpia_status, record_dpia_approval
from sphere.marketing.enrichment import enrich_contact
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.tables import AuditEntryRow
from tests.conftest import TEST_MASTER_KEY, TEST_PSEUDONYM_SECRET
from tests.factories import mastodon_status, write_jsonl
from tests.integration.marketing.conftest import NOW
from tests.integration.rights.scenario import Customer, ingest, seed_customer
from tests.runtimes import SOURCES, runtime_for_tests


@pytest.fixture
def held(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    """A company that has not recorded its DPIAs yet."""
    with runtime_for_tests(settings, migrated_db_url, sources=SOURCES[:2],
                           clock=FrozenClock(NOW), approve_dpias=False) as r:  # fmt: skip
        yield r


def test_processing_is_held_until_the_dpia_is_approved(
    held: Runtime, tmp_path: Path, migrated_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = held
    # CRM + two posts; the public product post would be kept for enrichment
    lena: Customer = seed_customer(rt, tmp_path, approve_dpias=False)
    with rt.session() as session:
        rows = {r["purpose"]: r for r in dpia_status(session, rt.policy())}
        assert rows["enrichment"]["state"] == "held"
        assert rows["customer_care"]["state"] == "not required"
        # the public product post was not kept for enrichment (held): only the post
        # addressed to the company is stored, for customer care (seed_customer checks it)
        grant(session, lena.contact_id, Purpose.PROFILING, channel="portal",
              at=rt.clock.now(), actor="test")  # fmt: skip
        refused = enrich_contact(session, rt.keyring, rt.policy(), lena.contact_id,
                                 now=rt.clock.now(), actor="mkt")  # fmt: skip
        assert refused.refusal is not None and refused.refusal.code == "dpia.not-approved"
        assert "requires a data protection impact assessment" in refused.refusal.text
        stored_before = len(InteractionRepository(session, rt.keyring).list_for_contact(
            lena.contact_id))  # fmt: skip

    # the DPO records the approval with a reference (the CLI)
    for name, value in {
        "SPHERE_ENV": "test",
        "SPHERE_HOME": str(rt.settings.home),
        "SPHERE_DATABASE_URL": migrated_db_url,
        "SPHERE_MASTER_KEY": TEST_MASTER_KEY,
        "SPHERE_PSEUDONYM_SECRET": TEST_PSEUDONYM_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(dpia.app, ["approve", "enrichment", "--reference", "DPIA-2026-07"])
    assert result.exit_code == 0, result.output
    assert "DPIA for enrichment approved: DPIA-2026-07" in result.output
    with rt.session() as session:
        record_dpia_approval(session, rt.policy(), "profiling", "DPIA-2026-08",
                             actor="dpo:test", at=rt.clock.now())  # fmt: skip
        entry = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "dpia.approved")
        ).all()
        assert {e.purpose for e in entry} == {"enrichment", "profiling"}
    post = mastodon_status("8", "Mein Makro 100 ist das beste Objektiv")
    posts = write_jsonl(tmp_path / "later.jsonl", [post])
    ingest(rt, posts, "masto")
    with rt.session() as session:
        after = InteractionRepository(session, rt.keyring).list_for_contact(lena.contact_id)
        assert len(after) == stored_before + 1
        enriched = enrich_contact(session, rt.keyring, rt.policy(), lena.contact_id,
                                  now=rt.clock.now(), actor="mkt")  # fmt: skip
        assert enriched.refusal is None and enriched.stored
