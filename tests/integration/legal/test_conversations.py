"""Conversations address the company without an @-mention (issue 13, point 10), on both
databases: the keyed marks in ``thread_marks`` carry the context across batches and
across pipeline contexts (as separate workers have), and hold no id or text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sphere.channels import RawRecord
from sphere.domain import Addressing
from sphere.pipeline.batch import process_records
from sphere.rights.retention import run_retention
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.repositories.sources import SourceRepository
from sphere.storage.tables import InteractionRow
from sphere.storage.thread_tables import ThreadMarkRow
from tests.factories import mastodon_status
from tests.runtimes import SOURCES, runtime_for_tests

COMPANY_X = "1500000000000000001"


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    with runtime_for_tests(
        settings, migrated_db_url, sources=(*SOURCES, ("xapi", "x", "official_api"))
    ) as runtime:
        yield runtime


def tweet(
    tid: str,
    text: str,
    *,
    author: str,
    conversation: str,
    reply_to: str | None = None,
    reply_to_user: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": tid,
        "text": text,
        "author_id": author,
        "created_at": "2026-05-01T10:00:00.000Z",
        "conversation_id": conversation,
        "lang": "de",
    }
    if reply_to:
        data["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
    if reply_to_user:
        data["in_reply_to_user_id"] = reply_to_user
    users = [{"id": author, "username": f"user{author}", "name": "Jemand"}]
    return {"data": [data], "includes": {"users": users}}


def ingest(rt: Runtime, source_name: str, values: list[dict[str, Any]]) -> None:
    """One batch through the worker entry point, with a fresh pipeline context (what a
    separate worker process has: nothing in memory from earlier batches)."""
    with rt.session() as session:
        source = SourceRepository(session).get(source_name)
    records = [RawRecord(line=i + 1, value=v) for i, v in enumerate(values)]
    process_records(rt.factory, rt.pipeline_context(), records, source=source, file="stream")


def stored(rt: Runtime) -> dict[str, str]:
    with rt.session() as session:
        rows = session.execute(select(InteractionRow.source_id, InteractionRow.addressing))
        return {sid: str(getattr(a, "value", a)) for sid, a in rows}


def test_x_conversation_opened_by_the_customer_then_joined_by_the_company(rt) -> None:
    # Batch 1: the customer addresses the company and opens conversation 100.
    ingest(
        rt,
        "xapi",
        [tweet("100", "@optiklinse mein Tele 70-200 klappert", author="7001", conversation="100")],
    )
    # Batch 2 (another worker): her follow-up without a mention, before any answer, is
    # addressed; a stranger's reply in the same conversation is not.
    ingest(
        rt,
        "xapi",
        [
            tweet(
                "101",
                "Seriennummer fängt mit TX an",
                author="7001",
                conversation="100",
                reply_to="100",
                reply_to_user="7001",
            ),
            tweet(
                "102",
                "Bei mir genauso",
                author="7002",
                conversation="100",
                reply_to="100",
                reply_to_user="7001",
            ),
        ],
    )
    held = stored(rt)
    assert held["100"] == Addressing.ADDRESSED.value
    assert held["101"] == Addressing.ADDRESSED.value
    assert "102" not in held  # a public mention by a third person: only counted
    # Batch 3: the company answers; from now on the conversation is the company's, and a
    # reply by anyone in it addresses the company (X conversation_id).
    ingest(
        rt,
        "xapi",
        [
            tweet(
                "103",
                "@user7001 Bitte schreib uns per DM",
                author=COMPANY_X,
                conversation="100",
                reply_to="101",
            )
        ],
    )
    ingest(
        rt, "xapi", [tweet("104", "Danke euch", author="7002", conversation="100", reply_to="103")]
    )
    assert stored(rt)["104"] == Addressing.ADDRESSED.value


def test_mastodon_reply_chain_within_one_batch(rt) -> None:
    company = mastodon_status(
        "900", "Neue Firmware ist da", account_id="109000000000000001", username="optiklinse"
    )
    reply = mastodon_status("901", "Installiert, läuft", account_id="5001", username="anna")
    reply["in_reply_to_id"] = "900"
    deeper = mastodon_status("902", "Bei mir auch, danke", account_id="5002", username="ben")
    deeper["in_reply_to_id"] = "901"  # replies to Anna, in the chain the company started
    unrelated = mastodon_status("903", "Bei mir nicht", account_id="5003", username="cem")
    unrelated["in_reply_to_id"] = "899"
    ingest(rt, "masto", [company, reply, deeper, unrelated])
    held = stored(rt)
    assert held["901"] == held["902"] == Addressing.ADDRESSED.value
    assert "903" not in held and "900" not in held  # the company's own post: nothing stored


def test_marks_are_keyed_and_expire_with_customer_care_retention(rt) -> None:
    ingest(
        rt,
        "xapi",
        [tweet("200", "@optiklinse Frage zur Garantie", author="7003", conversation="200")],
    )
    with rt.session() as session:
        marks = session.scalars(select(ThreadMarkRow)).all()
        assert {m.kind for m in marks} == {"opened_post", "opened_conversation"}
        for mark in marks:  # an HMAC, never an id
            assert len(mark.mark_key) == 64 and "200" not in mark.mark_key
            assert "7003" not in mark.mark_key
        keep = rt.pipeline_context().thread_keep_for
        assert keep == timedelta(days=180)
        later = rt.clock.now() + keep + timedelta(seconds=1)
        result = run_retention(session, rt.keyring, now=later, actor="test")
        assert result.credentials["thread_marks"] == 2
        assert session.scalars(select(ThreadMarkRow)).all() == []
