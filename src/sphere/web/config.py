"""Web settings: cookies, session lifetimes and log-in limits (env prefix ``SPHERE_WEB_``).

Kept beside the web layer because only it uses them; ``create_app`` builds them from
the environment unless a caller passes its own.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sphere.accounts import LoginLimits, SessionLimits
from sphere.portal.login_throttle import PortalLoginLimits


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPHERE_WEB_", extra="ignore")

    cookie_secure: bool = Field(
        True,
        description="Mark cookies Secure (HTTPS only) and send HSTS. Turn off only for "
        "http://127.0.0.1 development; the cookie names then lose their __Host- prefix.",
    )
    session_idle_minutes: int = Field(
        30, ge=1, description="A session ends this long after its last request."
    )
    session_absolute_hours: int = Field(
        12, ge=1, description="A session ends this long after log-in, however active."
    )
    login_max_account_failures: int = Field(
        5, ge=1, description="Failed log-ins per account within the window before a lockout."
    )
    login_max_address_failures: int = Field(
        20, ge=1, description="Failed log-ins per client address within the window."
    )
    login_window_minutes: int = Field(15, ge=1, description="Window for counting failures.")
    login_lockout_minutes: int = Field(
        15, ge=1, description="How long log-in is refused once a limit is reached."
    )

    portal_login_max_per_address: int = Field(
        3,
        ge=1,
        description="Portal log-in requests (e-mail link or handle challenge) per address or "
        "handle within the window, counted whether or not it is on file.",
    )
    portal_login_max_per_client: int = Field(
        10, ge=1, description="Portal log-in requests per client network address within the window."
    )
    portal_login_max_total: int = Field(
        500, ge=1, description="Portal log-in requests in total within the window (all clients)."
    )
    portal_login_window_minutes: int = Field(
        15, ge=1, description="Window for counting portal log-in requests."
    )
    portal_session_minutes: int = Field(
        30, ge=1, description="A portal (data-subject) session ends this long after log-in."
    )
    smtp_host: str | None = Field(
        None,
        description="SMTP server for portal log-in links. Unset: the link is printed on the "
        "console instead (demo and development only).",
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port.")
    smtp_sender: str = Field("privacy@example.com", description="From address of the e-mails.")
    job_runner: bool = Field(
        True,
        description="Run jobs (what-if, policy apply, dry runs, retention, erasure, exports, "
        "chain verification) in a background thread of this process. Off: a page that "
        "starts a job runs it before answering (tests, a single-user laptop).",
    )
    job_wait_seconds: float = Field(
        2.0,
        ge=0,
        le=30,
        description="How long a request waits for the job it started: done by then, the "
        "result is shown at once; otherwise the job's progress page.",
    )
    findings_inline_max_records: int = Field(
        100_000,
        ge=0,
        description="Up to this many held records the findings are computed on every view; "
        "above it they come from a snapshot job refreshed in the background.",
    )
    findings_max_age_seconds: float = Field(
        300.0,
        ge=0,
        description="A findings snapshot older than this is shown with its time while a "
        "new one is computed in the background.",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest request body accepted (bytes); larger ones are refused with 413 "
        "before they are read. The webhook intake has its own limit.",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL put in front of links sent by e-mail."
    )

    def session_limits(self) -> SessionLimits:
        return SessionLimits(
            idle=timedelta(minutes=self.session_idle_minutes),
            absolute=timedelta(hours=self.session_absolute_hours),
        )

    def portal_login_limits(self) -> PortalLoginLimits:
        return PortalLoginLimits(
            per_target=self.portal_login_max_per_address,
            per_client=self.portal_login_max_per_client,
            total=self.portal_login_max_total,
            window=timedelta(minutes=self.portal_login_window_minutes),
        )

    def login_limits(self) -> LoginLimits:
        return LoginLimits(
            max_account_failures=self.login_max_account_failures,
            max_address_failures=self.login_max_address_failures,
            window=timedelta(minutes=self.login_window_minutes),
            lockout=timedelta(minutes=self.login_lockout_minutes),
        )
