"""Stream payload files record by record, with constant memory, never stopping at bad input.

Formats:

``jsonl``
    One JSON object per line. Blank lines are skipped.
``json``
    A top-level JSON array of objects (streamed element by element) or a single object.
``csv``
    A header row and data rows. The delimiter is sniffed from the header among ``,``
    ``;`` and tab (German Excel exports use ``;``); rows are dicts keyed by the header.

Every problem becomes a :class:`RawRecord` with ``error`` set and the 1-based line number,
and reading continues with the next line: malformed JSON, invalid UTF-8 (JSON formats),
lines longer than :data:`MAX_LINE_BYTES`, JSON nested deeper than :data:`MAX_DEPTH` (checked
before parsing, so no ``RecursionError``), CSV rows whose column count does not match the
header, CSV fields longer than :data:`MAX_FIELD_CHARS` (named by column) and quoted CSV
fields that run on past :data:`MAX_LINE_BYTES` (an unclosed quote). CSV files that are not
UTF-8 (Excel "CSV" on Windows is cp1252) are decoded as cp1252, falling back to Latin-1, and
each such record says so in ``note``.
Messages name lines and reasons, never content.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from sphere.errors import InvalidInput

MAX_LINE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MAX_FIELD_CHARS = 1_000_000
"""Longest CSV field the reader hands on; adapters apply their own, smaller limits."""
_CHUNK = 64 * 1024
_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

Format = Literal["jsonl", "json", "csv"]


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record read from a file: a value, or an error saying why there is none."""

    line: int
    value: Mapping[str, Any] | None = None
    error: str | None = None
    note: str | None = None  # e.g. "decoded as cp1252", "delimiter ';' sniffed"

    def __repr__(self) -> str:  # never show the value: it is personal data
        state = "error" if self.error else "ok"
        return f"RawRecord(line={self.line}, {state})"


def read_records(path: Path, *, format: Format) -> Iterator[RawRecord]:  # noqa: A002
    """Yield the records of ``path`` one by one (see module docstring)."""
    if format == "jsonl":
        return _read_jsonl(path)
    if format == "json":
        return _read_json(path)
    if format == "csv":
        return _read_csv(path)
    raise InvalidInput(f"unknown format {format!r}; known: csv, json, jsonl")


# --- JSON depth guard -------------------------------------------------------------------

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when ``text`` nests arrays/objects deeper than ``limit``; checked without parsing.

    Cheap for ordinary records: the scan only runs when there are more than ``limit``
    opening brackets at all.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _BRACKETS.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


_HUGE_NUMBER = "a number with more digits than Python converts (4,300)"


def _decode_json_text(text: str) -> tuple[Mapping[str, Any] | None, str | None]:
    if json_depth_exceeds(text):
        return None, f"JSON nested deeper than {MAX_DEPTH} levels"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"malformed JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}"
    except RecursionError:  # pragma: no cover - the depth guard runs first
        return None, f"JSON nested deeper than {MAX_DEPTH} levels"
    except ValueError:  # Python refuses integers over 4,300 digits (CVE-2020-10735)
        return None, _HUGE_NUMBER
    if not isinstance(value, dict):
        return None, f"expected a JSON object, got {type(value).__name__}"
    return value, None


# --- JSONL ------------------------------------------------------------------------------


def _read_long_lines(handle: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes) and (line number, None) for lines over the limit."""
    number = 0
    while True:
        chunk = handle.readline(MAX_LINE_BYTES + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            # Too long: skip the rest of the line without holding it.
            while True:
                rest = handle.readline(_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, chunk


def _read_jsonl(path: Path) -> Iterator[RawRecord]:
    with path.open("rb") as handle:
        for number, chunk in _read_long_lines(handle):
            if chunk is None:
                yield RawRecord(number, error=f"line longer than {MAX_LINE_BYTES} bytes; skipped")
                continue
            if number == 1 and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield RawRecord(number, error=f"invalid UTF-8 at byte {exc.start}")
                continue
            if not text.strip():
                continue
            value, error = _decode_json_text(text)
            yield RawRecord(number, value=value, error=error)


# --- JSON (array streamed element by element) ------------------------------------------


def value_depth(value: Any) -> int:
    """Nesting depth of a decoded JSON value, computed without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


