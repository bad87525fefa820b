"""The ingestion runner's file fingerprint (issue 18, point 7): a file edited only in the
middle (same size, same first and last MiB) was taken for the file already ingested."""

from __future__ import annotations

import os
from pathlib import Path

from sphere.pipeline.runner import fingerprint


def _big_file(path: Path) -> None:
    line = b'{"id": "%d", "content": "Das Tele 70-200 ist super"}\n'
    with path.open("wb") as handle:
        for i in range(80_000):  # about 4 MiB: the middle is read by nobody
            handle.write(line % (1_000_000 + i))


def test_an_edit_in_the_middle_changes_the_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    _big_file(path)
    before = fingerprint(path)
    stat = path.stat()
    assert stat.st_size > 3 << 20
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    at = data.index(b"super", middle)
    data[at : at + 5] = b"SUPER"  # same size, first and last MiB untouched
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert fingerprint(path) != before


def test_an_untouched_file_keeps_its_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    _big_file(path)
    assert fingerprint(path) == fingerprint(path)  # a rerun resumes the same run
