"""``sphere campaign create|dry-run|run|list``: campaigns that only reach who may be reached.

``run`` delivers through SMTP (``--smtp-host``/``--smtp-port``/``--sender``) or a signed
webhook (``--webhook-url``; the signing secret is read from the environment variable
named by ``--webhook-secret-env``, default ``SPHERE_WEBHOOK_SECRET``, never from the
command line).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.measure import read_document
from sphere.dsr.notice import Party
from sphere.errors import InvalidInput
from sphere.marketing.campaigns import (
    CampaignReport,
    campaign_dict,
    create_campaign,
    dry_run,
    list_campaigns,
    run,
)
from sphere.marketing.transport import Transport
from sphere.marketing.transport.smtp import SmtpTransport
from sphere.marketing.transport.webhook import WebhookTransport
from sphere.rights.notices import notice_parties

app = typer.Typer(help="Create, dry-run, run and list campaigns.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Actor = Annotated[str, typer.Option("--actor", help="Who acts (staff account or role).")]


def _print_report(data: dict[str, Any]) -> None:
    counts = data["counts"]
    typer.echo(
        f"{data['campaign']} ({data['mode']}): {counts['reached']} reached, "
        f"{counts['not_reached']} not reached"
    )
    for line in data["reached"] + data["not_reached"]:
        mark = "yes" if line["allowed"] else "no "
        status = f" [{line['status']}]" if line["status"] else ""
        typer.echo(f"{mark} {line['contact_id']}{status}: {line['reason']}")


@app.command("create")
def create(
    file: Annotated[Path, typer.Argument(help="The campaign as YAML or JSON.")],
    actor: Actor = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Store a campaign under an approved measure (refused ones are stored with the reason)."""
    document = read_document(file)
    with runtime() as rt, rt.session() as session:
        record = create_campaign(session, document, actor=actor, now=rt.clock.now())
        data = campaign_dict(session, record)
    if as_json:
        print_json(data)
    elif data["refusal"]:
        refusal = data["refusal"]
        typer.echo(f"campaign {data['name']!r} refused: {refusal['text']} ({refusal['article']})")
    else:
        typer.echo(f"campaign {data['name']!r} created; run `sphere campaign dry-run` next")


@app.command("dry-run")
def dry_run_(name: str, actor: Actor = "cli", as_json: JsonFlag = False) -> None:
    """List who would be reached now and who not, with the reason per person."""
    with runtime() as rt, rt.session() as session:
        report: CampaignReport = dry_run(
            session, rt.keyring, rt.policy(), name, now=rt.clock.now(), actor=actor
        )
    data = report.as_dict()
    print_json(data) if as_json else _print_report(data)


def _transport(
    smtp_host: str | None,
    smtp_port: int,
    sender: str | None,
    webhook_url: str | None,
    secret_env: str,
) -> Transport:
    if webhook_url:
        secret = os.environ.get(secret_env, "")
        if not secret:
            raise InvalidInput(f"set the webhook signing secret in ${secret_env}")
        return WebhookTransport(webhook_url, secret.encode("utf-8"))
    if smtp_host and sender:
        return SmtpTransport(smtp_host, smtp_port, sender=sender)
    raise InvalidInput("choose a transport: --smtp-host and --sender, or --webhook-url")


@app.command("run")
def run_(
    name: str,
    smtp_host: Annotated[str | None, typer.Option(help="SMTP server host.")] = None,
    smtp_port: Annotated[int, typer.Option(help="SMTP server port.")] = 25,
    sender: Annotated[str | None, typer.Option(help="From address for e-mail.")] = None,
    webhook_url: Annotated[str | None, typer.Option(help="Deliver to this webhook.")] = None,
    webhook_secret_env: Annotated[
        str, typer.Option(help="Environment variable holding the webhook signing secret.")
    ] = "SPHERE_WEBHOOK_SECRET",
    controller: Annotated[
        str | None, typer.Option(help="Controller named in Art. 14 info.")
    ] = None,
    controller_contact: Annotated[str, typer.Option(help="The controller's address.")] = "",
    authority: Annotated[str | None, typer.Option(help="Supervisory authority (Art. 14).")] = None,
    authority_contact: Annotated[str, typer.Option(help="Its address or web site.")] = "",
    actor: Actor = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Send the campaign; every recipient is checked again at send time. With the
    controller and authority known (company.yaml or --controller/--authority), a
    campaign with ``art14: attach`` carries the Art. 14 information to people who have
    not received it; otherwise they are held."""
    transport = _transport(smtp_host, smtp_port, sender, webhook_url, webhook_secret_env)
    with runtime() as rt, rt.session() as session:
        parties = notice_parties(  # company.yaml's controller profile unless given here
            rt.company_profile().controller,
            controller=Party(controller, controller_contact) if controller else None,
            supervisory_authority=Party(authority, authority_contact) if authority else None,
        )
        report = run(
            session,
            rt.keyring,
            rt.policy(),
            name,
            transport,
            now=rt.clock.now(),
            actor=actor,
            notice_parties=parties,
        )
    data = report.as_dict()
    print_json(data) if as_json else _print_report(data)


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List campaigns with their state and send counts."""
    with runtime() as rt, rt.session() as session:
        rows = [campaign_dict(session, c) for c in list_campaigns(session)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no campaigns on record")
    for row in rows:
        sends = row["sends"]
        typer.echo(
            f"{row['name']:<30} {row['state']:<8} {row['channel']:<12} "
            f"sent {sends['sent']}, refused {sends['refused']}, failed {sends['failed']}"
        )
