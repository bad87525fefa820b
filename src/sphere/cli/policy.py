"""``sphere policy …``: validate, diff and show policy files; show the ACTIVE stored
version, try a draft on the stored data (``whatif``) and ``apply`` it.

``show`` without FILE reads the active stored version (the shipped default when none was
applied; when the SQLite default database does not exist yet it is not created just to
show a policy). ``whatif`` and ``apply`` call the same services as the cockpit
(``sphere.cockpit.whatif``). A ``PolicyError`` becomes one line
``error: <file>:<line>:<col>: <message>`` on stderr and exit code 2 — never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from sphere.cli._output import fail, print_json
from sphere.cli._runtime import runtime
from sphere.errors import PolicyError, SphereError
from sphere.policy import Policy, default_policy, diff_policies, load_policy
from sphere.settings import load_settings

app = typer.Typer(help="Validate, compare and show data-protection policies.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _fail(exc: PolicyError, *, as_json: bool) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    if as_json:
        error = {"file": exc.file, "line": exc.line, "column": exc.column, "message": exc.detail}
        typer.echo(json.dumps({"ok": False, "error": error}))
    raise typer.Exit(code=2)


def _load(path: Path, *, as_json: bool) -> Policy:
    try:
        return load_policy(path)
    except PolicyError as exc:
        _fail(exc, as_json=as_json)


def _value_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _summary(policy: Policy) -> dict[str, object]:
    return {
        "file": policy.source,
        "version": policy.version,
        "hash": policy.content_hash,
        "purposes": len(policy.purposes),
        "rules": len(policy.rules),
        "cells": policy.table_size,
    }


@app.command()
def validate(file: Path, as_json: JsonFlag = False) -> None:
    """Check FILE: schema, references, shadowed rules and purpose consistency."""
    policy = _load(file, as_json=as_json)
    summary = _summary(policy)
    if as_json:
        typer.echo(json.dumps({"ok": True, **summary}))
        return
    typer.echo(
        f"ok: {file} version {policy.version} ({policy.content_hash[:12]}): "
        f"{summary['purposes']} purposes, {summary['rules']} rules, "
        f"{summary['cells']} fact combinations compiled"
    )


@app.command()
def diff(old: Path, new: Path, as_json: JsonFlag = False) -> None:
    """Show what changes from policy OLD to policy NEW, including changed outcomes."""
    before, after = _load(old, as_json=as_json), _load(new, as_json=as_json)
    result = diff_policies(before, after)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"{before.version} ({result.old_hash[:12]}) -> {after.version} ({result.new_hash[:12]})"
    )
    if result.is_empty:
        typer.echo("no changes")
        return
    for name in result.purposes_added:
        typer.echo(f"+ purpose {name}")
    for name in result.purposes_removed:
        typer.echo(f"- purpose {name}")
    for change in result.purposes_changed:
        for field in change.changes:
            typer.echo(f"~ purpose {change.purpose}.{field.field}: {field.old!r} -> {field.new!r}")
    for rule_id in result.rules_added:
        typer.echo(f"+ rule {rule_id}")
    for rule_id in result.rules_removed:
        typer.echo(f"- rule {rule_id}")
    for rule_change in result.rules_changed:
        for field in rule_change.changes:
            typer.echo(
                f"~ rule {rule_change.rule_id}.{field.field}: {field.old!r} -> {field.new!r}"
            )
    typer.echo(f"{result.cells_changed} of {result.cells_total} fact combinations change outcome")
    for shift in result.outcome_shifts:
        typer.echo(
            f"  {shift.cells:>8}  {shift.old_rule} ({shift.old_outcome}) -> "
            f"{shift.new_rule} ({shift.new_outcome})"
        )


@app.command()
def show(
    file: Annotated[Path | None, typer.Argument(help="Policy file; default: shipped")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Print the purposes and rules of FILE, or of the ACTIVE stored policy version."""
    policy = _load(file, as_json=as_json) if file is not None else _policy_in_force()
    if as_json:
        typer.echo(
            json.dumps(
                {**_summary(policy), "policy": policy.to_dict()}, ensure_ascii=False, indent=2
            )
        )
        return
    typer.echo(f"policy {policy.version} ({policy.content_hash[:12]}) from {policy.source}")
    typer.echo("purposes:")
    for purpose, spec in policy.purposes.items():
        dpia = ", DPIA" if spec.dpia_required else ""
        categories = ", ".join(c.value for c in spec.data_categories)
        typer.echo(
            f"  {purpose.value}: {spec.legal_basis.article}, {spec.retention_days} days"
            f"{dpia}; data: {categories}"
        )
    typer.echo("rules (first match wins):")
    for number, rule in enumerate(policy.rules, start=1):
        conditions = (
            "; ".join(
                f"{name}={'|'.join(_value_text(v) for v in vals)}" for name, vals in rule.when
            )
            or "always"
        )
        duties = f" [{', '.join(d.value for d in rule.duties)}]" if rule.duties else ""
        typer.echo(
            f"  {number:>2}. {rule.id}: if {conditions} -> {rule.outcome.value}{duties}"
            f" ({rule.article})"
        )
    typer.echo("   *. default.fail-closed: otherwise -> needs_review")


