"""The recipients register in the cockpit (GDPR Art. 28, 30(1)(d)-(e), 44-49): every
recipient, processor and sub-processor with its agreement, country and the safeguard of
a transfer. Read-only here; registered with ``sphere recipient add`` or
``POST /api/v1/recipients``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sphere.governance.recipients import is_transfer, list_recipients
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfToken, CurrentDpo, DbSession, Runtime

router = APIRouter(prefix="/cockpit", include_in_schema=False)


@router.get("/recipients")
def recipients_page(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    rows = [(r, is_transfer(r.country)) for r in list_recipients(db)]
    return render(request, runtime, "recipients.html", principal=dpo, csrf_token=csrf_token,
                  active="recipients", rows=rows)  # fmt: skip
