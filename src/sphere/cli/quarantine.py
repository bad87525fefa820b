"""``sphere quarantine list|show|retry|drop``."""

from __future__ import annotations

from typing import Annotated

import typer

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.pipeline.quarantine import drop_item, list_items, retry_item, show_item

app = typer.Typer(
    help="Inspect and resolve records that could not be ingested.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _item_dict(item, *, payload: bool = False) -> dict[str, object]:  # noqa: ANN001
    data: dict[str, object] = {
        "id": item.id,
        "source": item.source_name,
        "file": item.file,
        "line": item.line,
        "reason": item.reason,
        "created_at": item.created_at.isoformat(),
    }
    if payload:
        data["payload"] = item.payload
    return data


@app.command("list")
def list_(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: int = 100,
    as_json: JsonFlag = False,
) -> None:
    """List pending quarantine items, oldest first."""
    with runtime() as rt, rt.session() as session:
        items = [
            _item_dict(i) for i in list_items(session, rt.keyring, source_name=source, limit=limit)
        ]
    if as_json:
        print_json(items)
        return
    if not items:
        typer.echo("quarantine is empty")
    for i in items:
        typer.echo(f"{i['id']}  {i['source']}  {i['file']}:{i['line']}  {i['reason']}")


@app.command("show")
def show(item_id: str, as_json: JsonFlag = False) -> None:
    """Show one item with its payload (decrypted; it may hold personal data)."""
    with runtime() as rt, rt.session() as session:
        data = _item_dict(show_item(session, rt.keyring, item_id), payload=True)
    if as_json:
        print_json(data)
    else:
        for key, value in data.items():
            typer.echo(f"{key}: {value}")


@app.command("retry")
def retry(item_id: str, as_json: JsonFlag = False) -> None:
    """Run the item through the pipeline again."""
    with runtime() as rt, rt.session() as session:
        result = retry_item(session, rt.pipeline_context(), item_id)
    if as_json:
        print_json({"id": result.item_id, "ok": result.ok, "reason": result.reason})
    elif result.ok:
        typer.echo(f"{item_id}: processed")
    else:
        typer.echo(f"{item_id}: quarantined again: {result.reason}")


@app.command("drop")
def drop(item_id: str, as_json: JsonFlag = False) -> None:
    """Delete the item; its payload key is destroyed."""
    with runtime() as rt, rt.session() as session:
        drop_item(session, rt.keyring, item_id, actor="cli", at=rt.clock.now())
    if as_json:
        print_json({"dropped": item_id})
    else:
        typer.echo(f"{item_id}: dropped")
