"""``sphere dpia approve|list``: record that a DPIA is approved (GDPR Art. 35(1)); until
then processing for a purpose the policy marks ``dpia_required`` is held."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.governance.dpia import dpia_status, record_dpia_approval

app = typer.Typer(
    help="DPIAs (Art. 35): record approvals, show what is held.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ACTOR = "cli"


@app.command("approve")
def approve(
    purpose: Annotated[str, typer.Argument(help="The purpose the DPIA covers.")],
    reference: Annotated[str, typer.Option(help="The DPIA document, e.g. DPIA-2026-04 v2.")],
    as_json: JsonFlag = False,
) -> None:
    """Record the DPIA for PURPOSE as approved; held processing may start."""
    with runtime() as rt:
        rt.policy()  # load (and cache) it outside the transaction: SQLite has one writer

        def run(session: Session) -> dict[str, Any]:
            approval = record_dpia_approval(
                session, rt.policy(), purpose, reference, actor=ACTOR, at=rt.clock.now()
            )
            return {
                "id": approval.id,
                "purpose": approval.purpose,
                "reference": approval.reference,
                "approved_at": approval.approved_at.isoformat(),
            }

        result = call_service(rt, run)
    if as_json:
        print_json(result)
        return
    typer.echo(f"DPIA for {result['purpose']} approved: {result['reference']}")


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Every declared purpose: DPIA required?, approved (reference) or held."""
    with runtime() as rt:
        rt.policy()
        rows = call_service(rt, lambda s: dpia_status(s, rt.policy()))
    if as_json:
        print_json(rows)
        return
    for row in rows:
        state = row["state"] + (f" ({row['reference']})" if row["reference"] else "")
        typer.echo(f"{row['purpose']}: {state}")
