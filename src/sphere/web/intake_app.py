"""The intake-only web app: webhooks and nothing else (``sphere serve --intake-only``).

The full app (``sphere.web.app``) serves the same ``/api/v1/intake/{source}`` URLs, but
every request there passes FastAPI's routing over all cockpit, portal and API routes,
eight middleware layers and dependency resolution, and the process also runs the job
runner: about 2.5 ms of CPU per webhook POST of which the intake itself (signature,
split, publish) is an eighth (py-spy, bench/bench_stream.py --part latency). This app is
a plain ASGI callable with the same four routes, the same ``WebhookIntake`` (signature
first, refusals audited and counted, bad bodies quarantined encrypted) and the same JSON
answers and error codes (``sphere.web.errors.status_for``), so a platform sees no
difference. It starts without the policy or the PII analyzer when ``SPHERE_NATS_URL`` is
set (workers process), so several of them can run side by side (``--workers N``).

Routes: ``GET /api/v1/health``, ``GET /api/v1/intake/counters``,
``GET /api/v1/intake/{source}`` (subscription check), ``POST /api/v1/intake/{source}``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from sphere import __version__
from sphere.domain import Clock, SystemClock
from sphere.errors import SphereError
from sphere.intake.webhooks import WebhookIntake, build_webhook_intake
from sphere.runtime import Runtime, audited_session_factory
from sphere.settings import Settings, load_settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import current_revision, head_revision, make_engine
from sphere.web.errors import log_internal_error, status_for
from sphere.web.security import base_headers

_PREFIX = "/api/v1/intake/"
_JSON = (b"content-type", b"application/json")
_TEXT = (b"content-type", b"text/plain; charset=utf-8")


class IntakeApp:
    """ASGI app serving live intake only (see module docstring)."""

    def __init__(
        self, runtime: Runtime, intake: WebhookIntake, *, hsts: bool = False, owned: bool = True
    ) -> None:
        """``owned``: the engine was built for this app and is disposed on shutdown."""
        self.runtime, self.intake, self.owned = runtime, intake, owned
        self.headers = [*base_headers(hsts=hsts), (b"cache-control", b"no-store")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            await self._route(scope, receive, send)
        except SphereError as exc:
            status, code = status_for(exc)
            if status == 500:
                raise
            headers = [(b"retry-after", b"5")] if status == 503 else []
            error = {"ok": False, "error": {"code": code, "message": str(exc)}}
            await self._answer(send, status, error, headers)
        except Exception as exc:
            log_internal_error(exc, "intake")
            error = {"ok": False, "error": {"code": "internal_error", "message": "internal error"}}
            await self._answer(send, 500, error)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if path == "/api/v1/health" and method in ("GET", "HEAD"):
            await self._answer(send, 200, self._health())
            return
        source = path[len(_PREFIX) :] if path.startswith(_PREFIX) else ""
        if not source or "/" in source:
            await self._answer(send, 404, _error("not_found", "no such page"))
            return
        if method == "GET" and source == "counters":
            await self._answer(send, 200, self.intake.counters.snapshot())
        elif method == "GET":
            params = _query(scope)
            answer = await self.intake.challenge(source, params)
            if isinstance(answer, str):
                await self._send(send, 200, answer.encode("utf-8"), [_TEXT])
            else:
                await self._answer(send, 200, answer)
        elif method == "POST":
            await self._deliver(source, scope, receive, send)
        else:
            await self._answer(send, 405, _error("method_not_allowed", "method not allowed"))

    async def _deliver(self, source: str, scope: Scope, receive: Receive, send: Send) -> None:
        intake = self.intake
        # The first of repeated headers counts, as with Starlette's request.headers.get.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in reversed(scope["headers"])}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > intake.max_bytes:
            await intake.too_large(source)
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > intake.max_bytes:
                await intake.too_large(source)
        records, new = await intake.receive(source, headers, bytes(body))
        await self._answer(send, 200, {"ok": True, "records": records, "new": new})

    def _health(self) -> dict[str, Any]:
        revision = current_revision(self.runtime.engine)
        is_current = revision == head_revision()
        return {
            "status": "ok" if is_current else "degraded",
            "version": __version__,
            "schema_revision": revision,
            "schema_is_current": is_current,
        }

    async def _answer(
        self, send: Send, status: int, payload: object, extra: list[tuple[bytes, bytes]] = ()
    ) -> None:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        await self._send(send, status, body, [_JSON, *extra])

    async def _send(
        self, send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    *headers,
                    (b"content-length", str(len(body)).encode("ascii")),
                    *self.headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.intake.handoff.close()
                if self.owned:
                    self.runtime.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


def _query(scope: Scope) -> dict[str, str]:
    raw = scope.get("query_string", b"").decode("latin-1")
    return dict(parse_qsl(raw, keep_blank_values=True))


def create_intake_app(
    settings: Settings,
    *,
    engine: Any = None,
    clock: Clock | None = None,
    hsts: bool = False,
) -> IntakeApp:
    """Build the intake-only app; ``engine`` and ``clock`` are injectable for tests. The
    database must already be migrated (``sphere db upgrade``)."""
    db_engine = engine or make_engine(settings.resolved_database_url)
    runtime = Runtime(
        settings=settings,
        engine=db_engine,
        factory=audited_session_factory(settings, db_engine),
        keyring=Keyring.from_settings(settings),
        clock=clock or SystemClock(),
    )
    return IntakeApp(runtime, build_webhook_intake(runtime), hsts=hsts, owned=engine is None)


def create_intake_app_from_env() -> IntakeApp:
    """Factory for ASGI servers: settings from ``SPHERE_*`` variables; HSTS when
    ``SPHERE_WEB_COOKIE_SECURE`` is true (as the full app)."""
    from sphere.web.config import WebSettings

    return create_intake_app(load_settings(), hsts=WebSettings().cookie_secure)
