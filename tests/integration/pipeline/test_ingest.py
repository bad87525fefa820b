"""The ingestion pipeline end to end on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sphere.audit import latest, verify
from sphere.domain import Channel
from sphere.errors import InvalidInput
from sphere.pii.analyzer import Analyzer
from sphere.pipeline.gate import Disposition
from sphere.pipeline.runner import ingest_file
from sphere.runtime import Runtime
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.tables import AggregateRow, DecisionRow, InteractionRow, QuarantineRow
from tests.factories import CRM_HEADER, crm_row, mastodon_delete, mastodon_status, write_jsonl


def _ingest(rt: Runtime, path: Path, source: str = "masto"):
    return ingest_file(rt.factory, rt.pipeline_context(), path, source_name=source)


def _count(rt: Runtime, table) -> int:  # noqa: ANN001
    with rt.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def _stored_text(rt: Runtime, source_id: str) -> str | None:
    with rt.session() as session:
        found = InteractionRepository(session, rt.keyring).get_by_source(
            Channel.MASTODON, source_id
        )
        return None if found is None else found.text


def test_linked_customer_addressing_company_is_linked(rt, customer_csv, tmp_path) -> None:
    _ingest(rt, customer_csv, "crm")
    posts = write_jsonl(
        tmp_path / "posts.jsonl",
        [
            mastodon_status(
                "1", "mein Tele 70-200 klappert, Bestellnr. B-2026-004711", mention_company=True
            ),
        ],
    )
    summary = _ingest(rt, posts)
    assert summary.by_class[("addressed", "linked")] == 1
    with rt.session() as session:
        row = session.scalar(select(InteractionRow))
        assert row.contact_id is not None and row.decision_id is not None
        assert row.retention_until is not None
        decision = session.get(DecisionRow, row.decision_id)
        assert decision.purpose == "customer_care" and decision.rule_id


def test_unknown_author_addressing_company_is_pseudonymised(rt, tmp_path) -> None:
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "2",
                "Wann kommt das Makro 100?",
                account_id="999",
                username="fremd",
                mention_company=True,
            ),
        ],
    )
    summary = _ingest(rt, posts)
    assert summary.by_class[("addressed", "pseudonymised")] == 1
    with rt.session() as session:
        row = session.scalar(select(InteractionRow))
        assert row.contact_id is None and row.key_id.startswith("pseudo:")


def test_public_brand_talk_is_only_counted(rt, tmp_path) -> None:
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "3",
                "Das neue Tele 70-200 von Optiklinse ist super",
                account_id="998",
                username="andere",
            ),
        ],
    )
    summary = _ingest(rt, posts)
    assert summary.total(Disposition.AGGREGATE_ONLY) == 1
    assert _count(rt, InteractionRow) == 0
    with rt.session() as session:
        assert session.scalar(select(func.sum(AggregateRow.count))) == 1


def test_private_context_is_discarded_and_leaves_no_trace(rt, tmp_path) -> None:
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "4",
                "nur für Follower: Treffen am Samstag",
                visibility="private",
                account_id="997",
                username="privat",
            ),
        ],
    )
    summary = _ingest(rt, posts)
    assert summary.by_class[("private_context", "discarded")] == 1
    assert _count(rt, InteractionRow) == 0 and _count(rt, DecisionRow) == 0


def test_scraped_source_is_denied(rt, tmp_path) -> None:
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "5", "Frage zum Makro 100", mention_company=True, account_id="996", username="x"
            ),
        ],
    )
    summary = _ingest(rt, posts, "scraped")
    assert summary.total(Disposition.PSEUDONYMISED) == 0
    assert _count(rt, InteractionRow) == 0


def test_third_party_data_in_text_is_replaced(rt, customer_csv, tmp_path) -> None:
    _ingest(rt, customer_csv, "crm")
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "6",
                "mein Kollege Jonas Weber (0171 2345678) hat das gleiche "
                "Problem mit dem Tele 70-200",
                mention_company=True,
            ),
        ],
    )
    _ingest(rt, posts)
    stored = _stored_text(rt, "6")
    assert stored is not None
    assert "Jonas Weber" not in stored and "0171 2345678" not in stored
    assert "<PERSON_1>" in stored and "Tele 70-200" in stored


def test_hostile_markup_is_stored_as_plain_text(rt, tmp_path) -> None:
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "7",
                "&lt;b&gt;hi&lt;/b&gt; <script>alert(1)</script> Makro 100?",
                mention_company=True,
                account_id="995",
                username="h",
            ),
        ],
    )
    _ingest(rt, posts)
    stored = _stored_text(rt, "7")
    assert stored is not None and "<script>" not in stored and "alert(1)" not in stored
    assert "<b>hi</b>" in stored  # entities decoded once, shown as text later


def test_special_category_needs_explicit_consent(rt, customer_csv, tmp_path) -> None:
    _ingest(rt, customer_csv, "crm")
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "8", "nach meiner Chemo kann ich das Tele 70-200 kaum halten", mention_company=True
            ),
        ],
    )
    summary = _ingest(rt, posts)
    assert summary.total(Disposition.LINKED) == 0
    assert _count(rt, InteractionRow) == 0


def test_bad_records_are_quarantined_and_the_batch_goes_on(rt, tmp_path) -> None:
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "10",
                "Hallo, Frage zum Makro 100",
                mention_company=True,
                account_id="990",
                username="a",
            ),
            "{not json",
            {"id": "11", "content": "<p>kein Datum</p>", "visibility": "public"},
            mastodon_status(
                "12",
                "Noch eine Frage zum Makro 100",
                mention_company=True,
                account_id="991",
                username="b",
                created_at="2026-05-01T10:00:00",
            ),  # no time zone
            mastodon_status(
                "13",
                "Und noch eine zum Makro 100",
                mention_company=True,
                account_id="992",
                username="c",
            ),
        ],
    )
    summary = _ingest(rt, posts)
    assert summary.total(Disposition.QUARANTINED) == 3
    assert [q.line for q in summary.quarantine] == [2, 3, 4]
    assert "time zone" in summary.quarantine[2].reason
    assert _count(rt, QuarantineRow) == 3
    assert _count(rt, InteractionRow) == 2


def test_reingesting_adds_nothing(rt, tmp_path) -> None:
    records = [
        mastodon_status(
            str(100 + i),
            f"Frage {i} zum Makro 100",
            mention_company=True,
            account_id=str(900 + i),
            username=f"u{i}",
        )
        for i in range(12)
    ]
    path = write_jsonl(tmp_path / "p.jsonl", records)
    _ingest(rt, path)
    before = (_count(rt, InteractionRow), _count(rt, DecisionRow))
    again = _ingest(rt, path)  # the same file: the checkpoint says it is complete
    assert again.total() == 0
    assert (_count(rt, InteractionRow), _count(rt, DecisionRow)) == before == (12, 12)
    # Another file holding the same records plus one new: only the new one is stored.
    extra = mastodon_status(
        "199", "Neue Frage zum Makro 100", mention_company=True, account_id="899", username="neu"
    )
    other = _ingest(rt, write_jsonl(tmp_path / "other.jsonl", [*records, extra]))
    assert other.duplicates == 12 and _count(rt, InteractionRow) == 13


def test_crash_mid_file_then_rerun_completes(rt, tmp_path, monkeypatch) -> None:
    records = [
        mastodon_status(
            str(200 + i),
            f"Frage {i} zum Makro 100",
            mention_company=True,
            account_id=str(800 + i),
            username=f"c{i}",
        )
        for i in range(13)
    ]
    path = write_jsonl(tmp_path / "p.jsonl", records)
    from sphere.pipeline import process

    original = process.RecordProcessor._handle
    calls = {"n": 0}

    def crashing(self, raw, parsed):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == 8:  # inside the second batch of 5
            raise RuntimeError("simulated crash")
        return original(self, raw, parsed)

    monkeypatch.setattr(process.RecordProcessor, "_handle", crashing)
    with pytest.raises(RuntimeError):
        _ingest(rt, path)
    assert _count(rt, InteractionRow) == 5  # the first batch was committed, no more
    monkeypatch.setattr(process.RecordProcessor, "_handle", original)
    summary = _ingest(rt, path)
    assert summary.resumed_from_line == 5
    assert _count(rt, InteractionRow) == 13


def test_platform_deletion_removes_record(rt, tmp_path) -> None:
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "300", "Frage zum Makro 100", mention_company=True, account_id="700", username="d"
            ),
            mastodon_delete("300"),
        ],
    )
    summary = _ingest(rt, path)
    assert summary.deletions == 1
    assert _stored_text(rt, "300") is None and _count(rt, InteractionRow) == 0
    with rt.session() as session:
        assert verify(session).ok


def test_every_stored_record_has_an_audit_entry_and_the_chain_verifies(
    rt, customer_csv, tmp_path
) -> None:
    _ingest(rt, customer_csv, "crm")
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "400", "Danke für die schnelle Hilfe mit dem Makro 100", mention_company=True
            ),
        ],
    )
    _ingest(rt, path)
    with rt.session() as session:
        stored = session.scalar(select(InteractionRow.id))
        actions = [e.action for e in latest(session, limit=100) if stored in e.object_ids]
        assert actions == ["interaction.stored"]
        assert verify(session).ok


def test_unknown_source_is_a_clear_error(rt, tmp_path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [mastodon_status("1", "x")])
    with pytest.raises(InvalidInput, match="unknown source 'nope'.*sphere source add"):
        _ingest(rt, path, "nope")


def test_employee_posts_are_not_linked_for_enrichment(rt, customer_csv, tmp_path) -> None:
    _ingest(rt, customer_csv, "crm")
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status(
                "500",
                "Das neue Makro 100 ist toll",
                account_id="200000000000000002",
                username="max_m",
            ),
        ],
    )
    summary = _ingest(rt, path)
    assert summary.total(Disposition.LINKED) == 0


def test_a_racing_duplicate_falls_back_to_record_by_record(rt, tmp_path, monkeypatch) -> None:
    """If another ingestion stored a record between our check and our batched write, the
    batch is retried record by record: the rest of the batch is kept."""
    first = write_jsonl(
        tmp_path / "a.jsonl",
        [
            mastodon_status(
                "600", "Frage zum Makro 100", mention_company=True, account_id="600", username="r1"
            ),
        ],
    )
    _ingest(rt, first)
    from sphere.storage.repositories import interactions

    # The race: both the batch's set-based check and the record-by-record one miss it.
    monkeypatch.setattr(interactions.InteractionRepository, "exists", lambda *a, **k: False)
    monkeypatch.setattr(
        interactions.InteractionRepository, "stored_source_ids", lambda *a, **k: set()
    )
    second = write_jsonl(
        tmp_path / "b.jsonl",
        [
            mastodon_status(
                "600", "Frage zum Makro 100", mention_company=True, account_id="600", username="r1"
            ),
            mastodon_status(
                "601",
                "Noch eine Frage zum Makro 100",
                mention_company=True,
                account_id="601",
                username="r2",
            ),
        ],
    )
    summary = _ingest(rt, second)
    assert _count(rt, InteractionRow) == 2  # 600 once, 601 kept
    assert [q.line for q in summary.quarantine] == [1]
    with rt.session() as session:
        assert verify(session).ok


def test_shared_identifier_is_not_linked_twice(rt, tmp_path) -> None:
    """Two CRM rows carry the same phone number (a household): both contacts are
    imported, the phone is linked to the first only, and the summary says so."""
    crm = tmp_path / "household.csv"
    crm.write_text(
        CRM_HEADER
        + crm_row("K-2001", "eva.haus@example.com", phone="+49 30 7654321")
        + crm_row("K-2002", "tom.haus@example.com", phone="+49 30 7654321"),
        encoding="utf-8",
    )
    summary = _ingest(rt, crm, "crm")
    assert summary.contacts_imported == 2 and summary.total(Disposition.QUARANTINED) == 0
    assert summary.notes == {"phone already belongs to another contact; not linked": 1}


class _CountingAnalyzer(Analyzer):
    """The real analyzer, remembering which texts it was asked about."""

    def __init__(self, real: Analyzer) -> None:
        super().__init__(real.registry, score_threshold=real.score_threshold)
        self.texts: list[str] = []

    def analyze(self, text, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self.texts.append(text)
        return super().analyze(text, **kwargs)


def test_only_stored_posts_are_analysed(rt, tmp_path) -> None:
    """The gate decides on special categories alone; the PII analyzer (the costliest
    stage) runs only for a post that is stored — a counted or discarded text is not kept."""
    stored = "Wann kommt das Makro 100? Gruß an Lena Beispiel"
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status("5", stored, account_id="996", username="a", mention_company=True),
            mastodon_status("6", "Das Tele 70-200 von Optiklinse", account_id="995", username="b"),
            mastodon_status("7", "Treffen am Samstag", visibility="private", account_id="994"),
        ],
    )
    ctx = rt.pipeline_context()
    counting = _CountingAnalyzer(ctx.analyzer)
    summary = ingest_file(rt.factory, replace(ctx, analyzer=counting), posts, source_name="masto")
    assert summary.total(Disposition.PSEUDONYMISED) == 1
    assert summary.total(Disposition.AGGREGATE_ONLY) == 1
    assert summary.total(Disposition.DISCARDED) == 1
    assert len(counting.texts) == 1 and counting.texts[0].endswith(stored)
    assert "<PERSON_1>" in (_stored_text(rt, "5") or "")


def test_a_redelivery_under_another_name_is_not_counted_twice(rt, tmp_path) -> None:
    """Issue 18: the same posts re-delivered under another file name (with one new post,
    so the file's content differs) doubled the anonymous aggregates and listening counts."""
    from sphere.storage.counted_tables import CountedPostRow
    from sphere.storage.listening_tables import ListeningCountRow

    talk = [
        mastodon_status(
            str(100 + i),
            "Das neue Tele 70-200 von Optiklinse ist super",
            account_id=str(900 + i),
            username=f"andere{i}",
        )
        for i in range(3)
    ]
    first = write_jsonl(tmp_path / "export-monday.jsonl", [*talk, talk[0]])  # a repeat inside
    _ingest(rt, first)
    again = write_jsonl(
        tmp_path / "export-again.jsonl",
        [*talk, mastodon_status("200", "Tele 70-200 bestellt", account_id="950", username="neu")],
    )
    summary = _ingest(rt, again)
    assert summary.total(Disposition.AGGREGATE_ONLY) == 4  # it was read, and judged
    with rt.session() as session:
        assert session.scalar(select(func.sum(AggregateRow.count))) == 4  # was 7
        products = session.scalar(
            select(func.sum(ListeningCountRow.count)).where(ListeningCountRow.kind == "product")
        )
        assert products == 4  # three posts once, the new one once
        tokens = session.scalars(select(CountedPostRow.token)).all()
        assert len(tokens) == 4 and all(len(t) == 64 for t in tokens)
        assert not any("100" in t[:3] for t in tokens)  # keyed tokens, not the ids
