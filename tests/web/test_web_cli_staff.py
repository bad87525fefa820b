"""``sphere staff add|list|token|revoke`` against a migrated SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sphere.cli.serve import staff_app
from sphere.storage.db import upgrade


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    upgrade(url)
    monkeypatch.setenv("SPHERE_DATABASE_URL", url)
    return url


def test_add_list_token_revoke(db_env: str) -> None:
    runner = CliRunner()
    added = runner.invoke(
        staff_app,
        ["add", "Dana@Example.com", "--role", "dpo", "--display-name", "Dana", "--password-stdin"],
        input="a long enough password\n",
    )
    assert added.exit_code == 0, added.output
    assert "created dpo account dana@example.com" in added.output
    listed = runner.invoke(staff_app, ["list", "--json"])
    assert listed.exit_code == 0
    assert '"username": "dana@example.com"' in listed.output
    assert "argon2" not in listed.output
    issued = runner.invoke(staff_app, ["token", "crm-sync", "--role", "agent"])
    assert issued.exit_code == 0
    token_line = issued.output.strip().splitlines()[-1]
    assert token_line.startswith("sph_")
    token_id = issued.output.split("token id ")[1].split(" ")[0]
    revoked = runner.invoke(staff_app, ["revoke", token_id])
    assert revoked.exit_code == 0


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add", "x@example.com", "--password-stdin"], "short\n", "at least 12"),
        (["add", "x@example.com", "--role", "king", "--password-stdin"], "x" * 20, "unknown role"),
        (["add", "bad name!", "--password-stdin"], "a long enough password\n", "user name"),
    ],
    ids=["short-password", "unknown-role", "bad-username"],
)
def test_add_refuses_bad_input(db_env: str, args: list[str], stdin: str, message: str) -> None:
    result = CliRunner().invoke(staff_app, args, input=stdin)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", "false"), ("0.0.0.0", "true")],  # loopback trial vs. reachable server
    ids=["loopback", "public"],
)
def test_serve_uses_the_factory_and_secure_cookies_off_loopback(
    monkeypatch: pytest.MonkeyPatch, host: str, expected: str
) -> None:
    import uvicorn

    from sphere.cli.serve import serve

    calls: list[tuple[str, dict[str, object]]] = []
    monkeypatch.setenv("SPHERE_WEB_COOKIE_SECURE", "unset")  # so the test's change is undone
    monkeypatch.delenv("SPHERE_WEB_COOKIE_SECURE")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("SPHERE_PSEUDONYM_SECRET", "this installation's own secret")
    serve(host=host, port=8123, secure_cookies=None, proxy_headers=False)
    assert calls == [
        (
            "sphere.web.app:create_app_from_env",
            {
                "factory": True,
                "workers": 1,
                "host": host,
                "port": 8123,
                "proxy_headers": False,
                "server_header": False,
                "log_level": "info",
            },
        )
    ]
    assert os.environ["SPHERE_WEB_COOKIE_SECURE"] == expected


def test_serve_intake_only_with_several_processes_needs_the_stream(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer
    import uvicorn

    from sphere.cli.serve import serve

    calls: list[tuple[str, dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.delenv("SPHERE_NATS_URL", raising=False)
    with pytest.raises(typer.Exit):
        serve(host="127.0.0.1", port=8123, intake_only=True, workers=2)
    assert "needs --intake-only and SPHERE_NATS_URL" in capsys.readouterr().err
    monkeypatch.setenv("SPHERE_NATS_URL", "nats://127.0.0.1:4222")
    serve(host="127.0.0.1", port=8123, intake_only=True, workers=2)
    assert calls[0][0] == "sphere.web.intake_app:create_intake_app_from_env"
    assert calls[0][1]["workers"] == 2
    assert "/cockpit/" not in capsys.readouterr().out


def test_serve_refuses_a_public_address_with_the_placeholder_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer
    import uvicorn

    from sphere.cli.serve import serve

    monkeypatch.delenv("SPHERE_PSEUDONYM_SECRET", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: pytest.fail("must not serve"))
    with pytest.raises(typer.Exit) as exit_info:
        serve(host="0.0.0.0", port=8123, secure_cookies=None, proxy_headers=False)
    assert exit_info.value.exit_code == 2
    assert "SPHERE_PSEUDONYM_SECRET is the public placeholder" in capsys.readouterr().err
