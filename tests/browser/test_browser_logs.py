"""No personal data or secrets in the logs (issue 18, point 5): a staff session and a
portal session in a real browser against a server that logs like a verbose production
install (uvicorn access log on, every application logger at INFO, log-in links sent by a
real SMTP server on loopback instead of the console), then the whole log is searched for
every identifier the sessions used: e-mail addresses, phone number, customer number,
handle and account id, the staff user name, the log-in link token, the session cookies
and the handle challenge's secret.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import AGENT_USER, DPO_PASSWORD, LENA, MIA, MIA_MASTODON, serve
from tests.smtp import Inbox, loopback_smtp

pytestmark = pytest.mark.browser

CUSTOMER_NUMBER = "K-100342"
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["out"], "level": "INFO"},
    "loggers": {
        "uvicorn": {"level": "INFO"},
        "uvicorn.access": {"level": "INFO"},
        "uvicorn.error": {"level": "INFO"},
    },
}


@pytest.fixture(scope="module")
def logged_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Inbox]]:
    home = tmp_path_factory.mktemp("logged-home")
    config = home / "logging.json"
    config.write_text(json.dumps(LOG_CONFIG), encoding="utf-8")

    def customer_number(db: Any, keyring: Any) -> None:
        from sphere.domain import IdentityKind
        from sphere.domain.time import utcnow
        from sphere.storage.repositories.contacts import ContactRepository

        contacts = ContactRepository(db, keyring)
        found = contacts.find_by_identity(IdentityKind.EMAIL, LENA)
        contacts.add_identity(found.id, IdentityKind.CUSTOMER_NUMBER, CUSTOMER_NUMBER, at=utcnow())

    with (
        loopback_smtp() as (inbox, port),
        serve(
            home,
            env_extra={"SPHERE_WEB_SMTP_HOST": "127.0.0.1", "SPHERE_WEB_SMTP_PORT": str(port)},
            uvicorn_args=("--log-level", "info", "--access-log", "--log-config", str(config)),
            seed_more=customer_number,
        ) as server,
    ):
        yield server, inbox


def _staff_session(page: Any, url: str) -> list[str]:
    page.goto(f"{url}/cockpit/login")
    page.get_by_label("User name").fill(AGENT_USER)
    page.get_by_label("Password").fill(DPO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cockpit/contacts$"))
    for query in (LENA, CUSTOMER_NUMBER, f"mastodon:{MIA_MASTODON[0]}", "+49 89 5550100"):
        page.get_by_label("E-mail, phone, customer number or handle").fill(query)
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="1 contact found").wait_for()
    page.get_by_role("link", name=re.compile(r"^Contact ")).click()
    page.wait_for_url(re.compile(r".*/cockpit/contacts/[0-9a-f-]+/timeline$"))
    secrets = [c["value"] for c in page.context.cookies()]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/cockpit/login$"))
    return secrets


def _portal_session(page: Any, url: str, inbox: Inbox) -> list[str]:
    page.goto(f"{url}/portal/login")
    page.get_by_label("E-mail address").fill(LENA)
    page.get_by_role("button", name="Send me a log-in link").click()
    assert "log-in link is on its way" in page.get_by_role("status").inner_text()
    deadline = time.monotonic() + 15
    while not inbox.messages:
        assert time.monotonic() < deadline, "no log-in mail"
        time.sleep(0.05)
    link = re.search(r"http\S+/portal/login/(\S+)", inbox.messages[-1].get_content())
    assert link is not None
    page.goto(link.group(0))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/portal/overview$"))
    page.get_by_role("link", name="Your requests").click()
    page.wait_for_url(re.compile(r".*/portal/requests$"))
    page.locator("#request-type").select_option("rectification")
    page.locator("#request-details").fill(f"my customer number is {CUSTOMER_NUMBER}")
    page.get_by_role("button", name="Open request").click()
    page.get_by_role("status").wait_for()
    secrets = [link.group(1), *(c["value"] for c in page.context.cookies())]
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/portal/login$"))

    page.goto(f"{url}/portal/login")  # and a handle challenge
    section = page.locator("section", has=page.get_by_role("heading", name="Log in with a social"))
    section.get_by_label("Network").select_option(label="Mastodon")
    section.get_by_label("Your handle").fill("@" + MIA_MASTODON[0])
    section.get_by_role("button", name="Show me the phrase").click()
    page.wait_for_url(re.compile(r".*/portal/login/handle$"))
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return [*secrets, cookies["sphere_portal_challenge"]]


def test_no_identifier_or_token_reaches_the_logs(
    page: Any, logged_server: tuple[Any, Inbox]
) -> None:
    server, inbox = logged_server
    secrets = _staff_session(page, server.url)
    secrets += _portal_session(page, server.url, inbox)
    time.sleep(0.5)  # the server flushes its last lines
    log = Path(server.log).read_text(encoding="utf-8")
    # the log is not empty: access lines and application lines are there
    assert '"POST /cockpit/contacts HTTP/1.1" 200' in log
    assert "/portal/login/… HTTP/1.1" in log
    assert "sqlalchemy.engine" in log or "uvicorn.error" in log
    identifiers = {
        "e-mail": LENA,
        "e-mail (url-encoded)": LENA.replace("@", "%40"),
        "other e-mail": MIA,
        "customer number": CUSTOMER_NUMBER,
        "handle": MIA_MASTODON[0],
        "account id": MIA_MASTODON[1],
        "phone": "5550100",
        "staff user name": AGENT_USER,
        "password": DPO_PASSWORD,
    }
    identifiers.update({f"secret {i}": value for i, value in enumerate(secrets) if len(value) > 8})
    leaked = {name for name, value in identifiers.items() if value.lower() in log.lower()}
    assert leaked == set(), leaked
