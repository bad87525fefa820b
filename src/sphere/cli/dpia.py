"""``sphere dpia list|show|open|edit|risk-add|opinion|consultation|sign-off|pdf``: the
DPIA workflow (GDPR Art. 35, 36) from the command line, over the same services as the
cockpit and the API (``sphere.governance.dpia``). Until a DPIA of a purpose the policy
marks ``dpia_required`` is signed off, processing for it is held. Writing commands name
the staff role they act in (``--role``): the DPO gives the opinion, the controller
(``admin``) signs off; a bad field is named and nothing is saved."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.cockpit.dpia_pdf import dpia_to_pdf
from sphere.domain.dpia import Risk
from sphere.governance.dpia import (
    DpiaChanges,
    DpiaInputError,
    change_dpia,
    dpia_status,
    get_dpia,
    list_dpias,
    open_dpia,
    record_consultation,
    record_opinion,
    sign_off,
)
from sphere.governance.dpia_view import dpia_dict
from sphere.i18n import translator
from sphere.runtime import Runtime

app = typer.Typer(
    help="DPIAs (Art. 35): assess, keep the risk register, sign off; what is held.",
    no_args_is_help=True,
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Ref = Annotated[str, typer.Argument(help="The DPIA's reference (DPIA-2026-001).")]
RoleOpt = Annotated[str, typer.Option("--role", help="The staff role you act in: dpo, admin.")]


def _day(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DpiaInputError(field, "not a date (2026-12-03)") from None


def _show(rt: Runtime, ref: str, version: int | None = None) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        return dpia_dict(session, rt.policy(), get_dpia(session, ref),
                         today=rt.clock.now().date(), version=version)  # fmt: skip

    return call_service(rt, run)


def _echo(data: dict[str, Any]) -> None:
    console = Console()
    shown = data["shown"]
    head = Text(data["reference"], style="bold")
    head.append(f" {data['title']}  ({data['purpose']}"
                + (f", measure {data['measure']}" if data["measure"] else "") + ")")  # fmt: skip
    console.print(head, highlight=False)
    console.print(f"version {shown['version']} {shown['state']}; approved version: "
                  f"{data['approved_version'] or '-'}; review on {shown['review_on'] or '-'}"
                  + ("  REVIEW OVERDUE (Art. 35(11))" if data["review_overdue"] else ""),
                  markup=False, highlight=False)  # fmt: skip
    console.print(f"WP248 criteria met: {data['criteria_met']} of 9 → DPIA "
                  f"{'required' if data['dpia_indicated'] else 'not indicated by the criteria'}",
                  markup=False, highlight=False)  # fmt: skip
    for c in data["criteria"]:
        if c["met"]:
            console.print(f"  {c['number']}. {c['criterion']}: {'; '.join(c['evidence'])}",
                          markup=False, highlight=False)  # fmt: skip
    table = Table("risk", "L", "S", "rating", "measures", "residual", title="Risk register")
    for r in shown["risks"]:
        # staff-written text is shown as text, never as Rich markup
        table.add_row(Text(r["risk"]), str(r["likelihood"]), str(r["severity"]), r["rating"],
                      Text(r["measures"]), f"{r['residual_likelihood']}×{r['residual_severity']} "
                      f"{r['residual']}")  # fmt: skip
    console.print(table)
    if shown["missing_for_sign_off"]:
        console.print("before sign-off: " + ", ".join(shown["missing_for_sign_off"]),
                      markup=False, highlight=False)  # fmt: skip


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Every declared purpose (DPIA required?, approved, held) and every DPIA."""
    with runtime() as rt:
        rt.policy()  # load (and cache) it outside the transaction: SQLite has one writer

        def run(session: Session) -> dict[str, Any]:
            today = rt.clock.now().date()
            return {
                "purposes": dpia_status(session, rt.policy(), today=today),
                "dpias": [
                    {"reference": d.reference, "purpose": d.purpose, "measure": d.measure,
                     "title": d.title, "version": d.current.version, "state": d.current.state,
                     "approved_version": d.approved.version if d.approved else None}
                    for d in list_dpias(session)
                ],
            }  # fmt: skip

        data = call_service(rt, run)
    if as_json:
        print_json(data)
        return
    table = Table("purpose", "DPIA required", "state", "DPIA", "review on")
    for row in data["purposes"]:
        state = row["state"] + (" (review overdue)" if row["review_overdue"] else "")
        table.add_row(row["purpose"], "yes" if row["required"] else "no", state,
                      row["reference"] or row["dpia"] or "-", row["review_on"] or "-")  # fmt: skip
    Console().print(table)
    for d in data["dpias"]:
        typer.echo(f"{d['reference']}  v{d['version']} {d['state']}  {d['title']}")


