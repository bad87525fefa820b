"""``sphere portal link EMAIL``: a one-time portal log-in link issued by staff.

For a customer who asked for a link and cannot receive the e-mail (or for trying the
portal on the demo): the link is printed, not mailed, lasts 15 minutes and is audited
(``portal.link_issued``, actor ``cli``). Only someone with the server's settings and
database can run it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sphere.cli._output import fail, print_json
from sphere.cli._runtime import runtime
from sphere.errors import SphereError

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("link")
def link(
    email: Annotated[str, typer.Argument(help="The customer's e-mail address on file.")],
    base_url: Annotated[
        str, typer.Option(help="Where the portal is served.")
    ] = "http://127.0.0.1:8000",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Issue a one-time portal log-in link (15 minutes) for the contact with EMAIL."""
    from sphere.portal import issue_portal_link

    try:
        with runtime() as rt:
            url = issue_portal_link(rt, email, base_url=base_url, actor="cli")
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json({"link": url, "expires_in_minutes": 15})
        return
    typer.echo(f"portal log-in link (one use, 15 minutes): {url}")
