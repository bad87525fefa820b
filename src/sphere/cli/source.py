"""``sphere source add|list|remove``: the inventory of channel sources."""

from __future__ import annotations

from typing import Annotated

import typer

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.domain import Channel, Collection
from sphere.governance.sources import add_source, list_sources, remove_source

app = typer.Typer(help="Register, list and remove channel sources.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _source_dict(source) -> dict[str, object]:  # noqa: ANN001
    return {
        "name": source.name,
        "channel": source.channel.value,
        "collection": source.collection.value,
        "accounts": list(source.accounts),
        "description": source.description,
        "created_at": source.created_at.isoformat(),
    }


@app.command("add")
def add(
    name: str,
    channel: Annotated[str, typer.Option(help=f"One of: {', '.join(c.value for c in Channel)}")],
    collection: Annotated[
        str, typer.Option(help=f"How data is collected: {', '.join(c.value for c in Collection)}")
    ] = "official_api",
    account: Annotated[
        list[str] | None,
        typer.Option("--account", help="A company account this source covers (repeatable)."),
    ] = None,
    description: str = "",
    as_json: JsonFlag = False,
) -> None:
    """Register source NAME."""
    with runtime() as rt, rt.session() as session:
        source = add_source(
            session,
            name,
            channel=channel,
            collection=collection,
            accounts=account or (),
            description=description,
            actor="cli",
            at=rt.clock.now(),
        )
        data = _source_dict(source)
    if as_json:
        print_json(data)
    else:
        typer.echo(f"source {name!r} added ({data['channel']}, {data['collection']})")


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List registered sources."""
    with runtime() as rt, rt.session() as session:
        rows = [_source_dict(s) for s in list_sources(session)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no sources registered; add one with `sphere source add`")
    for row in rows:
        accounts = ", ".join(row["accounts"]) or "-"  # type: ignore[arg-type]
        typer.echo(f"{row['name']:<20} {row['channel']:<9} {row['collection']:<13} {accounts}")


@app.command("remove")
def remove(name: str, as_json: JsonFlag = False) -> None:
    """Remove source NAME from the inventory (stored records stay, with their source)."""
    with runtime() as rt, rt.session() as session:
        remove_source(session, name, actor="cli", at=rt.clock.now())
    if as_json:
        print_json({"removed": name})
    else:
        typer.echo(f"source {name!r} removed")
