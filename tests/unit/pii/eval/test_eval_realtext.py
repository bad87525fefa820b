"""The real-text split and the leak rate: deterministic, disjoint, and scored on what the
scrubber left in clear."""

from __future__ import annotations

import json
from pathlib import Path

from sphere.pii.eval.realtext import (
    DEV,
    HELDOUT,
    TRAIN,
    GoldSpan,
    RealRecord,
    load_corpus,
    score,
    score_record,
    split_of,
)


def test_split_is_stable_and_per_document() -> None:
    rec = {"id": "x", "doc_url": "http://example.org/a"}
    assert split_of("germeval", rec, 0) == split_of("germeval", {**rec, "id": "y"}, 5)
    assert split_of("wnut17", {"id": "a"}, 3) == TRAIN
    # English dev files: blocks of 10 records share a split
    assert len({split_of("wnut17_dev", {"id": str(i)}, i) for i in range(10)}) == 1
    splits = {split_of("smartdata", {"doc_id": f"d{i}"}, 0) for i in range(200)}
    assert splits == {TRAIN, DEV, HELDOUT}


def test_load_corpus_reads_records(tmp_path: Path) -> None:
    line = {
        "id": "r1",
        "text": "Anna in Berlin",
        "spans": [
            {"start": 0, "end": 4, "label": "PERSON"},
            {"start": 8, "end": 14, "label": "LOCATION"},
        ],
    }
    (tmp_path / "wnut17_dev.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    (rec,) = load_corpus(tmp_path, "wnut17_dev")
    assert rec.lang == "en" and rec.split in (DEV, HELDOUT)
    assert rec.spans == (GoldSpan(0, 4, "PERSON"), GoldSpan(8, 14, "LOCATION"))


def test_leak_counts_any_word_left_in_clear() -> None:
    text = "Anna Schmidt met @bob in Berlin"
    gold = [GoldSpan(0, 12, "PERSON"), GoldSpan(17, 21, "PERSON"), GoldSpan(25, 31, "LOCATION")]
    # "Anna" redacted as PERSON, "Schmidt" left; handle covered; Berlin redacted as the
    # wrong type (still hidden, but not a LOCATION true positive)
    pred = [(0, 4, "PERSON"), (17, 21, "SOCIAL_HANDLE"), (25, 31, "PERSON")]
    scores = score_record(text, gold, pred)
    assert scores["PERSON"].gold == 1 and scores["PERSON"].leaked == 1
    assert scores["PERSON"].missed == 0 and scores["PERSON"].overlap_tp_gold == 1
    assert scores["PERSON"].pred == 2 and scores["PERSON"].overlap_tp_pred == 1
    assert scores["HANDLE"].gold == 1 and scores["HANDLE"].leaked == 0
    assert scores["LOCATION"].leaked == 0 and scores["LOCATION"].overlap_tp_gold == 0


def test_report_groups_by_corpus_language_and_all() -> None:
    rec = RealRecord("1", "btc_dev", "en", "Hi Tom", (GoldSpan(3, 6, "PERSON"),), DEV)
    report = score([rec], [[(3, 6, "PERSON")]])
    for group in ("btc_dev", "en", "all"):
        sc = report.get(group, "PERSON")
        assert sc.f1 == 1.0 and sc.leak_rate == 0.0
