"""``sphere profile explain|enrich``: what is derived about a contact, and why."""

from __future__ import annotations

from typing import Annotated

import typer

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.domain import Purpose
from sphere.errors import InvalidInput
from sphere.marketing.enrichment import enrich_contact
from sphere.marketing.profile_explain import explain_profile, explain_text

app = typer.Typer(help="Explain and build contacts' derived profiles.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Subject = Annotated[str, typer.Option("--subject", help="The contact id.")]


@app.command("explain")
def explain(subject: Subject, as_json: JsonFlag = False) -> None:
    """Every derived attribute, score and segment of a contact with explanation."""
    with runtime() as rt, rt.session() as session:
        data = explain_profile(session, rt.keyring, subject)
    print_json(data) if as_json else typer.echo(explain_text(data))


@app.command("enrich")
def enrich(
    subject: Subject,
    purpose: Annotated[str, typer.Option(help="profiling or enrichment")] = "profiling",
    actor: Annotated[str, typer.Option("--actor")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Derive interests, sentiment, cross-selling potential and churn risk (consent-gated)."""
    if purpose not in (Purpose.PROFILING.value, Purpose.ENRICHMENT.value):
        raise InvalidInput("--purpose must be profiling or enrichment")
    with runtime() as rt, rt.session() as session:
        result = enrich_contact(
            session, rt.keyring, rt.policy(), subject, now=rt.clock.now(), actor=actor,
            purpose=Purpose(purpose),
        )  # fmt: skip
        data = {
            "contact_id": result.contact_id,
            "purpose": result.purpose.value,
            "stored": [{"id": a.id, "name": a.name, "explanation": a.explanation}
                       for a in result.stored],
            "refusal": None if result.refusal is None else {
                "code": result.refusal.code, "text": result.refusal.text,
                "article": result.refusal.article},
            "skipped": result.skipped,
            "legal_basis": result.legal_basis.value if result.legal_basis else None,
        }  # fmt: skip
    if as_json:
        print_json(data)
    elif result.refusal:
        typer.echo(f"refused: {result.refusal}")
    else:
        for item in data["stored"]:
            typer.echo(f"- {item['name']}: {item['explanation']}")
