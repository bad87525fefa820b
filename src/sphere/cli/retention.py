"""``sphere retention run [--dry-run] [--json]``."""

from __future__ import annotations

from typing import Annotated

import typer

from sphere.cli._output import fail, print_json
from sphere.cli._runtime import runtime
from sphere.cli.job import run_with_progress
from sphere.errors import SphereError
from sphere.rights.retention import run_retention

app = typer.Typer(help="Purpose-bound retention (GDPR Art. 5(1)(e)).", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Delete or anonymise what is past its retention deadline."""


@app.command("run")
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report, change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Delete what is past its retention (records, derived data, quarantined input,
    expired log-in credentials); idempotent."""
    if dry_run:
        with runtime() as rt, rt.session() as session:
            result = run_retention(
                session, rt.keyring, now=rt.clock.now(), actor="cli", dry_run=True
            ).to_dict()
    else:  # a job (one transaction), with progress; its state is kept in `sphere job`
        try:
            with runtime() as rt:
                result = run_with_progress(rt, "retention", {}, actor="cli", quiet=as_json).result
        except SphereError as exc:
            fail(exc)
    if as_json:
        print_json(result)
        return
    verb = "would delete" if dry_run else "deleted"
    typer.echo(
        f"{verb}: interactions={result['interactions']} events={result['events']} "
        f"attributes={result['attributes']} (inherited={result['inherited']}) "
        f"quarantine={result['quarantine']} credentials={result['credentials']} "
        f"contacts={result['contacts']} (kept by consent: {result['contacts_consenting']})"
    )
