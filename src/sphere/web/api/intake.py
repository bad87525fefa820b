"""Live intake: one webhook URL per configured source, ``/api/v1/intake/{source}``.

GET answers the platform's subscription check (Meta ``hub.challenge``, X CRC); POST
takes a delivery. The body is read up to ``SPHERE_WEBHOOK_MAX_BYTES`` and handed,
unparsed, to ``sphere.intake.webhooks.WebhookIntake`` (signature first). No log-in: the
signature is the authentication.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, PlainTextResponse, Response

from sphere.intake.webhooks import WebhookIntake

router = APIRouter(prefix="/intake", tags=["intake"])


class DeliveryOut(BaseModel):
    ok: bool = True
    records: int
    new: int


def _intake(request: Request) -> WebhookIntake:
    intake: WebhookIntake = request.app.state.intake
    return intake


@router.get("/counters")
def counters(request: Request) -> dict[str, dict[str, int]]:
    """Per-source counts of accepted and refused deliveries since this process started
    (no personal data: source names and reason tokens)."""
    return _intake(request).counters.snapshot()


@router.get("/{source}", response_model=None)
async def subscription_check(source: str, request: Request) -> Response:
    """Meta: ``?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`` → the challenge.
    X: ``?crc_token=…`` → ``{"response_token": "sha256=…"}``."""
    answer = await _intake(request).challenge(source, dict(request.query_params))
    if isinstance(answer, str):
        return PlainTextResponse(answer)
    return JSONResponse(answer)


@router.post("/{source}")
async def deliver(source: str, request: Request) -> DeliveryOut:
    """A signed delivery; 200 once it is durable (published to the stream or committed)."""
    intake = _intake(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > intake.max_bytes:
        await intake.too_large(source)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > intake.max_bytes:
            await intake.too_large(source)
    records, new = await intake.receive(source, request.headers, bytes(body))
    return DeliveryOut(records=records, new=new)
