"""The application factory. No module-level app: ``create_app(settings)`` builds one.

``sphere serve`` (and any ASGI server) uses ``create_app_from_env`` as a factory:
``uvicorn --factory sphere.web.app:create_app_from_env``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.responses import RedirectResponse

from sphere import __version__
from sphere.accounts import make_password_hasher
from sphere.domain.time import Clock, SystemClock
from sphere.intake.webhooks import build_webhook_intake
from sphere.jobs import JobRunner
from sphere.portal import link_throttle_key
from sphere.runtime import Runtime, audited_session_factory
from sphere.settings import Settings, load_settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_engine
from sphere.web.api import router as api_router
from sphere.web.body_limit import BodyLimitMiddleware
from sphere.web.cockpit import router as cockpit_router
from sphere.web.config import WebSettings
from sphere.web.errors import install_error_handlers
from sphere.web.log_redaction import install_access_log_redaction
from sphere.web.portal import router as portal_router
from sphere.web.public import router as public_router
from sphere.web.runtime import STATIC_DIR, WebRuntime, derive_key, make_templates
from sphere.web.security import SecurityHeadersMiddleware


def create_app(
    settings: Settings,
    *,
    web: WebSettings | None = None,
    engine: Engine | None = None,
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
) -> FastAPI:
    """Build the web app. ``engine`` (else one from ``settings``), ``clock`` and
    ``hasher`` are injectable for tests; an engine built here is disposed on shutdown.
    The database must already be migrated (``sphere db upgrade``)."""
    web = web or WebSettings()
    install_access_log_redaction()
    owned = engine is None
    db_engine = engine or make_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = app.state.runtime.jobs
        if runner is not None:
            runner.start()
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()
            app.state.runtime.after_response.close()
            await app.state.intake.handoff.close()
            if owned:
                db_engine.dispose()

    app = FastAPI(
        title="Sphere",
        version=__version__,
        description="Data protection for Social CRM: JSON API, DPO cockpit, customer portal.",
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger/ReDoc load scripts from a CDN and inline; CSP forbids both
        redoc_url=None,
        lifespan=lifespan,
    )
    core = Runtime(
        settings=settings,
        engine=db_engine,
        factory=audited_session_factory(settings, db_engine),
        keyring=Keyring.from_settings(settings),
        clock=clock or SystemClock(),
    )
    app.state.runtime = WebRuntime(
        core=core,
        web=web,
        templates=make_templates(),
        hasher=hasher or make_password_hasher(),
        csrf_key=derive_key(settings, "csrf"),
        throttle_key=derive_key(settings, "login-throttle"),
        link_throttle_key=link_throttle_key(settings),
        jobs=JobRunner(core) if web.job_runner else None,
    )
    app.state.engine = db_engine
    app.state.intake = build_webhook_intake(core)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limit=web.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, hsts=web.cookie_secure)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api_router)
    app.include_router(cockpit_router)
    app.include_router(portal_router)
    app.include_router(public_router)

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/transparency", status_code=307)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:  # for clients that ask before reading <link rel=icon>
        return RedirectResponse("/static/favicon.svg", status_code=308)

    return app


def create_app_from_env() -> FastAPI:
    """Factory for ASGI servers: settings from ``SPHERE_*`` / ``SPHERE_WEB_*`` variables."""
    return create_app(load_settings())
