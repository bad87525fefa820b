"""``sphere record check|export``: the record of processing activities (GDPR Art. 30).
``check`` names every field of Art. 30(1)(a)-(g) missing for an activity (exit 1 when
one is); ``export`` writes the record as a PDF or as W3C DPV JSON-LD (by the file's
suffix) with the controller and the measures of Art. 32."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.cockpit.record import ProcessingRecord, build_record, record_to_jsonld
from sphere.cockpit.record_check import check_record
from sphere.cockpit.record_pdf import record_to_pdf
from sphere.cockpit.toms import SecurityFacts, build_catalogue
from sphere.errors import InvalidInput, SphereError
from sphere.i18n import translator
from sphere.i18n.message import render
from sphere.runtime import Runtime

app = typer.Typer(help="The record of processing activities (Art. 30).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _record(rt: Runtime) -> ProcessingRecord:
    facts = SecurityFacts.from_settings(rt.settings)
    controller = rt.company_profile().controller
    now = rt.clock.now()

    policy = rt.policy()

    try:
        systems = rt.connected_systems().inventory()
    except SphereError:
        systems = []  # a broken definition: `sphere connector validate` names it

    def build(session: Session) -> ProcessingRecord:
        security = build_catalogue(session, policy, facts, now=now)
        return build_record(session, policy, now=now, controller=controller, security=security,
                            systems=systems)  # fmt: skip

    return call_service(rt, build)


@app.command("check")
def check(as_json: JsonFlag = False) -> None:
    """Every field of Art. 30(1)(a)-(g) missing, per activity; exit 1 when one is."""
    with runtime() as rt:
        gaps = check_record(_record(rt))
    if as_json:
        print_json({"complete": not gaps, "missing": [g.to_dict() for g in gaps]})
    elif not gaps:
        typer.echo("record complete: every field of Art. 30(1)(a)-(g) is filled")
    for gap in [] if as_json else gaps:
        where = f" ({', '.join(gap.activities)})" if gap.activities else ""
        typer.echo(f"Art. 30(1)({gap.letter}): {render(None, gap.what)}{where}")
    if gaps:
        raise typer.Exit(1)


@app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="record.pdf or record.jsonld")],
    lang: Annotated[str, typer.Option(help="Language of the PDF: de or en.")] = "en",
    as_json: JsonFlag = False,
) -> None:
    """Write the record as a PDF or as DPV JSON-LD (by the file's suffix)."""
    if out.suffix not in (".pdf", ".jsonld", ".json"):
        raise InvalidInput("out: name a .pdf or a .jsonld file")
    if lang not in ("de", "en"):
        raise InvalidInput("lang: de or en")
    with runtime() as rt:
        record = _record(rt)
    if out.suffix == ".pdf":
        data = record_to_pdf(record, controller=record.controller or "", tr=translator(lang))
    else:
        text = json.dumps(record_to_jsonld(record), ensure_ascii=False, indent=2)
        data = text.encode("utf-8")
    out.write_bytes(data)
    if as_json:
        print_json({"file": str(out), "bytes": len(data)})
    else:
        typer.echo(f"{out} written ({len(data)} bytes)")
