"""End-to-end fuzz of ``ingest_file`` on SQLite and PostgreSQL (bounded for `make test`).

A file of good records with hostile-but-valid content (lone surrogates, noncharacters,
bidi controls and markup in text) and bad records (an id with a lone surrogate or too
long for its column, wrong types, a time without a zone, broken JSON, a number Python
will not convert, nesting past the limit) at random lines. Invariants: ingestion never
raises and logs no traceback; every good record is stored; every bad one is quarantined
with its line, and nothing else is.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sphere.pipeline.runner import ingest_file
from sphere.storage.tables import InteractionRow, QuarantineRow
from tests.factories import CRM_HEADER, crm_row, mastodon_status

EXAMPLES = int(os.environ.get("SPHERE_FUZZ_INGEST_EXAMPLES", "6"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("CI", "").lower() in ("1", "true", "yes"),
)
_RUN = itertools.count()

HOSTILE_TEXT = [
    "kaputt \ud83d",
    "\udc00 am Anfang",
    "\ufffe\U0010ffff",
    "\u202egnp.exe",
    "<script>alert(1)</script>",
    "NUL \x00 drin",
    "😀" * 50,
]


def _bad_line(kind: str, source_id: str) -> str:
    good = mastodon_status(source_id, "x", mention_company=True)
    if kind == "surrogate_id":
        return json.dumps({**good, "id": source_id + "\ud83d"})
    if kind == "long_id":
        return json.dumps({**good, "id": "7" * 300 + source_id})
    if kind == "text_type":
        return json.dumps({**good, "content": 12})
    if kind == "naive_time":
        return json.dumps({**good, "created_at": "2026-05-01T10:00:00"})
    if kind == "broken_json":
        return json.dumps(good)[:-5]
    if kind == "huge_number":
        return '{"id": ' + "1" * 5000 + "}"
    if kind == "deep":
        return '{"a": ' + "[" * 100 + "]" * 100 + "}"
    if kind == "nul_id":
        return json.dumps({**good, "id": source_id + "\x00"})
    raise AssertionError(kind)


BAD_KINDS = [
    "surrogate_id",
    "long_id",
    "text_type",
    "naive_time",
    "broken_json",
    "huge_number",
    "deep",
    "nul_id",
]


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


@FUZZ
@given(
    plan=st.lists(
        st.one_of(
            st.just(("good", None)),
            st.tuples(st.just("hostile"), st.sampled_from(HOSTILE_TEXT)),
            st.tuples(st.just("bad"), st.sampled_from(BAD_KINDS)),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_jsonl_feed_good_stored_bad_quarantined_with_line(rt, tmp_path, caplog, plan) -> None:
    caplog.set_level(logging.WARNING)
    caplog.clear()
    run = next(_RUN)
    path = tmp_path / f"feed-{run}.jsonl"
    lines, good_ids, bad_lines = [], set(), set()
    for number, (what, arg) in enumerate(plan, start=1):
        source_id = f"{run:04d}{number:05d}"
        if what == "bad":
            lines.append(_bad_line(arg, source_id))
            bad_lines.add(number)
            continue
        text = f"Objektiv {number} klappert" + (f" {arg}" if what == "hostile" else "")
        lines.append(json.dumps(mastodon_status(source_id, text, mention_company=True)))
        good_ids.add(source_id)
    path.write_text("\n".join(lines) + "\n", encoding="ascii")

    summary = ingest_file(rt.factory, rt.pipeline_context(), path, source_name="masto")

    with rt.session() as session:
        stored = set(
            session.scalars(
                select(InteractionRow.source_id).where(InteractionRow.source_id.like(f"{run:04d}%"))
            )
        )
        quarantined = {
            r.line: r.reason
            for r in session.scalars(select(QuarantineRow).where(QuarantineRow.file == path.name))
        }
    assert stored == good_ids
    assert set(quarantined) == bad_lines
    assert summary.quarantine_total == len(bad_lines)
    assert all(reason for reason in quarantined.values())
    _no_tracebacks(caplog)


@FUZZ
@given(
    plan=st.lists(
        st.sampled_from(["good", "hostile_name", "bad_email", "huge_field", "columns"]),
        min_size=1,
        max_size=15,
    )
)
def test_csv_feed_good_imported_bad_quarantined_with_line(rt, tmp_path, caplog, plan) -> None:
    caplog.set_level(logging.WARNING)
    caplog.clear()
    run = next(_RUN)
    path: Path = tmp_path / f"crm-{run}.csv"
    rows, bad_lines = [], set()
    for index, what in enumerate(plan):
        line = index + 2  # the header is line 1
        row = crm_row(f"F-{run}-{index}", f"person{run}x{index}@example.com")
        if what == "hostile_name":
            row = row.replace(",Lena,", ",Le\ufffena \u202e<b>,")
        elif what == "bad_email":
            row = row.replace(f"person{run}x{index}@example.com", "not-an-email")
            bad_lines.add(line)
        elif what == "huge_field":
            row = row.replace(",Lena,", "," + "H" * 1_000_001 + ",")
            bad_lines.add(line)
        elif what == "columns":
            row = row.replace(",Lena,", ",Lena,extra,")
            bad_lines.add(line)
        rows.append(row)
    path.write_text(CRM_HEADER + "".join(rows), encoding="utf-8")

    summary = ingest_file(rt.factory, rt.pipeline_context(), path, source_name="crm")

    with rt.session() as session:
        quarantined = set(
            session.scalars(select(QuarantineRow.line).where(QuarantineRow.file == path.name))
        )
    assert quarantined == bad_lines
    assert summary.contacts_imported == len(plan) - len(bad_lines)
    _no_tracebacks(caplog)
