"""``sphere audit verify|list``: exit codes and JSON output."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sphere.audit import record
from sphere.cli.audit import app
from sphere.storage.db import make_engine, make_session_factory, session_scope, upgrade


@pytest.fixture
def audited_db(monkeypatch: pytest.MonkeyPatch, empty_db_url: str, tmp_path: object) -> str:
    monkeypatch.setenv("SPHERE_ENV", "test")
    monkeypatch.setenv("SPHERE_HOME", str(tmp_path))
    monkeypatch.setenv("SPHERE_DATABASE_URL", empty_db_url)
    engine = make_engine(empty_db_url)
    upgrade(engine)
    with session_scope(make_session_factory(engine)) as session:
        for i in range(3):
            record(
                session,
                actor="pipeline",
                action="interaction.stored",
                subject_id=f"c{i}",
                at=datetime(2026, 6, 1, 12, i, tzinfo=UTC),
            )
    engine.dispose()
    return empty_db_url


def test_verify_ok_then_broken(audited_db: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 0, result.output
    assert "3 entries" in result.stdout

    engine = make_engine(audited_db)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET action = 'x.y' WHERE seq = 2"))
    engine.dispose()

    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 1
    assert "entry 2" in result.stderr
    result = runner.invoke(app, ["verify", "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and payload["first_broken_seq"] == 2 and payload["checked"] == 1


def test_list(audited_db: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["list", "--limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert [e["seq"] for e in json.loads(result.stdout)] == [3, 2]
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3 and "interaction.stored" in lines[0]
