"""``sphere consent grant|withdraw|list|receipt --subject …``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from sphere.cli._output import fail, print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.consent.ledger import states
from sphere.consent.receipt import Controller, consent_receipt
from sphere.errors import InvalidInput, NotFound
from sphere.rights.consents import grant_consent, withdraw_consent
from sphere.rights.subject import resolve_subject
from sphere.storage.repositories.consents import ConsentRepository

app = typer.Typer(help="Record, withdraw and show consents (GDPR Art. 7).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Subject = Annotated[
    str, typer.Option(help="E-mail, +phone, channel:handle, customer number or id.")
]
ACTOR = "cli"


@app.command("grant")
def grant_(
    subject: Subject,
    purpose: Annotated[str, typer.Option(help="A purpose the policy declares.")],
    channel: Annotated[str, typer.Option(help="Where consent was given.")] = "portal",
    explicit: Annotated[bool, typer.Option(help="Explicit consent (Art. 9(2)(a)).")] = False,
    form: Annotated[str | None, typer.Option(help="Form id as evidence.")] = None,
    expires: Annotated[str | None, typer.Option(help="Expiry, ISO 8601 with zone.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Append a consent to the ledger."""
    expires_at = datetime.fromisoformat(expires) if expires else None
    with runtime() as rt:
        rt.policy()  # load (and cache) it outside the transaction: SQLite has one writer

        def run(session: Session) -> dict[str, Any]:
            now = rt.clock.now()
            contact = resolve_subject(session, rt.keyring, subject, actor=ACTOR, at=now)
            record = grant_consent(
                session,
                rt.policy(),
                contact.id,
                purpose,
                channel=channel,
                at=now,
                actor=ACTOR,
                explicit=explicit,
                evidence={"form": form} if form else None,
                expires_at=expires_at,
            )
            return {"id": record.id, "purpose": record.purpose.value, "action": "given"}

        data = call_service(rt, run)
    print_json(data) if as_json else typer.echo(f"{data['id']}: consent given")


@app.command("withdraw")
def withdraw_(
    subject: Subject,
    purpose: Annotated[str, typer.Option(help="The purpose to withdraw.")],
    channel: Annotated[str, typer.Option(help="Where it was withdrawn.")] = "portal",
    as_json: JsonFlag = False,
) -> None:
    """Withdraw; every derived datum that relied on the consent is deleted at once."""
    with runtime() as rt:
        rt.policy()  # load (and cache) it outside the transaction: SQLite has one writer

        def run(session: Session) -> dict[str, Any]:
            now = rt.clock.now()
            contact = resolve_subject(session, rt.keyring, subject, actor=ACTOR, at=now)
            record, removed = withdraw_consent(
                session,
                rt.keyring,
                rt.policy(),
                contact.id,
                purpose,
                channel=channel,
                at=now,
                actor=ACTOR,
            )
            return {"id": record.id, "derived_removed": removed}

        data = call_service(rt, run)
    if as_json:
        print_json(data)
    else:
        typer.echo(f"{data['id']}: withdrawn; derived data removed: {len(data['derived_removed'])}")


@app.command("list")
def list_(subject: Subject, as_json: JsonFlag = False) -> None:
    """Current state per purpose, derived from the ledger."""
    with runtime() as rt:
        rt.policy()  # load (and cache) it outside the transaction: SQLite has one writer

        def run(session: Session) -> list[dict[str, Any]]:
            now = rt.clock.now()
            contact = resolve_subject(session, rt.keyring, subject, actor=ACTOR, at=now)
            return [
                {
                    "purpose": p.value,
                    "state": s.state.value,
                    "since": s.since.isoformat() if s.since else None,
                    "record_id": s.record_id,
                    "reason": s.reason_text,
                }
                for p, s in states(session, contact.id, now=now).items()
            ]

        rows = call_service(rt, run)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['purpose']:<18} {row['state']:<10} {row['reason']}")


@app.command("receipt")
def receipt(
    subject: Subject,
    record: Annotated[str | None, typer.Option(help="Ledger record id (default: all).")] = None,
    controller: Annotated[str, typer.Option(help="Controller name.")] = "",
    contact: Annotated[str, typer.Option(help="Controller contact.")] = "",
    as_json: Annotated[
        bool, typer.Option("--json", help="Accepted for scripts; the output is always JSON.")
    ] = False,
) -> None:
    """ISO/IEC TS 27560 / W3C DPV consent receipts as JSON-LD."""
    del as_json  # receipts are JSON-LD documents; the flag keeps the CLI contract uniform
    with runtime() as rt:
        rt.policy()  # load (and cache) it outside the transaction: SQLite has one writer

        def run(session: Session) -> list[dict[str, Any]]:
            now = rt.clock.now()
            person = resolve_subject(session, rt.keyring, subject, actor=ACTOR, at=now)
            records = ConsentRepository(session).for_contact(person.id)
            if record is not None:
                records = [r for r in records if r.id == record]
                if not records:
                    raise NotFound(f"consent record {record} not found for this subject")
            name = controller or rt.company_profile().brand_names[:1] or ("controller",)
            who = Controller(
                name=name if isinstance(name, str) else name[0], contact=contact or "see imprint"
            )
            return [consent_receipt(r, controller=who, now=now) for r in records]

        receipts = call_service(rt, run)
    if not receipts:
        fail(InvalidInput("no consent records for this subject"))
    print_json(receipts if record is None else receipts[0])
