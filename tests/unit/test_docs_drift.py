"""Docs-drift tests (STYLE.md §12): the documentation names what the code ships.

* every ``sphere`` command and sub-command (walked from ``build_app()``) is in
  ``docs/cli.md``, and its generated reference is current (``scripts/gen_cli_docs.py``);
* every ``bench/*.py`` script is mentioned in ``docs/benchmarks.md``.

Settings vs ``docs/configuration.md`` are checked by ``tests/unit/test_settings.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI_DOC = ROOT / "docs" / "cli.md"
BENCH_DOC = ROOT / "docs" / "benchmarks.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts/gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()
ROOT_COMMAND = GEN.command_tree()


def _all_paths(command: object, path: tuple[str, ...] = ()) -> list[str]:
    """Every group and leaf below the root, e.g. ``dsr`` and ``dsr access``."""
    out = [" ".join(path)] if path else []
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        out += _all_paths(sub, (*path, name))
    return out


PATHS = _all_paths(ROOT_COMMAND)


def test_the_command_tree_is_walked() -> None:
    assert {"dsr", "dsr access", "ingest", "policy validate", "version"} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=str)
def test_every_command_is_documented_in_cli_md(path: str) -> None:
    assert f"`sphere {path}`" in CLI_DOC.read_text(encoding="utf-8"), (
        f"`sphere {path}` is not in docs/cli.md: run python scripts/gen_cli_docs.py"
    )


def test_every_command_has_a_hand_written_example() -> None:
    leaves = {path for path, _ in GEN.leaves(ROOT_COMMAND)}
    assert leaves - set(GEN.EXAMPLES) == set(), "add an example to scripts/gen_cli_docs.py"
    assert set(GEN.EXAMPLES) - leaves == set(), "example for a command that no longer exists"


def test_the_generated_reference_is_current() -> None:
    text = CLI_DOC.read_text(encoding="utf-8")
    assert GEN.updated(text, GEN.render(ROOT_COMMAND)) == text, (
        "docs/cli.md is out of date: run python scripts/gen_cli_docs.py"
    )


@pytest.mark.parametrize(
    "script", sorted(p.name for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
)
def test_every_benchmark_script_is_in_benchmarks_md(script: str) -> None:
    assert script in BENCH_DOC.read_text(encoding="utf-8"), f"bench/{script} not in {BENCH_DOC}"
