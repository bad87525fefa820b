"""sphere policy validate | diff | show — through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sphere.cli.policy import app
from sphere.policy import default_policy_path

runner = CliRunner()
MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"


@pytest.fixture()
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(
        MINIMAL.read_text(encoding="utf-8").replace("art6_1_f", "art6_1_z"), encoding="utf-8"
    )
    return path


def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate", str(MINIMAL)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")
    assert "1 purposes, 1 rules" in result.stdout


def test_validate_json() -> None:
    result = runner.invoke(app, ["validate", str(default_policy_path()), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["version"] == "2026.1" and data["cells"] == 739_200


def test_validate_error_is_one_located_line_and_exit_2(broken: Path) -> None:
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 2
    assert (
        result.stderr == f"error: {broken}:4:18: unknown legal_basis 'art6_1_z' "
        "(one of: art6_1_a, art6_1_b, art6_1_c, art6_1_d, art6_1_e, art6_1_f, art9_2_a, "
        "art9_2_e, art9_2_f)\n"
    )
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_validate_error_json(broken: Path) -> None:
    result = runner.invoke(app, ["validate", str(broken), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["line"] == 4


def test_validate_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "file not found" in result.stderr


def test_diff_readable_and_json(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(
        MINIMAL.read_text(encoding="utf-8").replace("[direct, addressed]", "direct"),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["diff", str(MINIMAL), str(new)])
    assert result.exit_code == 0, result.output
    assert "~ rule care.addressed.when" in result.stdout
    assert "care.addressed (allow) -> default.fail-closed (needs_review)" in result.stdout
    data = json.loads(runner.invoke(app, ["diff", str(MINIMAL), str(new), "--json"]).stdout)
    # addressed cells of customer_care x product_content: 5*1*6*1*4*4*2*2
    assert data["cells_changed"] == 5 * 6 * 4 * 4 * 2 * 2


def test_diff_same_file_says_no_changes() -> None:
    result = runner.invoke(app, ["diff", str(MINIMAL), str(MINIMAL)])
    assert result.exit_code == 0 and "no changes" in result.stdout


def test_diff_with_broken_file_exits_2(broken: Path) -> None:
    result = runner.invoke(app, ["diff", str(MINIMAL), str(broken)])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {broken}:4:18:")


def test_show_default_lists_every_rule_in_order() -> None:
    result = runner.invoke(app, ["show"])
    assert result.exit_code == 0
    assert "1. hr.screening-denied" in result.stdout
    assert "default.fail-closed" in result.stdout
    assert "customer_care: GDPR Art. 6(1)(f)" in result.stdout


def test_show_file_json() -> None:
    result = runner.invoke(app, ["show", str(MINIMAL), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [r["id"] for r in data["policy"]["rules"]] == ["care.addressed"]
