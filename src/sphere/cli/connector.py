"""``sphere connector validate|list|test|dry-run|tasks|retry|requeue``: the connected
systems (docs/connectors.md).

``validate`` reads definitions without connecting; ``test`` connects and checks each
dataset map against the live schema. Without FILE both take every definition of the
connectors directory (setting ``connectors_dir``). ``retry`` runs the erasure tasks whose
back-off has passed (one transaction each; run it from cron or a timer), ``requeue``
gives a dead-lettered system a fresh round after the cause was fixed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.connectors.definition import (
    ConnectorDefinition,
    HttpDefinition,
    ManualDefinition,
    WebhookDefinition,
)
from sphere.connectors.graph import traversal_order
from sphere.connectors.http_system import HttpSystem
from sphere.connectors.loader import definition_files, load_connector
from sphere.connectors.sql import SqlSystem
from sphere.errors import ConnectorError, InvalidInput
from sphere.rights.subject import resolve_subject
from sphere.rights.systems import (
    attempt_task,
    dry_run,
    due_task_ids,
    failures,
    mark_overdue,
    request_tasks,
    requeue,
    subject_identifiers,
)
from sphere.settings import load_settings

app = typer.Typer(help="Connected systems: definitions, health, erasure tasks.",
                  no_args_is_help=True)  # fmt: skip
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Files = Annotated[
    list[Path] | None,
    typer.Argument(help="Definition files (default: every file of the connectors directory)."),
]
ACTOR = "cli"


def _files(files: list[Path] | None) -> list[Path]:
    if files:
        return files
    directory = load_settings().resolved_connectors_dir
    found = definition_files(directory)
    if not found:
        raise InvalidInput(f"no connector definitions in {directory}")
    return found


def _summary(
    definition: ConnectorDefinition | WebhookDefinition | HttpDefinition | ManualDefinition,
) -> dict[str, Any]:
    if isinstance(definition, ManualDefinition):
        return {
            "system": definition.system,
            "name": definition.name,
            "file": definition.source,
            "kind": definition.kind.value,
            "dialect": "manual",
            "tables": [],
            "owner": definition.spec.owner,
            "operations": list(definition.spec.operations),
            "due_days": definition.spec.due_days,
            "max_attempts": definition.retry.max_attempts,
        }
    if isinstance(definition, HttpDefinition):
        return {
            "system": definition.system,
            "name": definition.name,
            "file": definition.source,
            "kind": definition.kind.value,
            "dialect": "http",
            "tables": [definition.resource],
            "url": definition.base_url,
            "operations": [e.operation for e in definition.endpoints],
            "max_attempts": definition.retry.max_attempts,
        }
    if isinstance(definition, WebhookDefinition):
        return {
            "system": definition.system,
            "name": definition.name,
            "file": definition.source,
            "kind": definition.kind.value,
            "dialect": "webhook",
            "tables": [],
            "url": definition.url,
            "events": [e.value for e in definition.events],
            "max_attempts": definition.retry.max_attempts,
        }
    return {
        "system": definition.system,
        "name": definition.name,
        "file": definition.source,
        "kind": definition.kind.value,
        "dialect": definition.connection.dialect.value,
        "tables": [t.name for t in traversal_order(definition)],
        "identities": sorted(
            {f.identity for t in definition.tables for f in t.identities if f.identity}
        ),
        "max_attempts": definition.retry.max_attempts,
    }


@app.command("validate")
def validate(files: Files = None, as_json: JsonFlag = False) -> None:
    """Check definitions (YAML, fields, references, cycles) without connecting."""
    results: list[dict[str, Any]] = []
    errors: list[ConnectorError] = []
    for path in _files(files):
        try:
            results.append({**_summary(load_connector(path)), "ok": True})
        except ConnectorError as exc:
            errors.append(exc)
            results.append({"file": str(path), "ok": False, "error": str(exc)})
    if as_json:
        print_json(results)
    else:
        for r in results:
            if r["ok"]:
                webhook = r["kind"] == "webhook"
                what = (f"webhook to {r['url']} ({', '.join(r['events'])})" if webhook
                        else f"tables {', '.join(r['tables'])}")  # fmt: skip
                if r["kind"] == "http":
                    what = f"HTTP API {r['url']} ({', '.join(r['operations'])})"
                if r["kind"] == "manual":
                    what = f"manual, owner {r['owner']} ({', '.join(r['operations'])})"
                typer.echo(f"{r['file']}: ok — {r['system']}, {what}")
            else:
                typer.echo(r["error"], err=True)
    if errors:
        raise typer.Exit(2)


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """The connected systems of the connectors directory (no connection)."""
    rows = [_summary(load_connector(path)) for path in _files(None)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        what = ", ".join(r["events"]) if r["kind"] == "webhook" else f"{len(r['tables'])} tables"
        if r["kind"] == "http":
            what = ", ".join(r["operations"])
        if r["kind"] == "manual":
            what = f"owner {r['owner']}: {', '.join(r['operations'])}"
        typer.echo(f"{r['system']}\t{r['dialect']}\t{r['name']}\t{what}")


@app.command("test")
def test(files: Files = None, as_json: JsonFlag = False) -> None:
    """Connect to each system and check its dataset map against the live schema."""
    results = []
    for path in _files(files):
        try:
            definition = load_connector(path)
        except ConnectorError as exc:
            results.append({"file": str(path), "status": "invalid", "problems": [str(exc)]})
            continue
        if isinstance(definition, WebhookDefinition | ManualDefinition):  # nothing to connect to
            results.append({"file": str(path), "system": definition.system, "status": "ok",
                            "latency_ms": None, "problems": []})  # fmt: skip
            continue
        system: SqlSystem | HttpSystem = (
            HttpSystem(definition)
            if isinstance(definition, HttpDefinition)
            else SqlSystem(definition, hash_key=b"unused: no erasure here")
        )
        try:
            health = system.health()
        except ConnectorError as exc:
            results.append({"file": str(path), "status": "invalid", "problems": [str(exc)]})
            continue
        finally:
            system.dispose()
        problems = list(health.problems)
        if health.status == "schema_error":  # with file:line:column for each
            problems = [str(p) for p in _schema_problems(path)]
        results.append({"file": str(path), **health.to_dict(), "problems": problems})
    if as_json:
        print_json(results)
    else:
        for r in results:
            latency = f" ({r['latency_ms']} ms)" if r.get("latency_ms") is not None else ""
            typer.echo(f"{r['file']}: {r['status']}{latency}")
            for problem in r["problems"]:
                typer.echo(f"  {problem}", err=True)
    if any(r["status"] != "ok" for r in results):
        raise typer.Exit(2)


def _schema_problems(path: Path) -> list[ConnectorError]:
    definition = load_connector(path)
    assert isinstance(definition, ConnectorDefinition)  # only SQL systems have a schema
    system = SqlSystem(definition, hash_key=b"unused: no erasure here")
    try:
        return system.check_schema()
    finally:
        system.dispose()


@app.command("dry-run")
def dry_run_(
    subject: Annotated[
        str, typer.Option(help="E-mail, +phone, channel:handle, customer number or id.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """What an erasure of the person would change in each connected system (nothing is changed)."""
    with runtime() as rt:
        systems = rt.connected_systems()

        def run(session: Any) -> list[dict[str, Any]]:
            contact = resolve_subject(session, rt.keyring, subject, actor=ACTOR, at=rt.clock.now())
            return dry_run(systems, subject_identifiers(session, rt.keyring, contact.id))

        result = call_service(rt, run)
    if as_json:
        print_json(result)
        return
    for system in result:
        if system["status"] != "ok":
            typer.echo(f"{system['system']}: {system['reason']}")
            continue
        typer.echo(f"{system['system']}: {system['matched']} rows would be affected")
        for t in system["tables"]:
            kept = ", ".join(t["kept"]) or "-"
            typer.echo(f"  {t['table']}: matched {t['matched']}, delete {t['deleted']}, "
                       f"update {t['updated']}; kept: {kept}")  # fmt: skip


@app.command("tasks")
def tasks(
    request_id: Annotated[str | None, typer.Option("--request", help="The request id.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Per-system status of a request; without --request, every failed or dead-lettered task."""
    with runtime() as rt, rt.session() as session:
        found = request_tasks(session, request_id) if request_id else failures(session)
        rows = [t.to_dict() for t in found]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        error = f" — {r['last_error']}" if r["last_error"] else ""
        typer.echo(f"{_owner(r)}\t{r['system']}\t{r['state']}\t{r['attempts']}/"
                   f"{r['max_attempts']}{error}")  # fmt: skip


