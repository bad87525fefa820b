"""Social listening counts (SQLite and PostgreSQL): public posts about the market that do
not address the company and are kept only as anonymous counts add products mentioned and
sentiment to ``listening_counts``; posts that are stored or addressed add nothing."""

from __future__ import annotations

from sqlalchemy import select

from sphere.pipeline.runner import ingest_file
from sphere.storage.listening_tables import ListeningCountRow
from tests.factories import mastodon_status, write_jsonl


def test_public_brand_talk_is_counted_for_listening(rt, tmp_path) -> None:
    posts = write_jsonl(
        tmp_path / "p.jsonl",
        [
            mastodon_status("1", "Das neue Tele 70-200 ist super", account_id="901", username="a"),
            mastodon_status(
                "2", "Makro 100 ist leider kaputt, schlecht", account_id="902", username="b"
            ),
            # addressed to the company: customer care, not listening
            mastodon_status(
                "3",
                "Wann kommt das Makro 100?",
                account_id="903",
                username="c",
                mention_company=True,
            ),
        ],
    )
    ingest_file(rt.factory, rt.pipeline_context(), posts, source_name="masto")
    with rt.session() as session:
        rows = {(r.kind, r.value): r.count for r in session.scalars(select(ListeningCountRow))}
    assert rows[("product", "Tele 70-200")] == 1
    assert rows[("product", "Makro 100")] == 1  # the addressed question is not counted
    assert rows[("sentiment", "positive")] == 1 and rows[("sentiment", "negative")] == 1
    assert sum(n for (kind, _), n in rows.items() if kind == "sentiment") == 2
