"""Hostile input never stops ingestion (issue 18): each defect the security review found.

A lone UTF-16 surrogate (``"\\ud83d"`` in JSON: JavaScript cut an emoji in half) in a
post's text or id, a CSV field over the csv module's 131,072-character limit, an id too
long for its column on PostgreSQL, and a quarantine reason or payload holding such
characters each stopped a whole file for good. Each is now one quarantined line (or a
repaired text), and every other line of the file is kept. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sphere.channels import reader
from sphere.domain import Channel
from sphere.pipeline.runner import ingest_file
from sphere.runtime import Runtime
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.quarantine import QuarantineRepository
from sphere.storage.tables import InteractionRow, QuarantineRow
from tests.factories import CRM_HEADER, crm_row, mastodon_status

MAX_FIELD_CHARS = getattr(reader, "MAX_FIELD_CHARS", 1_000_000)
SURROGATE = "\ud83d"  # the high half of 😀 (U+1F600), alone


def _write(path: Path, records: list[dict]) -> Path:
    # ensure_ascii=True writes a lone surrogate as the escape "\ud83d", as JS does
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    return path


def _feed(n: int, bad_line: int, bad: dict) -> list[dict]:
    records = [
        mastodon_status(str(300_000 + i), f"Objektiv {i} klappert", mention_company=True)
        for i in range(1, n + 1)
    ]
    records[bad_line - 1] = bad
    return records


def _ingest(rt: Runtime, path: Path, source: str = "masto"):
    return ingest_file(rt.factory, rt.pipeline_context(), path, source_name=source)


def _stored(rt: Runtime) -> int:
    with rt.session() as session:
        return session.scalar(select(func.count()).select_from(InteractionRow)) or 0


def _quarantine(rt: Runtime) -> list[tuple[int | None, str]]:
    with rt.session() as session:
        return [(r.line, r.reason) for r in session.scalars(select(QuarantineRow))]


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


def test_lone_surrogate_in_text_is_replaced_and_the_file_completes(rt, tmp_path, caplog) -> None:
    bad = mastodon_status("300012", f"kaputt {SURROGATE} Emoji", mention_company=True)
    summary = _ingest(rt, _write(tmp_path / "feed.jsonl", _feed(20, 12, bad)))
    assert summary.quarantine_total == 0
    assert _stored(rt) == 20
    with rt.session() as session:
        found = InteractionRepository(session, rt.keyring).get_by_source(Channel.MASTODON, "300012")
        assert found is not None and "\ufffd" in found.text and SURROGATE not in found.text
    _no_tracebacks(caplog)


def test_lone_surrogate_in_an_id_is_quarantined_naming_the_field(rt, tmp_path, caplog) -> None:
    bad = mastodon_status("30001" + SURROGATE, "id kaputt", mention_company=True)
    path = _write(tmp_path / "feed.jsonl", _feed(20, 7, bad))
    summary = _ingest(rt, path)
    assert _stored(rt) == 19
    [(line, reason)] = _quarantine(rt)
    assert line == 7 and "'id'" in reason and "surrogate" in reason
    assert summary.quarantine[0].line == 7
    # the quarantined payload is kept exactly (the escape survives) for a later retry
    with rt.session() as session:
        [item] = QuarantineRepository(session, rt.keyring).list()
        payload = QuarantineRepository(session, rt.keyring).get(item.id).payload
    assert json.loads(payload)["id"] == "30001" + SURROGATE
    # a rerun has nothing left to do: the file is complete, not stuck
    again = _ingest(rt, path)
    assert again.quarantine_total == 0 and _stored(rt) == 19
    _no_tracebacks(caplog)


def test_an_id_too_long_for_its_column_is_quarantined_before_the_database(
    rt, tmp_path, caplog
) -> None:
    # 600 characters: the adapter allows 1,000, the column 255 (PostgreSQL refused it
    # with a traceback printing the SQL parameters; SQLite silently stored it)
    bad = mastodon_status("7" * 600, "zu lange id", mention_company=True)
    caplog.set_level(logging.WARNING)
    _ingest(rt, _write(tmp_path / "feed.jsonl", _feed(12, 3, bad)))
    assert _stored(rt) == 11
    [(line, reason)] = _quarantine(rt)
    assert line == 3 and "source_id" in reason and "600 characters" in reason
    _no_tracebacks(caplog)
    assert "7777777777" not in caplog.text


def test_quarantine_cannot_fail_on_what_it_stores(rt) -> None:
    with rt.session() as session:
        repo = QuarantineRepository(session, rt.keyring)
        item = repo.add(
            "masto",
            file="feed\udcff.jsonl",  # a non-UTF-8 byte in a file name (surrogateescape)
            line=1,
            reason=f"reason with {SURROGATE} and NUL \x00 " + "x" * 5000,
            payload=f'{{"text": "{SURROGATE}\x00"}}',
        )
        stored = repo.get(item.id)
    assert SURROGATE not in stored.reason and "\x00" not in stored.reason
    assert len(stored.reason) <= 2000 and stored.payload is not None


def test_a_csv_field_over_the_csv_module_limit_does_not_stop_the_file(rt, tmp_path, caplog) -> None:
    long_name = "L" * 150_000  # over csv's default 131,072, under the reader's limit
    huge = "H" * (MAX_FIELD_CHARS + 1)
    rows = [crm_row(f"K-{2000 + i}", f"person{i}@example.com") for i in range(6)]
    rows[1] = rows[1].replace(",Lena,", f",{long_name},")
    rows[3] = rows[3].replace(",Lena,", f",{huge},")
    path = tmp_path / "crm.csv"
    path.write_text(CRM_HEADER + "".join(rows), encoding="utf-8")
    summary = _ingest(rt, path, "crm")
    assert summary.contacts_imported == 5  # the 150,000-character name is text, kept
    [(line, reason)] = _quarantine(rt)
    assert line == 5  # header is line 1
    assert "first_name" in reason and str(MAX_FIELD_CHARS) in reason
    _no_tracebacks(caplog)


def test_an_unclosed_csv_quote_is_one_quarantined_stretch(rt, tmp_path) -> None:
    rows = [crm_row(f"K-{3000 + i}", f"person{i}@example.com") for i in range(4)]
    rows[3] = rows[3].replace(",Lena,", ',"Lena' + "x" * 1000 + ",")  # quote never closed
    path = tmp_path / "crm.csv"
    path.write_text(CRM_HEADER + "".join(rows), encoding="utf-8")
    summary = _ingest(rt, path, "crm")
    assert summary.contacts_imported == 3
    assert [line for line, _ in _quarantine(rt)] == [5]
