"""Safe defaults (issue 18): the demo refuses prod, a public placeholder secret is refused
on a non-loopback address, the database and key files are created 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sphere.audit.keys import load_audit_keys
from sphere.settings import load_settings
from sphere.storage.db import make_engine


def _sphere(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SPHERE_")}
    return subprocess.run(
        [sys.executable, "-m", "sphere", *args],
        env={**clean, "SPHERE_HOME": str(tmp_path / "home"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_demo_refuses_to_run_in_prod(tmp_path) -> None:
    result = _sphere(
        tmp_path,
        "demo",
        "--size",
        "small",
        "--no-serve",
        SPHERE_ENV="prod",
        SPHERE_PSEUDONYM_SECRET="a-real-secret-of-this-installation",
    )
    assert result.returncode == 2
    assert "refuses to run with SPHERE_ENV=prod" in result.stderr
    assert not (tmp_path / "home" / "sphere.db").exists()


def test_the_placeholder_secret_is_refused_on_a_public_address(tmp_path) -> None:
    result = _sphere(tmp_path, "serve", "--host", "0.0.0.0", "--port", "1")
    assert result.returncode == 2
    assert "refusing to serve on 0.0.0.0" in result.stderr
    assert "Traceback" not in result.stderr


def test_database_and_key_files_are_created_0600(tmp_path) -> None:
    database = tmp_path / "data" / "sphere.db"
    make_engine(f"sqlite:///{database}").dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    settings = load_settings(env="dev", home=tmp_path / "home")
    load_audit_keys(settings)
    for path in (settings.resolved_audit_key_file, settings.resolved_audit_signing_key_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
