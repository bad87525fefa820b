"""``sphere joint list|set``: joint controllership with the platforms (GDPR Art. 26):
per registered source the arrangement (date, parties, who answers which right, contact
point, its essence in German and English) or why none is needed; a platform with page
statistics and no arrangement is listed as missing (and is a finding)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.governance.breach import BreachInputError
from sphere.governance.joint import (
    RIGHTS,
    ArrangementDraft,
    arrangement_dict,
    joint_overview,
    save_arrangement,
    status_dict,
)

app = typer.Typer(help="Joint controllers (Art. 26): arrangements per source.",
                  no_args_is_help=True)  # fmt: skip
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Every registered source with its arrangement, or why none is needed, or 'missing'."""
    with runtime() as rt:
        rows = call_service(rt, lambda s: [status_dict(x) for x in joint_overview(s)])
    if as_json:
        print_json(rows)
        return
    for row in rows:
        found = row["arrangement"] or {}
        title = f"  {found.get('title')} ({found.get('agreed_on', '')[:10]})" if found.get(
            "title") else ""  # fmt: skip
        typer.echo(f"{row['source']}  {row['state']}  {row['platform']}{title}")


@app.command("set")
def set_(
    source: Annotated[str, typer.Argument(help="The registered source.")],
    platform: Annotated[str, typer.Option(help="The other controller.")] = "",
    title: Annotated[str, typer.Option(help="The arrangement's name.")] = "",
    agreed_on: Annotated[str, typer.Option(help="Concluded or accepted on (2025-06-02).")] = "",
    url: Annotated[str, typer.Option(help="https:// address of its text.")] = "",
    contact: Annotated[str, typer.Option(help="Contact point for the people.")] = "",
    right: Annotated[
        list[str] | None,
        typer.Option(help=f"RIGHT=PARTY (platform, company, both); rights: {', '.join(RIGHTS)}."),
    ] = None,
    essence_en: Annotated[str, typer.Option(help="Its essence in English (Art. 26(2)).")] = "",
    essence_de: Annotated[str, typer.Option(help="Its essence in German.")] = "",
    not_needed: Annotated[
        bool, typer.Option("--not-needed", help="None is needed (say why in the essence).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Record (or replace) a source's arrangement; a refused field saves nothing."""
    day = None
    if agreed_on:
        try:
            day = datetime.fromisoformat(agreed_on).replace(tzinfo=UTC)
        except ValueError:
            raise BreachInputError("agreed_on", "a date such as 2025-06-02") from None
    rights = dict(pair.partition("=")[::2] for pair in right or ())
    draft = ArrangementDraft(
        source=source, needed=not not_needed, platform=platform, title=title, agreed_on=day,
        url=url, contact_point=contact, rights=rights, essence_en=essence_en,
        essence_de=essence_de,
    )  # fmt: skip
    with runtime() as rt:
        data = call_service(rt, lambda s: arrangement_dict(
            save_arrangement(s, draft, actor="cli", at=rt.clock.now())))  # fmt: skip
    if as_json:
        print_json(data)
        return
    typer.echo(f"{source}: arrangement saved")