def _owner(row: dict[str, Any]) -> str:
    """The request a task belongs to, or ``event:<id>`` for a consent change outside one."""
    return str(row["request_id"] or f"event:{row.get('event_id')}")


@app.command("retry")
def retry(as_json: JsonFlag = False) -> None:
    """Attempt every task whose back-off has passed (one transaction each), after making
    manual tasks past their due date dead letters."""
    with runtime() as rt:
        systems = rt.connected_systems()
        now = rt.clock.now()
        with rt.session() as session:
            mark_overdue(session, at=now, actor=ACTOR)
        with rt.session() as session:
            due = due_task_ids(session, at=now)
        rows = []
        for task_id in due:
            with rt.session() as session:
                task = attempt_task(session, rt.keyring, systems, task_id, at=now, actor=ACTOR)
                rows.append(task.to_dict())
    if as_json:
        print_json(rows)
        return
    typer.echo(f"{len(rows)} task(s) attempted")
    for r in rows:
        typer.echo(f"{_owner(r)}\t{r['system']}\t{r['state']}\t{r['attempts']}")


@app.command("requeue")
def requeue_(
    request_id: Annotated[str, typer.Option("--request", help="The request id.")],
    system: Annotated[str, typer.Option(help="The system whose task is dead-lettered.")],
    as_json: JsonFlag = False,
) -> None:
    """Give a dead-lettered system a fresh round of attempts (after fixing the cause)."""
    with runtime() as rt:
        systems = rt.connected_systems()
        task = call_service(
            rt,
            lambda s: requeue(s, systems, request_id, system, at=rt.clock.now(), actor=ACTOR),
        )
    if as_json:
        print_json(task.to_dict())
    else:
        typer.echo(f"{system}: {task.state}; run `sphere connector retry`")
