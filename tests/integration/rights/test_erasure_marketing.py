"""Erasure reaches the marketing tables (GDPR Art. 17): a contact with a score, a segment
membership, a campaign send and a service task is erased; the scan finds nothing of her
(identifiers, post words, and her internal id in any marketing table), another contact's
marketing data stays, and the send's proof of legal basis is kept as an audit entry only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from sphere.audit import verify
from sphere.domain import FrozenClock, Purpose
from sphere.governance.sources import add_source
from sphere.marketing.campaigns import create_campaign, dry_run, run
from sphere.marketing.enrichment import enrich_contact
from sphere.marketing.measures import approve, submit
from sphere.marketing.profiles import compute_segment, define_segment, score_contact
from sphere.marketing.score import ScoreModel
from sphere.marketing.transport import OutboxTransport
from sphere.rights.erasure import erase_contact
from sphere.runtime import Runtime, open_runtime
from sphere.settings import Settings
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.marketing import MarketingRepository
from tests.integration.marketing.conftest import NOW, TELE_POSTS, Post, seed_contact
from tests.integration.rights.scenario import scan
from tests.runtimes import approve_all_dpias

EMAIL = "anna.beispiel@example.com"
HANDLE = "anna_tele_fan"
OTHER_EMAIL = "ben.muster@example.org"
MARKETING_TABLES = ("segment_memberships", "scores", "campaign_sends", "service_tasks", "campaigns")
NEWSLETTER = {
    "name": "spring newsletter",
    "kind": "campaign",
    "purpose": "direct_marketing",
    "channel": "email",
    "data_items": [
        {
            "category": "contact_data",
            "collection": "manual",
            "visibility": "company_direct",
            "addressing": "direct",
            "label": "e-mail address",
        }
    ],
}
OFFER = {"subject": "Frühlingsangebot", "body": "20 % auf das Tele 70-200 bis Ende Juni."}
ANNA_WORDS = ("Teleobjektiv", "Wildtieren")  # only in her posts (TELE_POSTS)
MODEL = ScoreModel(
    name="tele_affinity",
    features={"interest:telephoto": 1.0},
    intercept=0.0,
    purpose=Purpose.PROFILING,
)


@pytest.fixture
def mrt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    """A runtime at ``NOW`` (outside quiet hours) with the marketing tests' source."""
    settings = settings.model_copy(update={"database_url": migrated_db_url})
    settings.home.mkdir(parents=True, exist_ok=True)
    runtime = open_runtime(settings, clock=FrozenClock(NOW))
    with runtime.session() as session:
        add_source(
            session, "masto", channel="mastodon", collection="official_api", actor="test", at=NOW
        )
    approve_all_dpias(runtime)  # profiling needs its DPIA first (Art. 35(1))
    yield runtime
    runtime.close()


def _seed_marketing(rt: Runtime) -> tuple[str, str]:
    purposes = [Purpose.PROFILING, Purpose.DIRECT_MARKETING]
    anna = seed_contact(rt, email=EMAIL, handle=HANDLE, posts=TELE_POSTS, consents=purposes)
    ben_posts = (Post("Das Tele 70-200 ist fantastisch, super scharf!", days_ago=8),)
    ben = seed_contact(rt, email=OTHER_EMAIL, posts=ben_posts, consents=purposes)
    with rt.session() as session:
        policy = rt.policy()
        for cid in (anna, ben):
            enrich_contact(session, rt.keyring, policy, cid, now=NOW, actor="test")
            score_contact(session, rt.keyring, policy, cid, MODEL, now=NOW, actor="test")
        define_segment(
            session,
            "tele-fans",
            {"attr": "interest", "contains": "telephoto"},
            actor="test",
            now=NOW,
        )
        compute_segment(session, rt.keyring, policy, "tele-fans", now=NOW, actor="test")
        record, _ = submit(session, rt.keyring, policy, NEWSLETTER, actor="mkt", now=NOW)
        if record.state == "submitted":
            approve(session, policy, record.name, actor="dpo", reason="on file", now=NOW)
        create_campaign(
            session,
            {"name": "tele", "measure": "spring newsletter", "offer": OFFER},
            actor="mkt",
            now=NOW,
        )
        dry_run(session, rt.keyring, policy, "tele", now=NOW, actor="mkt")
        report = run(session, rt.keyring, policy, "tele", OutboxTransport(), now=NOW, actor="mkt")
        assert {line.contact_id for line in report.lines if line.status == "sent"} == {anna, ben}
        repo = MarketingRepository(session)
        for cid in (anna, ben):
            post = InteractionRepository(session, rt.keyring).list_for_contact(cid)[0]
            repo.add_task_if_absent(
                rule="complaint",
                contact_id=cid,
                interaction_id=post.id,
                reason="complaint about a lens",
                legal_basis="art6_1_b",
                at=NOW,
            )
    return anna, ben


def _rows_naming(session, contact_id: str) -> dict[str, int]:  # noqa: ANN001
    """Rows of each marketing table in which the contact's id appears in any column."""
    found: dict[str, int] = {}
    for table in MARKETING_TABLES:
        rows = session.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
        found[table] = sum(1 for row in rows if contact_id in " ".join(map(str, row.values())))
    return found


def test_erasure_removes_scores_memberships_sends_and_tasks(mrt: Runtime) -> None:
    anna, ben = _seed_marketing(mrt)
    with mrt.session() as session:
        before = _rows_naming(session, anna)
        found = {hit.needle for hit in scan(session, mrt.keyring, (EMAIL, HANDLE, *ANNA_WORDS))}
    assert found == {EMAIL, HANDLE, *ANNA_WORDS}  # the scan sees her before the erasure
    assert before == {
        "segment_memberships": 1,
        "scores": 1,
        "campaign_sends": 1,
        "service_tasks": 1,
        "campaigns": 1,  # the stored dry-run audience
    }

    with mrt.session() as session:
        result = erase_contact(session, mrt.keyring, anna, at=NOW, actor="dpo")
    for key in ("segment_memberships", "scores", "campaign_sends", "service_tasks"):
        assert result.counts[key] == 1, key
    assert result.counts["campaign_audiences"] == 1
    proofs = [k for k in result.kept if k.table == "audit_entries"]
    assert len(proofs) == 1 and "campaign send" in proofs[0].reason
    assert "art6_1_a" in proofs[0].reason  # the legal basis the send relied on

    with mrt.session() as session:
        assert _rows_naming(session, anna) == dict.fromkeys(MARKETING_TABLES, 0)
        assert scan(session, mrt.keyring, (EMAIL, HANDLE, *ANNA_WORDS)) == []
        # the other customer's marketing data is untouched
        assert _rows_naming(session, ben) == dict.fromkeys(MARKETING_TABLES, 1)
        assert scan(session, mrt.keyring, (OTHER_EMAIL,)) != []
        entry = session.execute(
            text("SELECT action, details FROM audit_entries WHERE id = :id"),
            {"id": proofs[0].id},
        ).one()
        assert entry.action == "campaign.send-sent"
        assert EMAIL not in str(entry.details)
        assert verify(session).ok
