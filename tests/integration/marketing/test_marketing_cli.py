"""``sphere measure …``, ``sphere campaign …`` and ``sphere profile explain`` against a real
database, through the Typer apps the lead registers in ``cli/app.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sphere.cli.campaign import app as campaign_app
from sphere.cli.measure import app as measure_app
from sphere.cli.profile import app as profile_app
from sphere.domain import Purpose
from sphere.errors import InvalidInput
from sphere.runtime import Runtime
from tests.conftest import TEST_MASTER_KEY, TEST_PSEUDONYM_SECRET
from tests.integration.marketing.conftest import TELE_POSTS, Hook, seed_contact
from tests.integration.marketing.test_campaigns import NEWSLETTER, OFFER


@pytest.fixture
def cli_env(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setenv("SPHERE_ENV", "test")
    monkeypatch.setenv("SPHERE_HOME", str(rt.settings.home))
    monkeypatch.setenv("SPHERE_DATABASE_URL", rt.settings.resolved_database_url)
    monkeypatch.setenv("SPHERE_MASTER_KEY", TEST_MASTER_KEY)
    monkeypatch.setenv("SPHERE_PSEUDONYM_SECRET", TEST_PSEUDONYM_SECRET)
    return rt


def _json(app, args: list[str]) -> object:  # noqa: ANN001
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_measure_and_campaign_commands(
    cli_env: Runtime,
    tmp_path: Path,
    hook_server: tuple[str, type[Hook]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, handler = hook_server
    anna = seed_contact(
        cli_env,
        email="anna.beispiel@example.com",
        posts=TELE_POSTS,
        consents=[Purpose.DIRECT_MARKETING, Purpose.PROFILING],
    )
    seed_contact(cli_env, email="ben.muster@example.org")
    measure = tmp_path / "measure.json"
    measure.write_text(
        json.dumps({**NEWSLETTER, "name": "sync", "channel": "webhook"}), encoding="utf-8"
    )

    checked = _json(measure_app, ["check", str(measure)])
    assert (checked["verdict"], checked["eligible"], checked["total"]) == (
        "can_run_for_subset",
        1,
        2,
    )
    submitted = _json(measure_app, ["submit", str(measure), "--actor", "mkt"])
    assert submitted["state"] == "approved" and submitted["processing_activity_id"]
    assert [m["name"] for m in _json(measure_app, ["list"])] == ["sync"]

    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(
        "name: c1\nmeasure: sync\noffer:\n"
        f"  subject: {OFFER['subject']}\n  body: {OFFER['body']}\n",
        encoding="utf-8",
    )
    assert _json(campaign_app, ["create", str(campaign)])["state"] == "draft"
    dry = _json(campaign_app, ["dry-run", "c1"])
    assert [line["contact_id"] for line in dry["reached"]] == [anna]
    assert [line["code"] for line in dry["not_reached"]] == ["consent.missing"]
    monkeypatch.setenv("SPHERE_WEBHOOK_SECRET", "cli-test-secret-0123456789")
    ran = _json(campaign_app, ["run", "c1", "--webhook-url", url])
    assert [line["status"] for line in ran["reached"]] == ["sent"]
    assert len(handler.received) == 1
    listed = _json(campaign_app, ["list"])
    assert listed[0]["sends"] == {"sent": 1, "refused": 1, "failed": 0}

    enriched = _json(profile_app, ["enrich", "--subject", anna])
    assert enriched["refusal"] is None and enriched["legal_basis"] == "art6_1_a"
    explained = _json(profile_app, ["explain", "--subject", anna])
    assert {a["name"] for a in explained["attributes"]} >= {"interest", "sentiment", "churn_risk"}
    assert explained["sends"][0]["status"] == "sent"
    text = CliRunner().invoke(profile_app, ["explain", "--subject", anna])
    assert "interested in telephoto lenses" in text.stdout


def test_bad_measure_file_is_an_invalid_input_naming_the_field(
    cli_env: Runtime, tmp_path: Path
) -> None:
    """``cli.app.main`` turns a SphereError into one line on stderr and exit code 2."""
    measure = tmp_path / "bad.json"
    measure.write_text(json.dumps({**NEWSLETTER, "purpose": "world_domination"}), encoding="utf-8")
    result = CliRunner().invoke(measure_app, ["check", str(measure)])
    assert isinstance(result.exception, InvalidInput)
    assert str(result.exception).startswith("measure.purpose: unknown value")
