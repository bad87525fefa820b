"""The re-identification check in the pipeline (SQLite and PostgreSQL): a post stored
without a link to its author is kept, generalised, kept as labels only or dropped as
the policy says for its risk level; level and action are recorded with the post and in
its audit entry; the cockpit counts them and finds high-risk text that was kept."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

from sphere.cockpit.findings import _reidentifiable, risk_distribution
from sphere.domain import Channel
from sphere.pipeline.runner import ingest_file
from sphere.policy import load_policy_text
from sphere.policy.loader import default_policy_path
from sphere.runtime import Runtime
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.tables import AggregateRow, AuditEntryRow, InteractionRow
from tests.factories import mastodon_status, write_jsonl

SHORT = "Wann kommt das Makro 100?"
LONG = "ich warte seit letzter Woche auf meine Bestellung und niemand antwortet mir am Telefon"
MANY = "Gestern in Hamburg am 12.05.2026 gekauft, Seriennummer 4711, schon kaputt"


def _post(i: int, text: str) -> dict:
    return mastodon_status(
        str(7000 + i), text, mention_company=True, account_id=str(9000 + i), username=f"u{i}"
    )


def _ingest(rt: Runtime, tmp_path: Path, texts: list[str], policy_tail: str | None = None):
    ctx = rt.pipeline_context()
    if policy_tail is not None:
        text = default_policy_path().read_text(encoding="utf-8")
        text = text.replace("  high: labels_only", policy_tail)
        ctx = replace(ctx, policy=load_policy_text(text))
    path = write_jsonl(tmp_path / "p.jsonl", [_post(i, t) for i, t in enumerate(texts)])
    return ingest_file(rt.factory, ctx, path, source_name="masto")


def _stored(rt: Runtime) -> dict[str, tuple[str | None, str | None, str | None]]:
    out = {}
    with rt.session() as session:
        repo = InteractionRepository(session, rt.keyring)
        for row in session.scalars(select(InteractionRow)):
            text = repo.get_by_source(Channel.MASTODON, row.source_id).text
            out[row.source_id] = (row.reid_risk, row.reid_action, text)
    return out


def test_each_level_gets_the_policys_action(rt, tmp_path) -> None:
    summary = _ingest(rt, tmp_path, [SHORT, LONG, MANY])
    stored = _stored(rt)
    assert stored["7000"][:2] == ("low", "keep") and "Makro 100" in stored["7000"][2]
    level, action, text = stored["7001"]
    assert (level, action) == ("medium", "generalise")
    assert text is not None and "niemand antwortet mir am Telefon" not in text
    assert stored["7002"][:2] == ("high", "labels_only") and stored["7002"][2] is None
    assert summary.reid_dropped == 0
    with rt.session() as session:
        details = [
            e.details["reidentification"]
            for e in session.scalars(select(AuditEntryRow))
            if isinstance(e.details, dict) and "reidentification" in e.details
        ]
        assert sorted(d["action"] for d in details) == ["generalise", "keep", "labels_only"]
        assert all("reasons" not in d for d in details)  # counts and enum values only
        assert {(lvl, act) for lvl, act, _ in risk_distribution(session, rt.keyring)} == {
            ("low", "keep"),
            ("medium", "generalise"),
            ("high", "labels_only"),
        }
        assert _reidentifiable(session, rt.keyring) == []


def test_drop_keeps_only_the_anonymous_counter(rt, tmp_path) -> None:
    summary = _ingest(rt, tmp_path, [SHORT, MANY], policy_tail="  high: drop")
    stored = _stored(rt)
    assert set(stored) == {"7000"}  # the high-risk post is not stored at all
    assert summary.reid_dropped == 1
    with rt.session() as session:
        counted = session.scalar(
            select(func.sum(AggregateRow.count)).where(AggregateRow.outcome == "anonymise")
        )
    assert counted == 1


def test_a_policy_that_keeps_high_risk_text_raises_a_finding(rt, tmp_path) -> None:
    _ingest(rt, tmp_path, [MANY], policy_tail="  high: keep")
    stored = _stored(rt)
    assert stored["7000"][:2] == ("high", "keep") and stored["7000"][2]
    with rt.session() as session:
        (finding,) = _reidentifiable(session, rt.keyring)
    assert finding.code == "reidentification.high-risk-text-kept" and finding.count == 1


def test_linked_customers_are_not_checked(rt, customer_csv, tmp_path) -> None:
    ingest_file(rt.factory, rt.pipeline_context(), customer_csv, source_name="crm")
    path = write_jsonl(tmp_path / "p.jsonl", [mastodon_status("1", LONG, mention_company=True)])
    ingest_file(rt.factory, rt.pipeline_context(), path, source_name="masto")
    with rt.session() as session:
        row = session.scalar(select(InteractionRow))
        assert row.contact_id is not None and row.reid_risk is None