def _policy_in_force() -> Policy:
    """The active stored version; the shipped default when none was applied yet."""
    settings = load_settings()
    url = settings.resolved_database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return default_policy()
    from sphere.governance.policy_versions import active_policy

    with runtime() as rt, rt.session() as session:
        return active_policy(session)


def _whatif_lines(result: object) -> list[str]:
    data = result.to_dict()  # type: ignore[attr-defined]
    lines = [
        f"{data['old_version']} -> {data['new_version']}: {data['changed']} of "
        f"{data['records']} stored records change outcome, {data['no_longer_stored']} would "
        f"be deleted, {data['contacts_affected']} contacts affected",
        "activities affected: " + (", ".join(data["activities_affected"]) or "none"),
    ]
    for shift in data["shifts"]:
        lines.append(
            f"  {shift['count']:>6}  {shift['old_rule']} ({shift['old_outcome']}) -> "
            f"{shift['new_rule']} ({shift['new_outcome']})"
        )
    lines.append(
        f"campaigns: {data['campaigns']} of {data['campaigns_checked']} that can still be sent "
        "change outcome (each send is checked again at send time)"
    )
    for shift in data["campaign_shifts"]:
        lines.append(
            f"  {shift['name']}: {shift['old_outcome']} -> {shift['new_outcome']}, reached "
            f"{shift['old_reached']} -> {shift['new_reached']}"
        )
    return lines


@app.command()
def whatif(file: Path, as_json: JsonFlag = False) -> None:
    """How policy FILE would decide the STORED data, compared with the active version."""
    from sphere.cockpit.whatif import what_if

    draft = _load(file, as_json=as_json)
    with runtime() as rt, rt.session() as session:
        result = what_if(session, rt.keyring, draft, now=rt.clock.now())
    if as_json:
        print_json(result.to_dict())
        return
    for line in _whatif_lines(result):
        typer.echo(line)


@app.command()
def apply(
    file: Path,
    actor: Annotated[str, typer.Option(help="Who applies it (a token for the audit log).")] = (
        "cli"
    ),
    as_json: JsonFlag = False,
) -> None:
    """Make FILE the active policy and re-evaluate the stored data (audited). Runs as a
    job here, in committed batches with a progress bar; if it stops, `sphere job
    resume ID` continues after the last committed batch."""
    from sphere.cli.job import run_with_progress

    draft = _load(file, as_json=as_json)
    try:
        with runtime() as rt:
            job = run_with_progress(
                rt, "policy_apply", {"yaml": draft.text, "disable_rule": None}, actor=actor,
                quiet=as_json,
            )  # fmt: skip
    except SphereError as exc:
        fail(exc)
    result = job.result
    if as_json:
        print_json(result)
        return

    class _Summary:
        def to_dict(self) -> dict[str, object]:
            return dict(result["whatif"])

    for line in _whatif_lines(_Summary()):
        typer.echo(line)
    typer.echo(
        f"applied {result['version']}: {result['deleted_interactions']} interactions and "
        f"{result['deleted_events']} events deleted ({result['derived_removed']} derived), "
        f"{result['decisions_appended']} decisions appended, "
        f"{result['contacts_to_review']} contacts to review"
    )
