"""The confirmation step of irreversible actions (issue 16, point 4).

Applying a policy that deletes records, completing an erasure (the person's key is
destroyed), rejecting a request or a measure: the first POST of the action's form shows
this page instead — what will happen, in numbers, and a danger-styled button that posts
the same fields again with ``confirmed=yes``. Without JavaScript, and the same for htmx
(the forms of these actions post as plain forms). The wording per ``kind`` is in
``cockpit/confirm.html``, so it is translated like every other page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import Response

from sphere.accounts import Principal
from sphere.web.cockpit.pages import render
from sphere.web.runtime import WebRuntime

# The confirming POST carries this; the first POST of the form does not.
Confirmed = Annotated[str, Form(max_length=3, pattern="^(yes)?$")]


@dataclass(frozen=True, slots=True)
class Confirmation:
    kind: str  # policy-apply | erasure | reject-request | reject-measure
    action: str  # where the confirming form posts
    cancel: str  # where "Cancel" leads
    fields: dict[str, str] = field(default_factory=dict)  # posted again, hidden
    numbers: dict[str, Any] = field(default_factory=dict)  # what the wording shows


def is_confirmed(confirmed: str) -> bool:
    return confirmed == "yes"


def confirm_page(
    request: Request,
    runtime: WebRuntime,
    principal: Principal,
    csrf_token: str,
    confirmation: Confirmation,
    *,
    active: str,
) -> Response:
    return render(
        request,
        runtime,
        "confirm.html",
        principal=principal,
        csrf_token=csrf_token,
        active=active,
        confirm=confirmation,
    )