class _TextBuffer:
    """Incrementally decoded UTF-8 text from a binary file, with line counting."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.line = 1
        self.eof = False
        self.first = True
        self.chunk = _CHUNK

    def fill(self) -> bool:
        """Read more (doubling the chunk each time); False at end of file."""
        if self.eof:
            return False
        data = self.handle.read(self.chunk)
        self.chunk = min(self.chunk * 2, MAX_LINE_BYTES)
        if self.first and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        self.first = False
        if not data:
            self.eof = True
            self.text += self.decoder.decode(b"", final=True)
            return False
        self.text += self.decoder.decode(data)
        return True

    def reset_chunk(self) -> None:
        self.chunk = _CHUNK

    def skip(self, chars: str) -> None:
        while True:
            stripped = self.text.lstrip(chars)
            self.line += self.text.count("\n", 0, len(self.text) - len(stripped))
            self.text = stripped
            if self.text or not self.fill():
                return

    def consume(self, end: int) -> None:
        self.line += self.text.count("\n", 0, end)
        self.text = self.text[end:]


def _read_json(path: Path) -> Iterator[RawRecord]:
    decoder = json.JSONDecoder()
    with path.open("rb") as handle:
        buf = _TextBuffer(handle)
        try:
            buf.skip(" \t\r\n")
            if not buf.text:
                return
            array = buf.text[0] == "["
            if buf.text[0] not in "[{":
                yield RawRecord(buf.line, error="expected a JSON array or object at the top level")
                return
            if array:
                buf.consume(1)
            while True:
                buf.skip(" \t\r\n," if array else " \t\r\n")
                if not buf.text:
                    if array:
                        yield RawRecord(buf.line, error="file ends inside the top-level array")
                    return
                if array and buf.text[0] == "]":
                    return
                start = buf.line
                buf.reset_chunk()
                while True:
                    try:
                        value, end = decoder.raw_decode(buf.text)
                    except RecursionError:
                        yield RawRecord(
                            start,
                            error=(f"JSON nested deeper than {MAX_DEPTH} levels; reading stopped"),
                        )
                        return
                    except ValueError as exc:
                        if not isinstance(exc, json.JSONDecodeError):
                            yield RawRecord(start, error=f"{_HUGE_NUMBER}; reading stopped")
                            return
                        # Maybe only cut off at a chunk boundary: read more and retry.
                        if len(buf.text) > MAX_LINE_BYTES:
                            yield RawRecord(
                                start,
                                error=(
                                    f"element longer than {MAX_LINE_BYTES} bytes; reading stopped"
                                ),
                            )
                            return
                        if buf.fill():
                            continue
                        yield RawRecord(
                            start + exc.lineno - 1,
                            error=(f"malformed JSON: {exc.msg}; reading stopped"),
                        )
                        return
                    break
                buf.consume(end)
                if value_depth(value) > MAX_DEPTH:
                    yield RawRecord(start, error=f"JSON nested deeper than {MAX_DEPTH} levels")
                elif isinstance(value, dict):
                    yield RawRecord(start, value=value)
                else:
                    yield RawRecord(
                        start, error=(f"expected a JSON object, got {type(value).__name__}")
                    )
                if not array:
                    return
        except UnicodeDecodeError as exc:
            yield RawRecord(buf.line, error=f"invalid UTF-8 at byte {exc.start}; reading stopped")


# --- CSV --------------------------------------------------------------------------------


@dataclass
class _Decoded:
    line_encodings: dict[int, str]


def _decoded_lines(handle: BinaryIO, state: _Decoded) -> Iterator[str]:
    number = 0
    for number, chunk in _read_long_lines(handle):  # noqa: B007
        if chunk is None:
            state.line_encodings[number] = "too-long"
            yield "\n"
            continue
        if number == 1 and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        try:
            yield chunk.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = chunk.decode("cp1252")
                state.line_encodings[number] = "cp1252"
            except UnicodeDecodeError:
                text = chunk.decode("latin-1")
                state.line_encodings[number] = "latin-1"
            yield text


def sniff_delimiter(header: str) -> tuple[str, int]:
    """The candidate delimiter that splits ``header`` into the most columns."""
    best, best_count = ",", 1
    for candidate in _DELIMITERS:
        count = len(next(csv.reader([header], delimiter=candidate)))
        if count > best_count:
            best, best_count = candidate, count
    return best, best_count


def _read_csv(path: Path) -> Iterator[RawRecord]:
    state = _Decoded(line_encodings={})
    with path.open("rb") as handle:
        lines = _decoded_lines(handle, state)
        header_line = next(lines, None)
        if header_line is None:
            return
        try:
            delimiter, columns = sniff_delimiter(header_line)
            header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
        except csv.Error as exc:  # e.g. a bare carriage return inside the header
            yield RawRecord(1, error=f"CSV header unreadable: {exc}")
            return
        sniff_note = None
        if delimiter != ",":
            sniff_note = f"delimiter {_DELIMITER_NAMES[delimiter]} sniffed from the header"
        if columns == 1:
            sniff_note = "header has one column; no comma, semicolon or tab delimiter found"
        if len(set(header)) != len(header) or "" in header:
            yield RawRecord(1, error="CSV header has empty or duplicate column names")
            return
        # The csv module's own limit (131,072 characters by default, process-wide) would
        # raise out of the loop and stop the file; it only has to bound memory here, and
        # the real limit (MAX_FIELD_CHARS) is checked per field below, naming the column.
        if csv.field_size_limit() < MAX_LINE_BYTES:
            csv.field_size_limit(MAX_LINE_BYTES)
        reader = csv.reader(lines, delimiter=delimiter, strict=False)
        line_offset = 1
        while True:
            start = line_offset + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:
                line_offset = reader.line_num + 1
                yield RawRecord(
                    start,
                    error=(
                        f"field longer than {MAX_LINE_BYTES} characters (an unclosed quote?); "
                        f"lines {start}-{line_offset} skipped"
                    ),
                )
                continue
            line_offset = reader.line_num + 1
            notes = [sniff_note] if sniff_note else []
            spanned = range(start, line_offset + 1)
            encodings = {state.line_encodings.get(n) for n in spanned} - {None}
            if "too-long" in encodings:
                yield RawRecord(start, error=f"line longer than {MAX_LINE_BYTES} bytes; skipped")
                continue
            if encodings:
                notes.append("not UTF-8; decoded as " + "/".join(sorted(encodings)))
            note = "; ".join(notes) or None
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                hint = _delimiter_hint(row, delimiter, len(header))
                yield RawRecord(
                    start,
                    error=(f"row has {len(row)} columns, header has {len(header)}{hint}"),
                    note=note,
                )
                continue
            long = [
                name for name, cell in zip(header, row, strict=True) if len(cell) > MAX_FIELD_CHARS
            ]
            if long:
                yield RawRecord(
                    start,
                    error=f"field {long[0]!r} longer than {MAX_FIELD_CHARS} characters",
                    note=note,
                )
                continue
            yield RawRecord(start, value=dict(zip(header, row, strict=True)), note=note)


def _delimiter_hint(row: list[str], delimiter: str, expected: int) -> str:
    joined = delimiter.join(row)
    for candidate in _DELIMITERS:
        if candidate != delimiter and len(joined.split(candidate)) == expected:
            return (
                f"; the row looks {_DELIMITER_NAMES[candidate]}-delimited while the "
                f"header is {_DELIMITER_NAMES[delimiter]}-delimited"
            )
    return ""
