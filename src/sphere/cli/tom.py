"""``sphere tom list|add|update|review``: the catalogue of technical and organisational
measures (GDPR Art. 32, the record's Art. 30(1)(g)). ``list`` shows every measure —
those Sphere implements, evidenced now from its configuration and state, and those the
company declares with an owner and a review date; the others add, change and review a
declared measure (audited). Settings of the web server are known to the server only:
``list`` here shows them as ``unknown``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from sphere.cli._output import print_json
from sphere.cli._runtime import runtime
from sphere.cli.dsr import call_service
from sphere.cockpit.toms import SecurityFacts, build_catalogue
from sphere.governance.breach import BreachInputError
from sphere.governance.toms import (
    GOALS,
    MeasureDraft,
    declare_measure,
    get_declared,
    measure_dict,
    review_measure,
    update_measure,
)
from sphere.i18n.message import render

app = typer.Typer(help="Technical and organisational measures (Art. 32).", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Title = Annotated[str, typer.Option(help="What the measure is, in a few words.")]
Kind = Annotated[str, typer.Option(help="technical or organisational.")]
Goal = Annotated[str, typer.Option(help=f"Art. 32(1) goal: {', '.join(GOALS)}.")]
Owner = Annotated[str, typer.Option(help="Who is responsible (a function or team).")]
Due = Annotated[str, typer.Option(help="Date of the next review, e.g. 2027-03-01.")]
Description = Annotated[str, typer.Option(help="How it is done.")]


def _day(field: str, value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise BreachInputError(field, "a date such as 2027-03-01") from None


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Every measure by Art. 32(1) goal, with its evidence or its owner and review date."""
    with runtime() as rt:
        facts, policy = SecurityFacts.from_settings(rt.settings), rt.policy()
        catalogue = call_service(rt, lambda s: build_catalogue(
            s, policy, facts, now=rt.clock.now()))  # fmt: skip
    if as_json:
        print_json(catalogue.to_dict())
        return
    for goal, entries in catalogue.by_goal():
        typer.echo(f"{goal} ({GOALS[goal]})")
        for e in entries:
            what = (render(None, e.evidence) if e.evidence is not None
                    else f"owner: {e.owner}; next review {e.review_due:%Y-%m-%d}")  # fmt: skip
            typer.echo(f"  [{e.status}] {e.key}: {e.title} — {what}")
    if catalogue.missing_goals:
        typer.echo(f"no measure in place for: {', '.join(catalogue.missing_goals)}")


def _print(data: dict[str, object], as_json: bool, verb: str) -> None:
    if as_json:
        print_json(data)
        return
    typer.echo(f"{data['key']} {verb} ({data['goal']}, owner {data['owner']}, "
               f"next review {data['review_due']})")  # fmt: skip


@app.command("add")
def add(
    title: Title, kind: Kind, goal: Goal, owner: Owner, review_due: Due,
    description: Description = "",
    key: Annotated[str, typer.Option(help="Short name; default: from the title.")] = "",
    as_json: JsonFlag = False,
) -> None:  # fmt: skip
    """Declare a measure Sphere cannot evidence itself (backups, physical access …)."""
    with runtime() as rt:
        draft = MeasureDraft(title=title, kind=kind, goal=goal, owner=owner, key=key,
                             review_due=_day("review_due", review_due),
                             description=description)  # fmt: skip
        now = rt.clock.now()
        data = call_service(rt, lambda s: measure_dict(
            declare_measure(s, draft, actor="cli", at=now), now=now))  # fmt: skip
    _print(data, as_json, "declared")


@app.command("update")
def update(
    key: Annotated[str, typer.Argument(help="The measure's key (see `tom list`).")],
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    kind: Annotated[str | None, typer.Option(help="technical or organisational.")] = None,
    goal: Annotated[str | None, typer.Option(help="Art. 32(1) goal.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who is responsible.")] = None,
    review_due: Annotated[str | None, typer.Option(help="Date of the next review.")] = None,
    description: Annotated[str | None, typer.Option(help="How it is done.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a declared measure; what is not given stays as it is."""
    with runtime() as rt:
        now = rt.clock.now()

        def change(session: Session) -> dict[str, object]:
            old = get_declared(session, key)
            draft = MeasureDraft(
                title=title if title is not None else old.title,
                kind=kind if kind is not None else old.kind,
                goal=goal if goal is not None else old.goal,
                owner=owner if owner is not None else old.owner,
                review_due=(_day("review_due", review_due) if review_due is not None
                            else old.review_due),
                description=description if description is not None else old.description,
            )  # fmt: skip
            changed = update_measure(session, key, draft, actor="cli", at=now)
            return measure_dict(changed, now=now)

        data = call_service(rt, change)
    _print(data, as_json, "updated")


@app.command("review")
def review(
    key: Annotated[str, typer.Argument(help="The measure's key (see `tom list`).")],
    next_review: Annotated[str, typer.Option(help="Date of the review after this one.")],
    as_json: JsonFlag = False,
) -> None:
    """Record that a declared measure was reviewed today (Art. 32(1)(d))."""
    with runtime() as rt:
        now = rt.clock.now()
        due = _day("next_review", next_review)
        data = call_service(rt, lambda s: measure_dict(review_measure(
            s, key, next_review=due, actor="cli", at=now), now=now))  # fmt: skip
    _print(data, as_json, "reviewed")
