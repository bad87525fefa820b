"""``sphere db upgrade|downgrade|current`` against a real database."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sphere.cli.db import app
from sphere.storage.db import head_revision


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, empty_db_url: str, tmp_path: object) -> str:
    monkeypatch.setenv("SPHERE_ENV", "test")
    monkeypatch.setenv("SPHERE_HOME", str(tmp_path))
    monkeypatch.setenv("SPHERE_DATABASE_URL", empty_db_url)
    return empty_db_url


def test_upgrade_current_downgrade(cli_env: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["current", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["current"] is None

    result = runner.invoke(app, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert head_revision() in result.stdout  # type: ignore[operator]

    result = runner.invoke(app, ["current", "--json"])
    payload = json.loads(result.stdout)
    assert payload["up_to_date"] is True and payload["current"] == head_revision()

    result = runner.invoke(app, ["downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert "base" in result.stdout


def test_unreachable_database_is_one_line_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPHERE_DATABASE_URL", "postgresql://u:topsecret@127.0.0.1:1/x")
    result = CliRunner().invoke(app, ["current"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1 and "127.0.0.1:1" in result.stderr
    assert "topsecret" not in result.stderr and "Traceback" not in result.output
