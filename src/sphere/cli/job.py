"""``sphere job …``: list, show, resume and cancel jobs (long work with persisted state
and progress: policy applies, what-ifs, dry runs, retention runs, data-subject requests,
exports, chain verifications). ``run_with_progress`` is how other commands run a job
in this process with a Rich progress bar on stderr."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from sphere.cli._output import fail, print_json
from sphere.cli._runtime import runtime
from sphere.errors import SphereError

app = typer.Typer(no_args_is_help=True, add_completion=False)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _job_dict(job: Any) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "phase": job.phase,
        "done": job.progress_done,
        "total": job.progress_total,
        "error": job.error,
        "result": job.result or None,
        "created_by": job.created_by,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "attempts": job.attempts,
    }


def run_with_progress(
    rt: Any, kind: str, params: dict[str, Any], *, actor: str, job_id: str | None = None,
    quiet: bool = False,
) -> Any:  # fmt: skip
    """Submit (or resume ``job_id``) and run it here, showing Rich progress on stderr
    (a plain line per phase when stderr is not a terminal). Returns the finished job."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sphere.jobs import ProgressBoard, run_job, submit

    job = submit(rt, kind, params, actor=actor) if job_id is None else None
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task(kind, total=None)
        last_phase = [""]

        def show(done: int, total: int | None, phase: str) -> None:
            progress.update(task, completed=done, total=total, description=phase or kind)
            if not console.is_terminal and not quiet and phase and phase != last_phase[0]:
                typer.echo(f"{kind}: {phase}", err=True)
            last_phase[0] = phase

        finished = run_job(rt, ProgressBoard(), job_id or job.id, listener=show)
    if finished is None:
        raise SphereError(f"job {job_id or job.id} could not be started (not queued or failed)")
    if finished.state != "done":
        raise SphereError(f"job {finished.id} {finished.state}: {finished.error}")
    return finished


@app.command("list")
def list_jobs(
    kind: Annotated[str | None, typer.Option(help="Only jobs of this kind.")] = None,
    state: Annotated[
        str | None, typer.Option(help="queued, running, done, failed, cancelled.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    as_json: JsonFlag = False,
) -> None:
    """The newest jobs with their state and progress."""
    from sphere.storage.repositories.jobs import JobRepository

    try:
        with runtime() as rt, rt.session() as session:
            jobs = JobRepository(session).page(limit=limit, kind=kind, state=state)
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json([_job_dict(j) for j in jobs])
        return
    for job in jobs:
        progress = f"{job.progress_done}/{job.progress_total}" if job.progress_total else ""
        typer.echo(f"{job.id}  {job.kind:<13} {job.state:<9} {progress:>15}  {job.phase}")


@app.command()
def show(job_id: str, as_json: JsonFlag = False) -> None:
    """One job: state, phase, progress, error and result."""
    from sphere.storage.repositories.jobs import JobRepository

    try:
        with runtime() as rt, rt.session() as session:
            job = JobRepository(session).get(job_id)
    except SphereError as exc:
        fail(exc)
    data = _job_dict(job)
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        typer.echo(f"{key}: {value}")


@app.command()
def resume(job_id: str, as_json: JsonFlag = False) -> None:
    """Run a failed job again here, from its last checkpoint."""
    try:
        with runtime() as rt:
            job = run_with_progress(rt, "", {}, actor="cli", job_id=job_id, quiet=as_json)
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json(_job_dict(job))
    else:
        typer.echo(f"job {job.id} done")


@app.command()
def cancel(job_id: str, as_json: JsonFlag = False) -> None:
    """Cancel a queued job, or ask a running one to stop after its current step."""
    from sphere.storage.repositories.jobs import JobRepository

    try:
        with runtime() as rt, rt.session() as session:
            job = JobRepository(session).request_cancel(job_id, at=rt.clock.now())
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json(_job_dict(job))
        return
    typer.echo(f"job {job.id}: {job.state}{' (stopping)' if job.cancel_requested else ''}")
