"""``sphere crm sync|status|requeue``: the downstream CRM sync (docs/connectors.md,
"CRM sync").

``sync`` drains the outbox as a job (batches, one transaction each; ``sphere serve``
does the same every minute); ``--backfill`` first queues the records of contacts
stored before the sync was configured. ``status`` shows pending, failed and
dead-lettered entries, how many records the CRM holds, and each failing entry with
its reason (a record the CRM refused: its id, column, constraint); ``requeue`` gives
dead-lettered entries a fresh round after the cause was fixed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sphere.cli._output import fail, print_json
from sphere.cli._runtime import runtime
from sphere.cli.job import run_with_progress
from sphere.errors import SphereError
from sphere.rights.crm_sync import requeue, status

app = typer.Typer(help="The CRM sync: records the gate allowed, pushed to the CRM.",
                  no_args_is_help=True)  # fmt: skip
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ACTOR = "cli"


@app.command("sync")
def sync(
    backfill: Annotated[
        bool, typer.Option("--backfill", help="First queue records stored before the sync.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Send what is due to the CRM (pushes and removals), batch by batch."""
    try:
        with runtime() as rt:
            if rt.crm_sync_target() is None:
                fail(SphereError("no connected system is the CRM sync target (sync: in its "
                                 "definition; docs/connectors.md)"))  # fmt: skip
            params = {"backfill": True} if backfill else {}
            result = run_with_progress(rt, "crm_sync", params, actor=ACTOR, quiet=as_json).result
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json(result)
        return
    typer.echo(
        f"pushed={result['pushed']} removed={result['removed']} batches={result['batches']} "
        f"failed={result['failed']} dead_letter={result['dead_letter']} "
        f"refused={result['refused']}"
    )
    for error in result["errors"]:
        typer.echo(f"error: {error}")
    for reason in result["refusals"]:
        typer.echo(f"refused: {reason}")


@app.command("status")
def status_(as_json: JsonFlag = False) -> None:
    """The sync's state: target, pending, failed, dead-lettered, records in the CRM, and
    each failing entry with its reason."""
    with runtime() as rt:
        target = rt.crm_sync_target()
        with rt.session() as session:
            result = status(session, rt.keyring, None)
        result["target"] = target
    if as_json:
        print_json(result)
        return
    typer.echo(
        f"target={result['target'] or '-'} pending={result['pending']} "
        f"failed={result['failed']} dead_letter={result['dead_letter']} "
        f"(removals {result['removals']}) synced={result['synced']}"
    )
    if result["last_error"]:
        typer.echo(f"last error: {result['last_error']}")
    for e in result["failing"]:
        typer.echo(f"{e['state']} {e['op']} {e['record_type']} {e['record_id']} "
                   f"(attempts {e['attempts']}): {e['error']}")  # fmt: skip


@app.command("requeue")
def requeue_(as_json: JsonFlag = False) -> None:
    """Give dead-lettered entries a fresh round (after fixing the CRM)."""
    with runtime() as rt, rt.session() as session:
        n = requeue(session, rt.keyring, at=rt.clock.now(), actor=ACTOR)
    if as_json:
        print_json({"requeued": n})
    else:
        typer.echo(f"{n} entr{'y' if n == 1 else 'ies'} requeued; run `sphere crm sync`")
