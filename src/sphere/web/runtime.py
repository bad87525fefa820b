"""What one app instance holds: the project's composition root (``sphere.runtime.Runtime``:
settings, engine, session factory, keyring, clock) plus what only the web needs
(templates, password hasher, CSRF and throttle keys, cookie settings).

Stored on ``app.state.runtime`` by ``create_app`` and reached through ``deps.py``;
never a module global.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker
from starlette.templating import Jinja2Templates

from sphere.channels.company import load_company_profile
from sphere.consent.receipt import Controller
from sphere.domain.controller import ControllerProfile
from sphere.domain.time import Clock
from sphere.errors import InvalidInput
from sphere.jobs import JobRunner
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.web._systems_health import HealthCache
from sphere.web.config import WebSettings
from sphere.web.i18n import context_processor as i18n_context
from sphere.web.i18n import install as install_i18n

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def derive_key(settings: Settings, purpose: str) -> bytes:
    """A key for one web purpose (CSRF, throttle keys), derived from the pseudonym secret
    with HMAC domain separation so no two uses share a key."""
    secret = settings.pseudonym_secret.get_secret_value().encode("utf-8")
    return hmac.new(secret, f"sphere.web:{purpose}".encode(), hashlib.sha256).digest()


def make_templates() -> Jinja2Templates:
    """Jinja2 with autoescape ON for every template (channel content is hostile input)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_i18n(env)
    return Jinja2Templates(env=env, context_processors=[i18n_context])


log = logging.getLogger("sphere.web")


@lru_cache(maxsize=4)
def _company_contact(path: str, _stamp: int) -> ControllerProfile:
    try:
        profile = load_company_profile(Path(path))
    except InvalidInput:
        return ControllerProfile()  # the cockpit reports a broken file
    return profile.controller


class AfterResponse:
    """Work done after the answer has gone out, on one worker thread of this process.

    Why: the portal log-in answers the same, equally fast, for addresses on file and
    unknown ones (no account enumeration); looking the address up, issuing the link and
    talking to the mail server happen here, where the asker cannot time them. A failure
    is logged by its exception type only (never an address or a token) and is lost with
    the process, like a mail that did not arrive: the person asks again.
    """

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None  # started at the first submit
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, what: str, work: Callable[[], None]) -> None:
        def run() -> None:
            try:
                work()
            except Exception as exc:  # noqa: BLE001 - logged by type; the asker got an answer
                log.warning("%s failed after the answer: %s", what, type(exc).__name__)

        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sphere-after")
            future = self._pool.submit(run)
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until everything submitted so far is done (tests, shutdown)."""
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


@dataclass(frozen=True)
class WebRuntime:
    core: Runtime
    web: WebSettings
    templates: Jinja2Templates
    hasher: PasswordHasher
    csrf_key: bytes
    throttle_key: bytes
    link_throttle_key: bytes = b""
    # The background job runner (``web.job_runner``); None runs jobs inside the request.
    jobs: JobRunner | None = None
    # Links delivered to the console (no SMTP host): kept here too, for tests and the demo.
    outbox: list[str] = field(default_factory=list)
    after_response: AfterResponse = field(default_factory=AfterResponse)
    # The connected systems' health, asked at most once a minute (cockpit page).
    systems_health: HealthCache = field(default_factory=HealthCache)

    @property
    def settings(self) -> Settings:
        return self.core.settings

    @property
    def clock(self) -> Clock:
        return self.core.clock

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.core.factory

    @property
    def keyring(self) -> Keyring:
        return self.core.keyring

    @property
    def session_cookie(self) -> str:
        return "__Host-sphere_session" if self.web.cookie_secure else "sphere_session"

    @property
    def portal_cookie(self) -> str:
        return "__Host-sphere_portal" if self.web.cookie_secure else "sphere_portal"

    def company_contact(self) -> ControllerProfile:
        """The controller profile as configured (``company.yaml``: ``name``,
        ``privacy_contact``, ``controller:``; empty when not set), read again only when
        the file changes: every portal and public page names the controller, its DPO
        and the supervisory authority (Art. 13(1)(a)-(b), Art. 14(1)(a)-(b))."""
        path = self.core.settings.resolved_company_file
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return ControllerProfile()
        return _company_contact(str(path), stamp)

    def receipt_controller(self) -> Controller:
        """The controller named in consent receipts (portal pages and API alike)."""
        profile = self.core.company_profile().controller
        name = profile.name or "the controller"
        contact = profile.contact or self.web.smtp_sender
        return Controller(name=name, contact=contact)

    @property
    def presession_cookie(self) -> str:
        return "__Host-sphere_presession" if self.web.cookie_secure else "sphere_presession"
