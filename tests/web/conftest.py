"""Web fixtures: an app on a fresh, migrated database per test, a frozen clock, cheap
password hashing, HTTPS test client (cookies are Secure as in production), and helpers
to create staff accounts and log in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role, create_api_token, create_staff_user, make_password_hasher
from sphere.domain.time import FrozenClock
from sphere.governance.sources import add_source
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_session_factory, session_scope
from sphere.web.app import create_app
from sphere.web.config import WebSettings
from tests.factories import COMPANY_YAML
from tests.integration.cockpit.conftest import seed
from tests.runtimes import SOURCES, approve_all_dpias

PASSWORD = "correct horse battery staple"
BASE_URL = "https://testserver"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def web_settings() -> WebSettings:
    return WebSettings(
        cookie_secure=True,
        session_idle_minutes=30,
        session_absolute_hours=12,
        login_max_account_failures=3,
        login_max_address_failures=10,
        login_window_minutes=15,
        login_lockout_minutes=15,
        job_wait_seconds=30,  # a loaded CI machine: jobs answer within the request
    )


@pytest.fixture
def app(
    settings: Settings, web_settings: WebSettings, fresh_engine: Engine, clock: FrozenClock
) -> FastAPI:
    return create_app(
        settings,
        web=web_settings,
        engine=fresh_engine,
        clock=clock,
        hasher=make_password_hasher(fast=True),
    )


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def make_user(fresh_engine: Engine, clock: FrozenClock) -> Callable[..., str]:
    """Create a committed staff account; returns its user name."""
    factory = make_session_factory(fresh_engine)

    def make(username: str, role: Role = Role.DPO, password: str = PASSWORD) -> str:
        with session_scope(factory) as db:
            create_staff_user(
                db,
                username,
                password,
                role=role,
                display_name=f"Test {role.value}",
                hasher=make_password_hasher(fast=True),
                clock=clock,
            )
        return username

    return make


@pytest.fixture
def make_token(fresh_engine: Engine, clock: FrozenClock) -> Callable[..., str]:
    """Issue a committed API token for a role; returns the clear token."""
    factory = make_session_factory(fresh_engine)

    def make(role: Role, name: str = "test machine") -> str:
        with session_scope(factory) as db:
            return create_api_token(db, name=name, role=role, clock=clock).token

    return make


@pytest.fixture
def api_login(client: TestClient) -> Callable[..., str]:
    """Log in through the JSON API; returns the CSRF token for later unsafe requests."""

    def login(username: str, password: str = PASSWORD) -> str:
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["csrf_token"])

    return login


@pytest.fixture
def form_csrf(client: TestClient) -> Callable[[], str]:
    """GET the log-in form (sets the pre-session cookie) and return its CSRF token."""

    def fetch() -> str:
        page = client.get("/cockpit/login")
        assert page.status_code == 200
        return csrf_in(page.text)

    return fetch


def csrf_in(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def seeded(settings: Settings, fresh_engine: Engine, clock: FrozenClock, tmp_path: Path) -> Runtime:
    """The app's database seeded through the real pipeline (tests/integration/cockpit):
    a CRM export with Lena (K-1001, Mastodon account) and Max, and Mastodon posts."""
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "company.yaml").write_text(COMPANY_YAML, encoding="utf-8")
    rt = Runtime(
        settings=settings,
        engine=fresh_engine,
        factory=make_session_factory(fresh_engine),
        keyring=Keyring.from_settings(settings),
        clock=clock,
    )
    with rt.session() as session:
        for name, channel, collection in SOURCES:
            add_source(
                session, name, channel=channel, collection=collection, actor="test", at=clock.now()
            )
    approve_all_dpias(rt)  # the company did its DPIAs (else enrichment is held, Art. 35(1))
    seed(rt, tmp_path)
    return rt


def sent_links(app: FastAPI) -> list[str]:
    """Portal log-in links delivered so far: the lookup and the mail happen after the
    answer (no account enumeration), so wait for that work first."""
    runtime = app.state.runtime
    runtime.after_response.drain()
    return list(runtime.outbox)
