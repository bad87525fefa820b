from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sphere.cli.scrub import scrub


@pytest.fixture()
def app() -> typer.Typer:
    app = typer.Typer()
    app.command()(scrub)
    return app


def test_scrub_file_with_bad_lines(app: typer.Typer, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b'{"id": 1, "text": "Hallo Anna, 0170 1234567"}\n'
        b"not json\n"
        b'{"id": 2}\n'
        b"\xff\xfe broken\n"
        b'{"id": 3, "text": "mail anna@example.com \\ud800", "lang": "de"}\n'
    )
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["text"] == "Hallo <PERSON_1>, <PHONE_NUMBER_1>"
    first = lines[0]["entities"][0]
    assert (first["start"], first["end"], first["type"]) == (6, 10, "PERSON")
    assert 0.5 <= first["score"] <= 1.0  # context alone gives 0.8; the tagger may raise it
    assert [line.get("line") for line in lines[1:4]] == [2, 3, 4]
    assert "anna@example.com" not in lines[4]["text"]
    assert f"{source}:2:" in result.stderr
    assert f"{source}:4: invalid UTF-8" in result.stderr


def test_scrub_text_quick_view(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["--text", "Hi Tom, write to tom@example.com"])
    assert result.exit_code == 0
    assert "Hi <PERSON_1>, write to <EMAIL_ADDRESS_1>" in result.stdout


def test_pseudonymize_needs_a_key(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPHERE_PII_KEY", raising=False)
    result = CliRunner().invoke(app, ["--text", "Hi Tom", "--operator", "pseudonymize"])
    assert result.exit_code != 0
    monkeypatch.setenv("SPHERE_PII_KEY", "a-test-secret-of-enough-length")
    result = CliRunner().invoke(app, ["--text", "Hi Tom", "--operator", "pseudonymize"])
    assert result.exit_code == 0 and "<PERSON:" in result.stdout
