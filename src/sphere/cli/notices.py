"""``sphere notices due|send``: Art. 14 duties for data obtained from social media."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.dsr.notice import Party
from sphere.rights.notices import due_duties, duty_dict, notice_parties, send_notices

app = typer.Typer(help="Art. 14 notices: what is due, and record sending.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("due")
def due(as_json: JsonFlag = False) -> None:
    """Open duties, earliest deadline first; overdue ones are marked."""
    with runtime() as rt:
        rt.policy()  # load (and cache) it outside the transaction: SQLite has one writer

        def run(session: Session) -> list[dict[str, Any]]:
            now = rt.clock.now()
            return [duty_dict(d, now=now) for d in due_duties(session, rt.policy(), now=now)]

        rows = call_service(rt, run)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no notices due")
    for r in rows:
        flag = " OVERDUE" if r["overdue"] else ""
        typer.echo(f"{r['contact_id']}  {r['source']}  due {r['due_at']}  {r['language']}{flag}")


@app.command("send")
def send(
    controller: Annotated[
        str | None, typer.Option(help="Controller name (default: company.yaml).")
    ] = None,
    controller_contact: Annotated[str, typer.Option(help="Controller address/e-mail.")] = "",
    authority: Annotated[
        str | None, typer.Option(help="Supervisory authority (default: company.yaml).")
    ] = None,
    authority_contact: Annotated[str, typer.Option(help="Authority address/web.")] = "",
    dpo_contact: Annotated[str | None, typer.Option(help="DPO contact.")] = None,
    out_dir: Annotated[Path | None, typer.Option(help="Write each notice text here.")] = None,
    contact: Annotated[str | None, typer.Option(help="Only this contact id.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Render the notice in each contact's language and record it as sent. The
    controller, its DPO and the supervisory authority come from company.yaml
    (``controller:``) unless given here."""
    with runtime() as rt:
        rt.policy()  # load (and cache) it outside the transaction: SQLite has one writer
        parties = notice_parties(
            rt.company_profile().controller,
            controller=Party(controller, controller_contact) if controller else None,
            supervisory_authority=(
                Party(authority, authority_contact or authority) if authority else None
            ),
            dpo=Party("Data protection officer", dpo_contact) if dpo_contact else None,
        )
        if parties is None:
            raise typer.BadParameter(
                "name the controller and the supervisory authority: --controller and "
                "--authority, or controller.supervisory_authority in company.yaml"
            )

        def run(session: Session) -> list[dict[str, Any]]:
            sent = send_notices(
                session,
                rt.policy(),
                None,
                now=rt.clock.now(),
                actor="cli",
                controller=parties.controller,
                supervisory_authority=parties.supervisory_authority,
                dpo=parties.dpo,
                contact_id=contact,
            )
            out = []
            for notice in sent:
                item = {
                    "contact_id": notice.contact_id,
                    "language": notice.language,
                    "sha256": notice.sha256,
                    "duties": notice.duties,
                }
                if out_dir is not None:
                    out_dir.mkdir(parents=True, exist_ok=True)
                    path = out_dir / f"{notice.contact_id}.{notice.language}.txt"
                    path.write_text(notice.text, encoding="utf-8")
                    item["file"] = str(path)
                out.append(item)
            return out

        rows = call_service(rt, run)
    if as_json:
        print_json(rows)
        return
    typer.echo(f"notices recorded as sent: {len(rows)}")
