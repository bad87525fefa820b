"""``sphere measure check|submit|approve|reject|list``: plan a measure, record the DPO's call.

A measure is described in a YAML or JSON file (see ``sphere.marketing.measures``).
``check`` answers without storing anything; ``submit`` stores the measure with its check
(approved by the policy, rejected, or waiting for the DPO); ``approve``/``reject`` record
the DPO's decision with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.errors import InvalidInput
from sphere.marketing.measures import (
    approve,
    check_stored,
    list_measures,
    measure_dict,
    parse_measure,
    reject,
    result_dict,
    submit,
)

app = typer.Typer(help="Plan measures and record the DPO's decision.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
FileArg = Annotated[Path, typer.Argument(help="The measure as YAML or JSON.")]
Actor = Annotated[str, typer.Option("--actor", help="Who acts (staff account or role).")]


def read_document(path: Path) -> Any:
    """Load a YAML/JSON document (JSON is YAML); errors name the file, not its content."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{path.name}: cannot read ({exc.strerror})") from None
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path.name}: invalid JSON at line {exc.lineno}") from None
    try:
        return _plain(YAML(typ="safe").load(text))
    except YAMLError:
        raise InvalidInput(f"{path.name}: invalid YAML") from None


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _print_result(data: dict[str, Any]) -> None:
    typer.echo(
        f"{data['measure']}: {data['verdict']} ({data['eligible']} of {data['total']} contacts)"
    )
    for reason in data["reasons"]:
        article = f" ({reason['article']})" if reason["article"] else ""
        typer.echo(f"- {reason['text']}{article}")


@app.command("check")
def check(file: FileArg, as_json: JsonFlag = False) -> None:
    """Run the planning check against the stored contacts; stores nothing."""
    spec = parse_measure(read_document(file))
    with runtime() as rt, rt.session() as session:
        data = result_dict(check_stored(session, rt.keyring, rt.policy(), spec, now=rt.clock.now()))
    print_json(data) if as_json else _print_result(data)


@app.command("submit")
def submit_(file: FileArg, actor: Actor = "cli", as_json: JsonFlag = False) -> None:
    """Check and store a measure; it is approved, rejected or waits for the DPO."""
    document = read_document(file)
    with runtime() as rt, rt.session() as session:
        record, _ = submit(
            session, rt.keyring, rt.policy(), document, actor=actor, now=rt.clock.now()
        )
        data = measure_dict(record)
    if as_json:
        print_json(data)
        return
    _print_result(data["check"])
    typer.echo(f"state: {data['state']}")


def _decide(name: str, reason: str, actor: str, as_json: bool, *, approved: bool) -> None:
    with runtime() as rt, rt.session() as session:
        decide = approve if approved else reject
        record = decide(session, rt.policy(), name, actor=actor, reason=reason, now=rt.clock.now())
        data = measure_dict(record)
    if as_json:
        print_json(data)
    else:
        typer.echo(f"measure {data['name']!r}: {data['state']} by {data['dpo_actor']}")


@app.command("approve")
def approve_(
    name: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded and audited).")],
    actor: Actor = "dpo",
    as_json: JsonFlag = False,
) -> None:
    """Record the DPO's approval of submitted measure NAME."""
    _decide(name, reason, actor, as_json, approved=True)


@app.command("reject")
def reject_(
    name: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded and audited).")],
    actor: Actor = "dpo",
    as_json: JsonFlag = False,
) -> None:
    """Record the DPO's rejection of submitted measure NAME."""
    _decide(name, reason, actor, as_json, approved=False)


@app.command("list")
def list_(
    state: Annotated[str | None, typer.Option(help="draft|submitted|approved|rejected")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List measures with their state and verdict."""
    with runtime() as rt, rt.session() as session:
        rows = [measure_dict(m) for m in list_measures(session, state=state)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no measures on record")
    for row in rows:
        typer.echo(
            f"{row['name']:<30} {row['state']:<10} {row['verdict'] or '-':<20} "
            f"{row['eligible']}/{row['total']}"
        )
