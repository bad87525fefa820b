"""``sphere recipient add|edit|retire|list``: the register of recipients, processors and
sub-processors with their processing agreement, location and transfer mechanism
(GDPR Art. 28, 30(1)(d)-(e), 44-49); the record of processing derives its recipients
and transfers from it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.governance.breach import BreachInputError
from sphere.governance.recipients import (
    RecipientDraft,
    add_recipient,
    find_recipient,
    list_recipients,
    recipient_dict,
    retire_recipient,
    update_recipient,
)

app = typer.Typer(help="Recipients, processors and transfers (Art. 28, 44-49).",
                  no_args_is_help=True)  # fmt: skip
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _day(field: str, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise BreachInputError(field, "a date such as 2026-03-01") from None


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    role: Annotated[str, typer.Option(help="processor, sub_processor, controller, authority.")],
    country: Annotated[str, typer.Option(help="Where it processes the data (ISO code: DE, US).")],
    purpose: Annotated[
        list[str] | None, typer.Option(help="Purposes it receives data for.")
    ] = None,
    category: Annotated[list[str] | None, typer.Option(help="Data categories it receives.")] = None,
    processor_of: Annotated[str | None, typer.Option(help="Sub-processor: its processor.")] = None,
    agreement_date: Annotated[str | None, typer.Option(help="Art. 28(3) agreement, date.")] = None,
    agreement_scope: Annotated[str, typer.Option(help="What the agreement covers.")] = "",
    location: Annotated[str, typer.Option(help="City or data centre.")] = "",
    mechanism: Annotated[
        str | None, typer.Option(help="Outside the EU/EEA: adequacy, dpf, scc, bcr, derogation.")
    ] = None,
    scc_module: Annotated[int | None, typer.Option(help="SCC 2021/914 module (1-4).")] = None,
    tia_date: Annotated[str | None, typer.Option(help="Transfer impact assessment, date.")] = None,
    tia_summary: Annotated[str, typer.Option(help="Outcome of the assessment.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Register a recipient; a transfer without a mechanism is refused."""
    draft = RecipientDraft(
        name=name, role=role, country=country, purposes=tuple(purpose or ()),
        data_categories=tuple(category or ()), processor_of=processor_of,
        agreement_date=_day("agreement_date", agreement_date), agreement_scope=agreement_scope,
        transfer_mechanism=mechanism, scc_module=scc_module, tia_date=_day("tia_date", tia_date),
        location=location, tia_summary=tia_summary,
    )  # fmt: skip
    with runtime() as rt:
        data = call_service(rt, lambda s: recipient_dict(
            add_recipient(s, draft, actor="cli", at=rt.clock.now())))  # fmt: skip
    if as_json:
        print_json(data)
        return
    typer.echo(f"{data['name']} registered ({data['role']}, {data['country']})")


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Every registered recipient; transfers outside the EU/EEA with their mechanism."""
    with runtime() as rt:
        rows = call_service(
            rt, lambda s: [recipient_dict(r) for r in list_recipients(s, active_only=False)]
        )
    if as_json:
        print_json(rows)
        return
    for r in rows:
        transfer = f"  transfer: {r['transfer_mechanism']}" if r["transfer"] else ""
        typer.echo(f"{r['name']}  {r['role']}  {r['country']}  {','.join(r['purposes'])}{transfer}")


@app.command("edit")
def edit(
    name: Annotated[str, typer.Argument(help="The registered name.")],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="FIELD=VALUE, e.g. country=US, transfer_mechanism=dpf, "
            "purposes=customer_care,marketing; an empty value clears it.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a recipient's fields; checked like a new one, nothing saved on a refusal."""

    def work(session: Session) -> dict[str, object]:
        current = find_recipient(session, name)
        values = {f: getattr(current, f) for f in RecipientDraft.__dataclass_fields__}
        for pair in set_ or ():
            key, _, value = pair.partition("=")
            if key not in values:
                raise BreachInputError(key, "not a field of the register")
            if key in ("purposes", "data_categories"):
                values[key] = tuple(v for v in value.split(",") if v)
            elif key in ("agreement_date", "tia_date"):
                values[key] = _day(key, value)
            elif key == "scc_module":
                values[key] = int(value) if value.isdigit() else None
            else:
                values[key] = value or (
                    None if key in ("processor_of", "transfer_mechanism") else ""
                )
        draft = RecipientDraft(**values)  # type: ignore[arg-type]
        at = rt.clock.now()
        return recipient_dict(update_recipient(session, current.id, draft, actor="cli", at=at))

    with runtime() as rt:
        data = call_service(rt, work)
    if as_json:
        print_json(data)
        return
    typer.echo(f"{data['name']} changed")


@app.command("retire")
def retire(
    name: Annotated[str, typer.Argument(help="The registered name.")],
    as_json: JsonFlag = False,
) -> None:
    """It no longer receives data: out of the record and the notices, kept in the register."""

    def work(session: Session) -> dict[str, object]:
        current = find_recipient(session, name)
        at = rt.clock.now()
        return recipient_dict(retire_recipient(session, current.id, actor="cli", at=at))

    with runtime() as rt:
        data = call_service(rt, work)
    if as_json:
        print_json(data)
        return
    typer.echo(f"{data['name']} retired")
