"""read_records: bad lines become error records and reading goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sphere.channels import MAX_LINE_BYTES, read_records
from sphere.errors import InvalidInput


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_jsonl_errors_are_records_and_reading_goes_on(tmp_path: Path) -> None:
    deep = "[" * 100 + "]" * 100
    lines = [
        b'{"a": 1}',
        b'{"a": ',  # malformed
        b'{"a": "\xff"}',  # invalid UTF-8
        ('{"a": ' + deep + "}").encode(),  # too deep
        b"[1, 2]",  # not an object
        b"",
        b'{"a": 2}',
    ]
    records = list(read_records(write(tmp_path, "x.jsonl", b"\n".join(lines)), format="jsonl"))
    assert [r.line for r in records] == [1, 2, 3, 4, 5, 7]
    assert records[0].value == {"a": 1} and records[-1].value == {"a": 2}
    assert "malformed JSON" in (records[1].error or "")
    assert "UTF-8" in (records[2].error or "")
    assert "deeper than 64" in (records[3].error or "")
    assert "expected a JSON object" in (records[4].error or "")


def test_extremely_deep_json_does_not_raise(tmp_path: Path) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    (jsonl,) = read_records(write(tmp_path, "d.jsonl", deep), format="jsonl")
    assert jsonl.error and "deeper" in jsonl.error
    (array,) = read_records(write(tmp_path, "d.json", b"[" + deep + b"]"), format="json")
    assert array.error and "deeper" in array.error


def test_too_long_line_is_skipped(tmp_path: Path) -> None:
    long_line = b'{"t": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}'
    path = write(tmp_path, "l.jsonl", long_line + b'\n{"a": 1}\n')
    first, second = read_records(path, format="jsonl")
    assert first.line == 1 and "longer than" in (first.error or "")
    assert second.line == 2 and second.value == {"a": 1}


def test_json_array_streams_elements_with_line_numbers(tmp_path: Path) -> None:
    data = json.dumps([{"i": i, "t": "ü" * 40_000} for i in range(4)], indent=1).encode()
    records = list(read_records(write(tmp_path, "a.json", data), format="json"))
    assert [r.value["i"] for r in records if r.value] == [0, 1, 2, 3]
    assert records[0].line == 2 and records[1].line > records[0].line


def test_json_malformed_element_stops_with_error(tmp_path: Path) -> None:
    path = write(tmp_path, "m.json", b'[{"a": 1},\n{"b": ,}]')
    good, bad = read_records(path, format="json")
    assert good.value == {"a": 1} and bad.line == 2 and "malformed" in (bad.error or "")


def test_csv_semicolon_is_sniffed_and_said(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", b"a;b;c\n1;2;3\n")
    (record,) = read_records(path, format="csv")
    assert record.value == {"a": "1", "b": "2", "c": "3"}
    assert record.note and "semicolon" in record.note


def test_csv_row_with_wrong_delimiter_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", b"a,b,c\n1;2;3\n4,5,6\n")
    bad, good = read_records(path, format="csv")
    assert bad.line == 2 and "semicolon-delimited" in (bad.error or "")
    assert good.value == {"a": "4", "b": "5", "c": "6"}


def test_csv_latin1_lines_are_decoded_and_noted(tmp_path: Path) -> None:
    path = write(tmp_path, "l.csv", "name,ort\nJörg,Köln\n".encode("latin-1") + b"Ann,Bonn\n")
    latin, utf8 = read_records(path, format="csv")
    assert latin.value == {"name": "Jörg", "ort": "Köln"}
    assert latin.note and "cp1252" in latin.note
    assert utf8.note is None


def test_repr_hides_values(tmp_path: Path) -> None:
    path = write(tmp_path, "p.jsonl", b'{"email": "ida@example.com"}\n')
    (record,) = read_records(path, format="jsonl")
    assert "example.com" not in repr(record)


def test_unknown_format() -> None:
    with pytest.raises(InvalidInput, match="unknown format"):
        read_records(Path("x"), format="xml")  # type: ignore[arg-type]


def test_a_control_character_is_named_once_with_its_column(tmp_path: Path) -> None:
    records = list(read_records(write(tmp_path, "x.jsonl", b'{"a": "b\x01"}'), format="jsonl"))
    assert records[0].error == "malformed JSON: Invalid control character at column 9"
