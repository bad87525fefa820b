"""The CLI contract (issue 2): every command that reports accepts ``--json``; a user
mistake gives exactly one ``error:`` line on stderr and a non-zero exit, never a traceback.

The mistakes run through ``python -m sphere`` in subprocesses (started together, so the
module stays fast), with a fresh ``SPHERE_HOME`` and no inherited ``SPHERE_*`` variables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from sphere.cli.app import build_app, main

# Leaf command names that report something; each must take --json.
REPORTING_VERBS = frozenset(
    {
        "list", "show", "verify", "current", "diff", "validate", "access", "due", "explain",
        "check", "dry-run", "whatif", "receipt", "export",
    }
)  # fmt: skip
# Leaves without --json, and why; a new command must take --json or be listed here.
WITHOUT_JSON = {
    "db upgrade": "changes the schema; prints the reached revision (`db current --json`)",
    "db downgrade": "changes the schema; prints the reached revision (`db current --json`)",
    "audit checkpoint": "an action; prints the checkpoint file it wrote",
    "audit keys": "prints two key ids (never the keys); --generate creates key files",
    "breach draft": "the drafted letter is the output (`breach show --json` has the facts)",
    "dpia pdf": "writes the PDF file (`dpia show --json` has the content)",
    "scrub": "a filter: the scrubbed text is the output (stdin to stdout)",
    "serve": "runs the web server",
    "staff add": "interactive (asks for a password)",
    "staff token": "prints the secret token once, nothing else",
    "staff revoke": "an action with nothing to report",
    "version": "prints the version string",
}


def _leaves(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, object]]:
    # Typer >= 0.20 ships its own Click copy, so duck-type groups instead of isinstance.
    commands = getattr(command, "commands", None)
    if commands is None:
        yield " ".join(path), command
        return
    for name, sub in sorted(commands.items()):
        yield from _leaves(sub, (*path, name))


def _options(command: object) -> set[str]:
    return {opt for param in getattr(command, "params", []) for opt in getattr(param, "opts", [])}


LEAVES = dict(_leaves(typer.main.get_command(build_app())))


def test_the_tree_is_walked() -> None:
    assert {"ingest", "dsr access", "policy validate", "source list", "audit verify"} <= set(LEAVES)


@pytest.mark.parametrize(
    "path", sorted(p for p in LEAVES if p.split()[-1] in REPORTING_VERBS), ids=str
)
def test_reporting_commands_accept_json(path: str) -> None:
    assert "--json" in _options(LEAVES[path]), f"`sphere {path}` reports but has no --json"


def test_every_other_command_takes_json_or_says_why_not() -> None:
    without = {p for p, command in LEAVES.items() if "--json" not in _options(command)}
    assert without == set(WITHOUT_JSON)


# Run as ``python -m sphere`` (the path a person takes). name -> (arguments, extra
# environment); ``{tmp}`` is the test's directory, where ``posts.jsonl`` is a valid file
# and ``broken.yaml`` holds YAML that does not parse.
US_WITHOUT_MECHANISM = ("recipient", "add", "HelpDesk", "--role", "processor", "--country", "US",
                        "--purpose", "customer_care", "--agreement-date", "2025-09-15")  # fmt: skip
MISTAKES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    # a source that was never registered
    "ingest-unknown-source": (("ingest", "--source", "nosuch", "{tmp}/posts.jsonl"), {}),
    # a file that does not exist
    "ingest-missing-file": (("ingest", "--source", "nosuch", "{tmp}/missing.jsonl"), {}),
    # an unclosed flow sequence
    "policy-validate-malformed": (("policy", "validate", "{tmp}/broken.yaml"), {}),
    # an identifier that matches nobody
    "dsr-access-unknown-subject": (("dsr", "access", "--subject", "nobody@example.com"), {}),
    # a transfer to the US without a mechanism (Art. 44)
    "recipient-add-transfer-without-mechanism": (US_WITHOUT_MECHANISM, {}),
    # an arrangement for a source that was never registered (Art. 26)
    "joint-set-unknown-source": (("joint", "set", "nosuch", "--platform", "X"), {}),
    # nothing listens on port 1
    "source-list-bad-database-url": (
        ("source", "list"),
        {"SPHERE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"},
    ),
}
# Usage mistakes, run in-process through ``main`` (cheaper than a subprocess each).
USAGE_MISTAKES: dict[str, tuple[str, ...]] = {
    "unknown-option": ("source", "list", "--nope"),
    "unknown-command": ("nope",),
    "missing-argument": ("policy", "validate"),
    "missing-file": ("policy", "validate", "{tmp}/missing.yaml"),
    "bad-choice": ("dsr", "open", "--subject", "nobody@example.com", "--type", "bogus"),
    "unknown-revision": ("db", "downgrade", "zzz"),  # Alembic's error, not a traceback
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """Run every mistake at once; (exit code, stderr) per case."""
    tmp = tmp_path_factory.mktemp("cli-contract")
    (tmp / "posts.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp / "broken.yaml").write_text("purposes: [\n", encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith("SPHERE_")}
    running = {}
    for name, (args, extra) in MISTAKES.items():
        home = tmp / name
        home.mkdir()
        running[name] = subprocess.Popen(
            [sys.executable, "-m", "sphere", *(a.format(tmp=tmp) for a in args)],
            env={**base, "SPHERE_HOME": str(home), **extra},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    for name, process in running.items():
        _, stderr = process.communicate(timeout=300)
        results[name] = (process.returncode, stderr)
    return results


def _assert_one_error_line(code: int, stderr: str) -> None:
    assert code != 0
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_a_user_mistake_gives_one_error_line_and_no_traceback(
    outcomes: dict[str, tuple[int, str]], case: str
) -> None:
    _assert_one_error_line(*outcomes[case])


def test_a_bad_database_url_does_not_leak_the_user_name(
    outcomes: dict[str, tuple[int, str]],
) -> None:
    _, stderr = outcomes["source-list-bad-database-url"]
    assert "nobody" not in stderr


@pytest.mark.parametrize("case", sorted(USAGE_MISTAKES))
def test_a_usage_mistake_gives_one_error_line(
    case: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key in [k for k in os.environ if k.startswith("SPHERE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("SPHERE_HOME", str(tmp_path))
    args = [a.format(tmp=tmp_path) for a in USAGE_MISTAKES[case]]
    with pytest.raises(SystemExit) as exited:
        main(args)
    code = exited.value.code
    _assert_one_error_line(code if isinstance(code, int) else 1, capsys.readouterr().err)
