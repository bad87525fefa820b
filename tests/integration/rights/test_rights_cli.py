"""``sphere dsr|consent|notices|retention`` end to end through Typer (one backend each)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sphere.cli import consent, dsr, notices, retention
from sphere.domain import FrozenClock
from sphere.governance.sources import add_source
from sphere.runtime import open_runtime
from sphere.settings import load_settings
from tests.conftest import TEST_MASTER_KEY, TEST_PSEUDONYM_SECRET
from tests.factories import COMPANY_YAML
from tests.integration.rights.scenario import EMAIL, seed_customer


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, migrated_db_url: str, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "company.yaml").write_text(COMPANY_YAML, encoding="utf-8")
    for name, value in {
        "SPHERE_ENV": "test",
        "SPHERE_HOME": str(home),
        "SPHERE_DATABASE_URL": migrated_db_url,
        "SPHERE_MASTER_KEY": TEST_MASTER_KEY,
        "SPHERE_PSEUDONYM_SECRET": TEST_PSEUDONYM_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    rt = open_runtime(load_settings(), clock=FrozenClock())
    try:
        with rt.session() as session:
            for source, channel, collection in (
                ("masto", "mastodon", "official_api"),
                ("crm", "crm", "export"),
            ):
                add_source(
                    session,
                    source,
                    channel=channel,
                    collection=collection,
                    actor="t",
                    at=rt.clock.now(),
                )
        seed_customer(rt, tmp_path)
    finally:
        rt.close()
    return tmp_path


def _json(result) -> object:  # noqa: ANN001
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_request_workflow_through_the_cli(cli_env: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(dsr.app, ["open", "--subject", "nobody@example.net"])
    assert unknown.exit_code == 2 and "unknown_subject" in unknown.output

    opened = _json(
        runner.invoke(dsr.app, ["open", "--subject", EMAIL, "--type", "portability", "--json"])
    )
    rid = opened["id"]
    refused = runner.invoke(
        dsr.app, ["export", "--subject", EMAIL, "--out", str(cli_env / "x.zip")]
    )
    assert refused.exit_code == 2 and "not_verified" in refused.output
    code = _json(runner.invoke(dsr.app, ["verify", "--request", rid, "--json"]))["code"]
    verified = _json(runner.invoke(dsr.app, ["verify", "--request", rid, "--code", code, "--json"]))
    assert verified["state"] == "identity_verified"
    out = cli_env / "export.zip"
    _json(runner.invoke(dsr.app, ["export", "--subject", EMAIL, "--out", str(out), "--json"]))
    names = zipfile.ZipFile(io.BytesIO(out.read_bytes())).namelist()
    assert "summary.html" in names and "data.json" in names
    listed = _json(runner.invoke(dsr.app, ["list", "--json"]))
    assert listed[0]["state"] == "completed"

    bad = runner.invoke(consent.app, ["grant", "--subject", EMAIL, "--purpose", "mind_reading"])
    assert bad.exit_code == 2 and "unknown_purpose" in bad.output
    given = _json(
        runner.invoke(
            consent.app, ["grant", "--subject", EMAIL, "--purpose", "profiling", "--json"]
        )
    )
    assert given["purpose"] == "profiling"
    states = _json(runner.invoke(consent.app, ["list", "--subject", EMAIL, "--json"]))
    assert any(s["purpose"] == "profiling" and s["state"] == "given" for s in states)
    receipt = _json(
        runner.invoke(consent.app, ["receipt", "--subject", EMAIL, "--record", given["id"]])
    )
    assert receipt["@type"] == "dpv:ConsentRecord"

    due = _json(runner.invoke(notices.app, ["due", "--json"]))
    assert len(due) == 1
    sent = _json(
        runner.invoke(
            notices.app,
            [
                "send",
                "--controller",
                "Optiklinse GmbH",
                "--controller-contact",
                "datenschutz@example.com",
                "--authority",
                "BlnBDI",
                "--out-dir",
                str(cli_env / "out"),
                "--json",
            ],
        )
    )
    assert sent[0]["language"] == "de" and Path(sent[0]["file"]).is_file()
    dry = _json(runner.invoke(retention.app, ["run", "--dry-run", "--json"]))
    assert dry["dry_run"] is True

    erasure = _json(
        runner.invoke(dsr.app, ["open", "--subject", EMAIL, "--type", "erasure", "--json"])
    )
    code = _json(runner.invoke(dsr.app, ["verify", "--request", erasure["id"], "--json"]))["code"]
    _json(runner.invoke(dsr.app, ["verify", "--request", erasure["id"], "--code", code, "--json"]))
    erased = _json(runner.invoke(dsr.app, ["erase", "--request", erasure["id"], "--json"]))
    assert erased["interactions"] == 2 and any(k["table"] == "consents" for k in erased["kept"])
    gone = runner.invoke(dsr.app, ["open", "--subject", EMAIL])
    assert gone.exit_code == 2 and "unknown_subject" in gone.output
