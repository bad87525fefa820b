"""``sphere ingest FILE... --source NAME``: run files through the policy-gated pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from sphere.cli._output import is_terminal, print_json
from sphere.cli._runtime import runtime
from sphere.pipeline.runner import ingest_file
from sphere.pipeline.summary import IngestSummary
from sphere.runtime import freeze_long_lived


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def print_summary(summary: IngestSummary) -> None:
    """The outcome per addressing as a table, never truncated: rich sizes tables to the
    terminal (80 columns when the output is a pipe or a log), so the console is widened
    to the table's natural width ("pseudonymi…" and "private_con…" were cut)."""
    from rich.console import Console  # rich only for the table: --json never loads it
    from rich.measure import Measurement
    from rich.table import Table

    data = summary.to_dict()
    table = Table(title=f"ingested from source {summary.source!r} in {data['seconds']} s")
    dispositions = list(data["totals"])
    table.add_column("addressing")
    for name in dispositions:
        table.add_column(name.replace("_", " "), justify="right")
    for addressing, row in data["by_addressing"].items():
        table.add_row(addressing, *[str(row.get(d, 0)) for d in dispositions])
    table.add_row("total", *[str(data["totals"][d]) for d in dispositions], style="bold")
    console = Console(soft_wrap=True)
    needed = Measurement.get(console, console.options.update_width(1000), table).maximum
    if needed > console.width:
        console = Console(soft_wrap=True, width=needed)
    console.print(table)
    console.print(
        f"duplicates skipped: {summary.duplicates} · platform deletions: {summary.deletions}"
        f" · edits: {summary.edits} · contacts imported: {summary.contacts_imported}"
        f" · events: {summary.events} · company posts: {summary.company_posts}"
    )
    for finding, n in summary.notes.most_common():
        console.print(f"note ({n}×): {finding}", markup=False)
    for note in summary.quarantine[:10]:
        console.print(f"quarantined {note.file}:{note.line}: {note.reason}", markup=False)
    if summary.quarantine_total > 10:
        console.print(f"… and {summary.quarantine_total - 10} more: `sphere quarantine list`")


def _publish(files: list[Path], source: str, *, as_json: bool) -> None:
    # Imported here: the stream client (nats) is start-up cost `sphere ingest` without
    # --via-stream does not need.
    from sphere.intake.files import publish_file

    results = []
    with runtime() as rt:
        for path in files:
            results.append(asyncio.run(publish_file(rt, path, source_name=source)).as_dict())
    if as_json:
        print_json(results)
        return
    for result in results:
        typer.echo(
            f"{result['file']}: published {result['published']} records to the stream "
            f"({result['duplicates']} duplicates dropped, {result['quarantined']} quarantined)"
        )


def ingest(
    files: Annotated[list[Path], typer.Argument(help="JSONL, JSON or CSV files.")],
    source: Annotated[str, typer.Option("--source", help="A registered source name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    via_stream: Annotated[
        bool,
        typer.Option(
            "--via-stream",
            help="Publish the records to the intake stream (SPHERE_NATS_URL) for "
            "`sphere worker` instead of processing them here.",
        ),
    ] = False,
) -> None:
    """Ingest FILES from SOURCE; prints a summary per addressing class and outcome."""
    if via_stream:
        _publish(files, source, as_json=as_json)
        return
    summary = IngestSummary(source=source)
    with runtime() as rt:
        ctx = rt.pipeline_context()
        freeze_long_lived(ctx)  # the analyzer's model is never garbage: stop re-scanning it
        show_progress = is_terminal() and not as_json
        with _progress(show_progress) as progress:
            for path in files:
                total = _count_lines(path) if show_progress and path.is_file() else None
                task = progress.add_task(path.name, total=total) if progress else None
                ingest_file(
                    rt.factory,
                    ctx,
                    path,
                    source_name=source,
                    summary=summary,
                    progress=(
                        (lambda line, t=task: progress.update(t, completed=line))
                        if progress
                        else None
                    ),
                )
    if as_json:
        print_json(summary.to_dict())
    else:
        print_summary(summary)


@contextmanager
def _progress(show: bool) -> Iterator[Any]:
    """A progress bar on a terminal; nothing (and no rich import: about 50 ms of every
    `sphere ingest --json` start-up) otherwise."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} lines"),
        TimeElapsedColumn(),
        transient=True,
    ) as progress:
        yield progress