@app.command("show")
def show(
    ref: Ref,
    version: Annotated[int | None, typer.Option(help="An older version.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """One DPIA: criteria with evidence, risk register, opinion, sign-off."""
    with runtime() as rt:
        rt.policy()
        data = _show(rt, ref, version)
    print_json(data) if as_json else _echo(data)


@app.command("open")
def open_(
    purpose: Annotated[str, typer.Argument(help="The purpose the DPIA assesses.")],
    role: RoleOpt,
    measure: Annotated[str | None, typer.Option(help="A marketing measure's name.")] = None,
    title: Annotated[str, typer.Option(help="A short title, no personal data.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Open the DPIA of PURPOSE (or of a measure under it) as a draft."""
    with runtime() as rt:
        rt.policy()
        dpia = call_service(rt, lambda s: open_dpia(
            s, rt.policy(), purpose, measure=measure, title=title, actor=f"cli:{role}",
            role=role, at=rt.clock.now()))  # fmt: skip
        data = _show(rt, dpia.reference)
    print_json(data) if as_json else _echo(data)


def _risks(path: Path | None) -> tuple[Risk, ...] | None:
    if path is None:
        return None
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        return tuple(Risk.from_dict(item) for item in items)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DpiaInputError("risks", f"a JSON list of risks with risk, likelihood, severity, "
                             f"measures, residual_likelihood, residual_severity "
                             f"({type(error).__name__})") from None  # fmt: skip


@app.command("edit")
def edit(
    ref: Ref,
    role: RoleOpt,
    description: Annotated[str | None, typer.Option(help="Art. 35(7)(a).")] = None,
    necessity: Annotated[str | None, typer.Option(help="Art. 35(7)(b).")] = None,
    assessed_on: Annotated[str | None, typer.Option(help="Day of the assessment.")] = None,
    review_on: Annotated[str | None, typer.Option(help="Review date (Art. 35(11)).")] = None,
    risks: Annotated[Path | None, typer.Option(help="JSON file: the whole risk register.")] = None,
    declare: Annotated[
        list[str] | None, typer.Option(help="CRITERION=reason (repeatable), e.g. innovative_use=…")
    ] = None,
    title: Annotated[str | None, typer.Option(help="A new title.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a DPIA; after a sign-off the change makes the next version."""
    declared = None
    if declare is not None:
        declared = dict(item.split("=", 1) if "=" in item else (item, "") for item in declare)
    changes = DpiaChanges(description=description, necessity=necessity, risks=_risks(risks),
                          declared=declared, assessed_on=_day("assessed_on", assessed_on),
                          review_on=_day("review_on", review_on), title=title)  # fmt: skip
    with runtime() as rt:
        rt.policy()
        call_service(rt, lambda s: change_dpia(s, ref, changes, actor=f"cli:{role}", role=role,
                                               at=rt.clock.now()))  # fmt: skip
        data = _show(rt, ref)
    print_json(data) if as_json else _echo(data)


@app.command("risk-add")
def risk_add(
    ref: Ref,
    role: RoleOpt,
    risk: Annotated[str, typer.Option(help="The risk to the people concerned.")],
    likelihood: Annotated[int, typer.Option(help="1 negligible … 4 maximum.")],
    severity: Annotated[int, typer.Option(help="1 negligible … 4 maximum.")],
    measures: Annotated[str, typer.Option(help="The measures against it.")],
    residual_likelihood: Annotated[int, typer.Option(help="After the measures.")],
    residual_severity: Annotated[int, typer.Option(help="After the measures.")],
    as_json: JsonFlag = False,
) -> None:
    """Add one risk to the register."""
    new = Risk(risk, likelihood, severity, measures, residual_likelihood, residual_severity)
    with runtime() as rt:
        rt.policy()

        def run(session: Session) -> None:
            register = (*get_dpia(session, ref).current.risks, new)
            change_dpia(session, ref, DpiaChanges(risks=register), actor=f"cli:{role}",
                        role=role, at=rt.clock.now())  # fmt: skip

        call_service(rt, run)
        data = _show(rt, ref)
    print_json(data) if as_json else _echo(data)


@app.command("opinion")
def opinion(
    ref: Ref,
    role: RoleOpt,
    text: Annotated[str, typer.Option(help="The DPO's opinion (Art. 35(2)).")],
    as_json: JsonFlag = False,
) -> None:
    """Record the DPO's opinion (role dpo only)."""
    with runtime() as rt:
        rt.policy()
        call_service(rt, lambda s: record_opinion(s, ref, text, actor=f"cli:{role}", role=role,
                                                  at=rt.clock.now()))  # fmt: skip
        data = _show(rt, ref)
    print_json(data) if as_json else _echo(data)


@app.command("consultation")
def consultation(
    ref: Ref,
    role: RoleOpt,
    on: Annotated[str, typer.Option(help="Day the authority was consulted (Art. 36(1)).")],
    reference: Annotated[str, typer.Option(help="The authority's reference.")],
    outcome: Annotated[str, typer.Option(help="Its written advice (Art. 36(2)).")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Record the prior consultation of the supervisory authority."""
    with runtime() as rt:
        rt.policy()
        call_service(rt, lambda s: record_consultation(
            s, ref, consulted_on=_day("consultation_on", on), reference=reference,
            outcome=outcome, actor=f"cli:{role}", role=role, at=rt.clock.now()))  # fmt: skip
        data = _show(rt, ref)
    print_json(data) if as_json else _echo(data)


@app.command("sign-off")
def sign_off_(ref: Ref, role: RoleOpt, as_json: JsonFlag = False) -> None:
    """Sign the current draft off (role admin: the controller); it releases the gate."""
    with runtime() as rt:
        rt.policy()
        call_service(rt, lambda s: sign_off(s, rt.policy(), ref, actor=f"cli:{role}",
                                            role=role, at=rt.clock.now()))  # fmt: skip
        data = _show(rt, ref)
    if as_json:
        print_json(data)
        return
    typer.echo(f"{data['reference']} version {data['approved_version']} signed off; "
               f"processing for {data['purpose']} is no longer held")  # fmt: skip


@app.command("pdf")
def pdf(
    ref: Ref,
    out: Annotated[Path, typer.Option(help="Where to write the PDF.")],
    lang: Annotated[str, typer.Option(help="de or en.")] = "en",
    version: Annotated[int | None, typer.Option(help="An older version.")] = None,
) -> None:
    """The DPIA as a PDF, in German or English."""
    with runtime() as rt:
        rt.policy()

        def run(session: Session) -> bytes:
            return dpia_to_pdf(session, rt.policy(), get_dpia(session, ref),
                               version=version, controller=rt.company_profile().controller,
                               tr=translator(lang, rt.settings.timezone),
                               today=rt.clock.now().date())  # fmt: skip

        data = call_service(rt, run)
    out.write_bytes(data)
    typer.echo(f"wrote {out} ({len(data)} bytes)")
