"""``sphere breach record|list|show|assess|notify-authority|notify-subjects|close|draft``:
the breach register (GDPR Art. 33, 34) from the command line, over the same services as
the cockpit and the API (``sphere.governance.breach``). Times are ISO 8601 with a zone
(``2026-06-01T09:30+02:00``); a bad field is named and nothing is saved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.governance.breach import (
    Assessment,
    BreachDraft,
    BreachInputError,
    assess_breach,
    breach_dict,
    close_breach,
    get_breach,
    list_breaches,
    notify_authority,
    notify_subjects,
    record_breach,
)
from sphere.governance.breach_texts import authority_notification, subject_message
from sphere.i18n import translator

app = typer.Typer(
    help="Personal-data breaches (Art. 33/34): record, assess, notify.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
BreachId = Annotated[str, typer.Argument(help="The breach's reference (BR-2026-001) or id.")]
ACTOR = "cli"


def _when(field: str, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BreachInputError(field, "not an ISO 8601 time (2026-06-01T09:30+02:00)") from None
    if moment.tzinfo is None:
        raise BreachInputError(field, "give the time zone (…+02:00 or …Z)")
    return moment


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or () for v in item.split(",") if v.strip())


def _echo(data: dict[str, Any]) -> None:
    clock = data["clock"]
    typer.echo(f"{data['reference']}  {data['state']}  {data['title']}")
    typer.echo(f"  aware {data['discovered_at']}; Art. 33(1) deadline {clock['deadline']} "
               f"({clock['state']}, {clock['hours_left']} h)")  # fmt: skip
    typer.echo(f"  concerned: {data['affected_subjects']} contacts, "
               f"{data['affected_pseudonymous']} pseudonymous people, "
               f"{data['affected_records']} records")  # fmt: skip
    if data["risk"] != "unassessed":
        typer.echo(f"  risk {data['risk']}; notify authority: {data['notify_authority']}; "
                   f"tell people: {data['notify_subjects']}")  # fmt: skip


@app.command("record")
def record(
    title: Annotated[str, typer.Option(help="A short name, no personal data.")],
    description: Annotated[str, typer.Option(help="What happened (Art. 33(3)(a)).")],
    started_at: Annotated[str, typer.Option(help="When it began (ISO 8601 with zone).")],
    discovered_at: Annotated[str, typer.Option(help="When the company became aware of it.")],
    system: Annotated[
        list[str] | None,
        typer.Option(help="Store concerned: interactions, events, contacts, attributes."),
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="confidentiality, integrity, availability.")
    ] = None,
    ended_at: Annotated[str | None, typer.Option(help="When it ended.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only these sources.")] = None,
    category: Annotated[list[str] | None, typer.Option(help="Only these data categories.")] = None,
    records_from: Annotated[str | None, typer.Option(help="Records stored from …")] = None,
    records_to: Annotated[str | None, typer.Option(help="… to (default: the end).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a breach; the people and records concerned are computed from the data."""
    draft = BreachDraft(
        title=title,
        description=description,
        started_at=_when("started_at", started_at),
        discovered_at=_when("discovered_at", discovered_at),
        systems=_split(system),
        kinds=_split(kind) or ("confidentiality",),
        ended_at=_when("ended_at", ended_at),
        sources=_split(source),
        data_categories=_split(category),
        records_from=_when("records_from", records_from),
        records_to=_when("records_to", records_to),
    )
    with runtime() as rt:
        data = call_service(rt, lambda s: breach_dict(
            record_breach(s, draft, actor=ACTOR, at=rt.clock.now()),
            now=rt.clock.now()))  # fmt: skip
    print_json(data) if as_json else _echo(data)


