"""``sphere demo``: the fictional lens maker, ingested through the real pipeline, served."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sphere.cli._output import fail, is_terminal, print_json
from sphere.cli._runtime import runtime
from sphere.cli.ingest import print_summary
from sphere.demo.run import build_demo, demo_logins
from sphere.errors import SphereError
from sphere.portal import issue_demo_portal_link


def demo(
    size: Annotated[str, typer.Option(help="small (3,000 posts) or full (30,000 posts).")] = "full",
    serve: Annotated[bool, typer.Option(help="Serve the cockpit afterwards.")] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to serve on.")] = 8000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Build the demo company on the configured database and serve it."""
    from sphere.settings import load_settings

    try:
        env = load_settings().env
    except SphereError as exc:
        fail(exc)
    if env == "prod":
        fail(
            "sphere demo refuses to run with SPHERE_ENV=prod: it fills the database with "
            "fictional people and creates staff accounts with a printed password"
        )
    console = Console(stderr=True)
    with (
        runtime() as rt,
        Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            disable=not is_terminal() or as_json,
        ) as bar,
    ):
        tasks: dict[str, int] = {}

        def progress(name: str, line: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=line)

        report = build_demo(rt, size=size, progress=progress)
        home = rt.settings.home
        portal_link = issue_demo_portal_link(rt, base_url=f"http://{host}:{port}")
    if as_json:
        print_json(
            {
                "data_dir": str(report.data_dir),
                "seconds": round(report.seconds, 1),
                "consents_recorded": report.consents_recorded,
                "story": report.story.to_dict(),
                "portal_link": portal_link,
                "summaries": [s.to_dict() for s in report.summaries],
            }
        )
    else:
        for summary in report.summaries:
            print_summary(summary)
        typer.echo(
            f"\ndemo built in {report.seconds:.1f} s under {home} "
            f"(scenario files in {report.data_dir})"
        )
        if report.story.requests:
            typer.echo(
                f"history played: {report.story.measures} approved measure, "
                f"{report.story.campaigns} draft campaign, {report.story.requests} "
                "data-subject requests (two need the DPO now: see Findings)"
            )
        typer.echo(
            "log in to the cockpit as (user / role / password; each account must choose "
            "its own password at the first log-in):"
        )
        for username, role, password in demo_logins():
            typer.echo(f"  {username:<10} {role:<9} {password}")
        typer.echo(f"portal, one-time link for a demo customer (15 minutes): {portal_link}")
        typer.echo(
            "next: `sphere quarantine list`, `sphere audit verify`, "
            "`sphere policy whatif FILE`, `sphere scrub --text '…'`"
        )
    if serve:
        from sphere.cli.serve import serve as serve_command

        # the link printed above is fresh: no second one from serve
        serve_command(
            host=host, port=port, secure_cookies=None, proxy_headers=False, demo_link=False
        )
