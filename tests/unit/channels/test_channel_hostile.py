"""Findings of the fuzz harness (tests/fuzz, scripts/fuzz_atheris.py), one test each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sphere.channels import BadRecord, build_registry, clean_text, read_records
from sphere.channels.text import first_invalid_code_point, replace_invalid_code_points
from sphere.domain import FrozenClock

FIXTURES = Path(__file__).parents[2] / "fixtures" / "channels"
REGISTRY = build_registry(clock=FrozenClock())


def _first(adapter: str, name: str) -> dict:
    line = (FIXTURES / adapter / name).read_text(encoding="utf-8").splitlines()[0]
    return json.loads(line)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\ud83db", "a\ufffdb"),  # lone high surrogate: JS cut an emoji
        ("\udc00", ""),  # a lone low one alone becomes U+FFFD, then strip() keeps it
        ("x\ufffey", "x\ufffdy"),  # noncharacter
        ("ok 😀", "ok 😀"),  # a real emoji is untouched
    ],
    ids=["high", "low", "nonchar", "emoji"],
)
def test_clean_text_replaces_invalid_code_points(text, expected) -> None:
    cleaned = clean_text(text)
    cleaned.encode("utf-8")
    assert cleaned == (expected or "\ufffd")


def test_invalid_code_point_is_described_without_content() -> None:
    assert first_invalid_code_point("geheim\ud83d") == "lone UTF-16 surrogate U+D83D at character 6"
    assert first_invalid_code_point("fine") is None
    assert replace_invalid_code_points("\ud83d") == "\ufffd"


def test_an_id_with_a_lone_surrogate_is_refused_naming_the_field() -> None:
    status = {**_first("mastodon", "statuses.jsonl"), "id": "1100\ud83d"}
    with pytest.raises(BadRecord) as info:
        REGISTRY.get("mastodon").parse(status, ref="f:1")
    assert info.value.field == "id" and "surrogate" in info.value.reason


def test_bluesky_text_with_a_lone_surrogate_keeps_its_facets() -> None:
    event = _first("bluesky", "jetstream.jsonl")
    event["commit"]["record"]["text"] = "\ud83d " + event["commit"]["record"]["text"]
    for facet in event["commit"]["record"]["facets"]:  # shift by the 4 bytes added
        facet["index"]["byteStart"] += 4
        facet["index"]["byteEnd"] += 4
    [obs] = REGISTRY.get("bluesky").parse(event, ref="f:1")
    assert obs.text.startswith("\ufffd") and obs.hashtags == ("optiklinse",)


def test_bluesky_deletion_time_out_of_range_is_refused() -> None:
    event = {
        "did": "did:plc:fake",
        "time_us": 2**63,
        "kind": "commit",
        "commit": {"operation": "delete", "collection": "app.bsky.feed.post", "rkey": "r"},
    }
    with pytest.raises(BadRecord, match="time_us"):
        REGISTRY.get("bluesky").parse(event, ref="f:1")


def test_a_number_python_will_not_convert_is_one_bad_line(tmp_path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"id": ' + "1" * 5000 + '}\n{"id": 1}\n', encoding="ascii")
    first, second = read_records(path, format="jsonl")
    assert first.error and "4,300" in first.error and second.value == {"id": 1}


def test_a_csv_header_with_a_bare_carriage_return_is_an_error_not_a_crash(tmp_path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b'p\r"\n\x19\x08')
    [record] = read_records(path, format="csv")
    assert record.line == 1 and record.error and "header" in record.error