@app.command("list")
def list_(
    open_only: Annotated[bool, typer.Option("--open", help="Only breaches not closed.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Every breach, newest first, with its Art. 33(1) clock."""
    with runtime() as rt:
        rows = call_service(rt, lambda s: [
            breach_dict(b, now=rt.clock.now())
            for b in list_breaches(s, open_only=open_only)])  # fmt: skip
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no breaches recorded")
    for row in rows:
        _echo(row)


@app.command("show")
def show(breach: BreachId, as_json: JsonFlag = False) -> None:
    """One breach with its assessment and decisions."""
    with runtime() as rt:
        data = call_service(rt, lambda s: breach_dict(get_breach(s, breach), now=rt.clock.now()))
    print_json(data) if as_json else _echo(data)


@app.command("assess")
def assess(
    breach: BreachId,
    risk: Annotated[str, typer.Option(help="unlikely, risk or high.")],
    reasons: Annotated[str, typer.Option(help="Why this level of risk.")],
    consequences: Annotated[str, typer.Option(help="Likely consequences (Art. 33(3)(c)).")],
    measures: Annotated[str, typer.Option(help="Measures taken or proposed (Art. 33(3)(d)).")],
    notify_authority_: Annotated[
        bool, typer.Option("--notify-authority/--no-notify-authority", help="Art. 33(1).")
    ] = True,
    authority_reason: Annotated[str, typer.Option(help="Why not (Art. 33(1)).")] = "",
    notify_subjects_: Annotated[
        bool, typer.Option("--notify-subjects/--no-notify-subjects", help="Art. 34(1).")
    ] = False,
    subjects_reason: Annotated[str, typer.Option(help="Why not, at high risk (Art. 34(3)).")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Record the risk assessment and the decisions to notify."""
    assessment = Assessment(risk, reasons, consequences, measures, notify_authority_,
                            authority_reason, notify_subjects_, subjects_reason)  # fmt: skip
    with runtime() as rt:
        data = call_service(rt, lambda s: breach_dict(assess_breach(
            s, breach, assessment, actor=ACTOR, at=rt.clock.now()),
            now=rt.clock.now()))  # fmt: skip
    print_json(data) if as_json else _echo(data)


@app.command("notify-authority")
def notify_authority_cmd(
    breach: BreachId,
    reference: Annotated[str, typer.Option(help="The authority's file number.")] = "",
    delay_reason: Annotated[str, typer.Option(help="After 72 hours: why (Art. 33(1)).")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Record that the notification went to the supervisory authority."""
    with runtime() as rt:
        data = call_service(rt, lambda s: breach_dict(notify_authority(
            s, breach, authority_reference=reference, delay_reason=delay_reason, actor=ACTOR,
            at=rt.clock.now()), now=rt.clock.now()))  # fmt: skip
    print_json(data) if as_json else _echo(data)


@app.command("notify-subjects")
def notify_subjects_cmd(breach: BreachId, as_json: JsonFlag = False) -> None:
    """Record that the people concerned were told; their portal shows the message."""
    with runtime() as rt:
        data = call_service(rt, lambda s: breach_dict(notify_subjects(
            s, breach, actor=ACTOR, at=rt.clock.now()), now=rt.clock.now()))  # fmt: skip
    print_json(data) if as_json else _echo(data)


@app.command("close")
def close(breach: BreachId, as_json: JsonFlag = False) -> None:
    """Close a breach whose decisions are carried out."""
    with runtime() as rt:
        data = call_service(rt, lambda s: breach_dict(close_breach(
            s, breach, actor=ACTOR, at=rt.clock.now()), now=rt.clock.now()))  # fmt: skip
    print_json(data) if as_json else _echo(data)


@app.command("draft")
def draft(
    breach: BreachId,
    to: Annotated[str, typer.Option(help="authority (Art. 33(3)) or people (Art. 34(2)).")] = (
        "authority"
    ),
    lang: Annotated[str, typer.Option(help="de or en.")] = "de",
) -> None:
    """Print the notification to the authority or the message to the people concerned."""
    if to not in ("authority", "people") or lang not in ("de", "en"):
        raise typer.BadParameter("--to authority|people, --lang de|en")
    with runtime() as rt:
        found = call_service(rt, lambda s: get_breach(s, breach))
        controller = rt.company_profile().controller
    write = authority_notification if to == "authority" else subject_message
    typer.echo(write(found, controller, translator(lang, rt.settings.timezone)).text, nl=False)
