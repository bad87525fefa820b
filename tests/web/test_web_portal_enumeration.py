"""No account enumeration at the portal log-in (issue 18, point 2), against a real SMTP
server on loopback (aiosmtpd) that is slow and strict like a production relay: it takes
0.3 s per message and refuses recipients that are not e-mail addresses.

Before the fix the throttle counted known addresses only (200, 200, 200, 429 for a known
one, 200 forever for an unknown one), the known path was slower by the time the mail
took, there was no limit per client, and a handle typed into the e-mail field was mailed
to (a strict server's refusal became a 500 for known handles only).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import make_password_hasher
from sphere.domain.time import FrozenClock
from sphere.settings import Settings
from sphere.web.app import create_app
from sphere.web.config import WebSettings
from tests.smtp import serve_smtp
from tests.web.conftest import BASE_URL, csrf_in
from tests.web.test_web_portal import LENA, OTTO, subjects  # noqa: F401 - fixture

SMTP_DELAY = 0.3  # seconds a (remote, busy) mail server takes per message
UNKNOWN = "nobody.here@example.net"


class _SlowStrictRelay:
    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001, ANN201, N802
        if "@" not in address.strip("@") or address.startswith("@"):
            return "550 5.1.3 bad recipient address syntax"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        await asyncio.sleep(SMTP_DELAY)
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[int, _SlowStrictRelay]]:
    handler = _SlowStrictRelay()
    with serve_smtp(handler) as port:
        yield port, handler


def _app(
    settings: Settings, engine: Engine, clock: FrozenClock, port: int, **limits: int
) -> FastAPI:
    web = WebSettings(
        cookie_secure=True,
        smtp_host="127.0.0.1",
        smtp_port=port,
        job_runner=False,
        **limits,  # type: ignore[arg-type]
    )
    return create_app(
        settings, web=web, engine=engine, clock=clock, hasher=make_password_hasher(fast=True)
    )


def _ask(client: TestClient, address: str) -> tuple[int, str]:
    page = client.get("/portal/login")
    answer = client.post("/portal/login", data={"email": address, "csrf_token": csrf_in(page.text)})
    return answer.status_code, answer.text


def test_known_and_unknown_addresses_get_the_same_answers_and_throttle(
    settings: Settings,
    fresh_engine: Engine,
    clock: FrozenClock,
    relay: tuple[int, _SlowStrictRelay],
    subjects: dict[str, str],  # noqa: F811
) -> None:
    port, handler = relay
    app = _app(settings, fresh_engine, clock, port)
    with TestClient(app, base_url=BASE_URL) as client:
        known = [_ask(client, LENA) for _ in range(4)]
        unknown = [_ask(client, UNKNOWN) for _ in range(4)]
        app.state.runtime.after_response.drain()
    assert [status for status, _ in known] == [200, 200, 200, 429]
    assert [status for status, _ in unknown] == [200, 200, 200, 429]
    assert known[0][1] == unknown[0][1] and known[3][1] == unknown[3][1]
    assert handler.recipients == [LENA] * 3  # the links did go out, to the address on file


@pytest.mark.serial  # a timing assertion: not beside other tests
def test_known_and_unknown_addresses_take_the_same_time(
    settings: Settings,
    fresh_engine: Engine,
    clock: FrozenClock,
    relay: tuple[int, _SlowStrictRelay],
    subjects: dict[str, str],  # noqa: F811
) -> None:
    port, handler = relay
    app = _app(settings, fresh_engine, clock, port)
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    with TestClient(app, base_url=BASE_URL) as client:
        csrf = csrf_in(client.get("/portal/login").text)
        for address, kind in [(LENA, "known"), (UNKNOWN, "unknown")] * 3:
            started = time.perf_counter()
            answer = client.post("/portal/login", data={"email": address, "csrf_token": csrf})
            timings[kind].append(time.perf_counter() - started)
            assert answer.status_code == 200
        app.state.runtime.after_response.drain()
    known, unknown = (statistics.median(timings[k]) for k in ("known", "unknown"))
    # The mail server alone takes SMTP_DELAY per message: a known address answered after
    # sending would be at least that much slower. Half of it is the tolerance.
    assert abs(known - unknown) < SMTP_DELAY / 2, timings
    assert handler.recipients == [LENA] * 3


def test_one_client_cannot_walk_a_list_of_addresses(
    settings: Settings,
    fresh_engine: Engine,
    clock: FrozenClock,
    relay: tuple[int, _SlowStrictRelay],
    subjects: dict[str, str],  # noqa: F811
) -> None:
    port, _ = relay
    app = _app(settings, fresh_engine, clock, port, portal_login_max_per_client=5)
    with (
        TestClient(app, base_url=BASE_URL, client=("192.0.2.10", 40000)) as walker,
        TestClient(app, base_url=BASE_URL, client=("192.0.2.20", 40000)) as other,
    ):
        statuses = [_ask(walker, f"guess{i}@example.net")[0] for i in range(6)]
        assert statuses == [200] * 5 + [429]
        assert _ask(walker, LENA)[0] == 429  # a known address is refused the same way
        assert _ask(other, LENA)[0] == 200  # another client is not affected
        # the handle log-in counts towards the same per-client limit
        page = walker.get("/portal/login")
        handle = walker.post(
            "/portal/login/handle",
            data={"channel": "mastodon", "handle": "@someone", "csrf_token": csrf_in(page.text)},
        )
        assert handle.status_code == 429


def test_a_global_limit_holds_across_clients(
    settings: Settings,
    fresh_engine: Engine,
    clock: FrozenClock,
    relay: tuple[int, _SlowStrictRelay],
) -> None:
    port, _ = relay
    app = _app(settings, fresh_engine, clock, port, portal_login_max_total=4)
    statuses = []
    for i in range(5):
        with TestClient(app, base_url=BASE_URL, client=(f"192.0.2.{i + 1}", 40000)) as client:
            statuses.append(_ask(client, f"guess{i}@example.net")[0])
    assert statuses == [200] * 4 + [429]


@pytest.mark.parametrize(
    "typed",
    ["@lena_b", "lena_b", "@lena_b@mastodon.example", "lena@", "@example.com", "a b@example.com"],
    ids=["handle", "bare-name", "fediverse-handle", "no-domain", "no-local-part", "space"],
)
def test_the_email_field_takes_only_email_addresses(
    settings: Settings,
    fresh_engine: Engine,
    clock: FrozenClock,
    relay: tuple[int, _SlowStrictRelay],
    typed: str,
) -> None:
    port, handler = relay
    app = _app(settings, fresh_engine, clock, port)
    with TestClient(app, base_url=BASE_URL) as client:
        status, page = _ask(client, typed)
        app.state.runtime.after_response.drain()
    assert status == 422
    assert "This is not an e-mail address" in page and 'aria-invalid="true"' in page
    assert "use the form below" in page
    assert handler.recipients == []
