"""Runtime configuration: one Settings object, built at the edge and passed down.

Environment variables use the prefix ``SPHERE_`` (``SPHERE_DATABASE_URL``,
``SPHERE_HOME``). Secrets are ``SecretStr`` and never logged; ``safe_dump`` uses an
allow-list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sphere.errors import ConfigurationError

DEV_PLACEHOLDER = "dev-only-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SPHERE_", env_nested_delimiter="__", extra="ignore"
    )

    env: Literal["dev", "test", "prod"] = Field(
        "dev", description="Deployment environment; 'prod' refuses placeholder secrets."
    )
    home: Path = Field(
        Path("./.sphere"),
        description="Directory for the SQLite database, key files and exports.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db. "
        "Default: a SQLite file sphere.db under SPHERE_HOME.",
    )
    pseudonym_secret: SecretStr = Field(
        SecretStr(DEV_PLACEHOLDER),
        description="HMAC key for keyed pseudonyms and blind indexes; held outside the database.",
    )
    master_key: SecretStr | None = Field(
        None,
        description="Base64 32-byte master key that wraps per-subject data keys. "
        "Default: read from master_key_file.",
    )
    master_key_file: Path | None = Field(
        None,
        description="File holding the master key (mode 0600). Default: SPHERE_HOME/master.key, "
        "created on first use in dev.",
    )
    audit_key: SecretStr | None = Field(
        None,
        description="Base64 32-byte HMAC key that keys every audit entry (held outside the "
        "database, so a database writer cannot recompute the chain). Default: read from "
        "audit_key_file.",
    )
    audit_key_file: Path | None = Field(
        None,
        description="File holding the audit HMAC key (mode 0600). Default: "
        "SPHERE_HOME/audit.key, created on first use in dev and test.",
    )
    audit_signing_key_file: Path | None = Field(
        None,
        description="Ed25519 private key (PEM, mode 0600) that signs audit checkpoints. "
        "Default: SPHERE_HOME/audit-signing.pem, created on first use in dev and test.",
    )
    audit_checkpoint_dir: Path | None = Field(
        None,
        description="Directory (append-only; a WORM bucket mount in production) for signed "
        "checkpoints of the audit chain head. Default: SPHERE_HOME/audit-checkpoints.",
    )
    audit_checkpoint_every: int = Field(
        1000,
        ge=1,
        description="Write a signed checkpoint after a commit once the chain has grown by "
        "this many entries since the last one (`sphere audit checkpoint` writes one now).",
    )
    policy_file: Path | None = Field(
        None, description="Policy YAML to apply on first start. Default: the shipped policy."
    )
    company_file: Path | None = Field(
        None,
        description="YAML with the company's accounts, brands, products and hashtags "
        "(docs/channels.md). Default: SPHERE_HOME/company.yaml if it exists.",
    )
    connectors_dir: Path | None = Field(
        None,
        description="Directory of connector definitions, one YAML file per connected system "
        "(docs/connectors.md): erasure and access reach them too. Default: "
        "SPHERE_HOME/connectors if it exists.",
    )
    batch_size: int = Field(500, description="Records per committed transaction when ingesting.")
    member_state: str = Field(
        "DE",
        min_length=2,
        max_length=2,
        description="ISO 3166-1 code of the member state whose law sets the age of digital "
        "consent (GDPR Art. 8(1): 16; lowered to 13-15 by some states; Germany 16). Below "
        "it a person counts as a minor: no profiling, enrichment or marketing without a "
        "holder of parental responsibility's consent.",
    )
    phone_region: str | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="ISO 3166-1 code of the country whose numbering plan a phone number "
        "written without a country code (0911-953-63863) belongs to, for staff contact "
        "search and data-subject lookups. Default: member_state.",
    )
    language: Literal["de", "en"] = Field(
        "en",
        description="Language of pages and mails when neither the person's choice (the "
        "`sphere_lang` cookie) nor the browser's Accept-Language names German or English.",
    )
    timezone: str = Field(
        "Europe/Berlin",
        description="IANA time zone in which pages, mails, receipts and exports show dates "
        "and times (they are stored in UTC).",
    )
    digital_consent_age: int | None = Field(
        None,
        ge=13,
        le=16,
        description="Overrides the member state's age of digital consent (13-16).",
    )
    quarantine_retention_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Days a quarantined input (encrypted payload) is kept for review or "
        "retry before `sphere retention run` deletes it and destroys its key.",
    )

    nats_url: str | None = Field(
        None,
        description="NATS server with JetStream, e.g. nats://127.0.0.1:4222. When set, webhooks, "
        "listeners and `sphere ingest --via-stream` publish raw payloads to the stream and "
        "`sphere worker` processes them; unset, intake is processed in-process.",
    )
    nats_stream: str = Field(
        "SPHERE_INTAKE",
        description="JetStream stream name; subjects are <name lower-case>.<source>. "
        "A second stream <name>_QUARANTINE holds nothing: poison messages go to the database.",
    )
    intake_file: Path | None = Field(
        None,
        description="YAML with per-source live-intake settings (webhook secrets, verify "
        "tokens, listener URLs; docs/intake.md). Default: SPHERE_HOME/intake.yaml if it exists.",
    )
    webhook_max_bytes: int = Field(
        1_000_000, ge=1_024, description="Largest webhook body accepted (bytes); larger is 413."
    )
    webhook_replay_window_seconds: int = Field(
        300,
        ge=10,
        description="Signed webhooks whose timestamp is further from now than this are "
        "refused as replays (generic signed webhook).",
    )
    worker_batch_size: int = Field(
        200, ge=1, description="Stream messages a worker pulls and commits in one transaction."
    )
    worker_max_deliveries: int = Field(
        5,
        ge=1,
        description="Deliveries of one stream message before a worker quarantines it "
        "(poison message) and acknowledges it.",
    )
    release_k: int = Field(
        10,
        ge=2,
        description="k of the k-threshold: an anonymous figure (count, cell, median) based on "
        "fewer than k posts or requests is never released (docs/anonymisation.md).",
    )
    release_epsilon: float = Field(
        0.5,
        gt=0,
        le=10,
        description="Differential-privacy epsilon spent by one release of anonymous figures "
        "(split over the figures it holds).",
    )
    release_delta: float = Field(
        1e-6,
        gt=0,
        lt=1e-3,
        description="Differential-privacy delta of one release of count tables (the chance "
        "that a cell below the threshold is shown).",
    )
    release_contributions: int = Field(
        1,
        ge=1,
        le=1000,
        description="How many posts or requests one person may add to one release; the noise "
        "grows with it (1 = protect each post; set to posts per person per month to protect "
        "people who post often).",
    )
    privacy_budget_epsilon: float = Field(
        10.0,
        gt=0,
        description="Epsilon one scope (listening, transparency, exports) may spend per calendar "
        "month of data; further releases are refused with a reason.",
    )
    privacy_budget_delta: float = Field(
        1e-4,
        gt=0,
        lt=1e-2,
        description="Delta one scope may spend per calendar month of data.",
    )

    @model_validator(mode="after")
    def _known_timezone(self) -> Settings:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"SPHERE_TIMEZONE: unknown time zone {self.timezone!r}") from exc
        return self

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env == "prod" and self.pseudonym_secret.get_secret_value() == DEV_PLACEHOLDER:
            raise ValueError("SPHERE_PSEUDONYM_SECRET must be set in prod")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'sphere.db').as_posix()}"

    @property
    def resolved_phone_region(self) -> str:
        return (self.phone_region or self.member_state).upper()

    @property
    def resolved_company_file(self) -> Path:
        return self.company_file or self.home / "company.yaml"

    @property
    def resolved_connectors_dir(self) -> Path:
        return self.connectors_dir or self.home / "connectors"

    @property
    def resolved_intake_file(self) -> Path:
        return self.intake_file or self.home / "intake.yaml"

    @property
    def resolved_master_key_file(self) -> Path:
        return self.master_key_file or self.home / "master.key"

    @property
    def resolved_audit_key_file(self) -> Path:
        return self.audit_key_file or self.home / "audit.key"

    @property
    def resolved_audit_signing_key_file(self) -> Path:
        return self.audit_signing_key_file or self.home / "audit-signing.pem"

    @property
    def resolved_audit_checkpoint_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.home / "audit-checkpoints"

    def safe_dump(self) -> dict[str, Any]:
        """Settings that may be printed or logged (no secrets, no credentials in URLs)."""
        url = self.resolved_database_url
        if "@" in url:
            scheme, _, rest = url.partition("://")
            url = f"{scheme}://***@{rest.split('@', 1)[1]}"
        return {
            "env": self.env,
            "home": str(self.home),
            "database_url": url,
            "batch_size": self.batch_size,
            "policy_file": str(self.policy_file) if self.policy_file else None,
        }


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment; turn validation errors into one clear line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [
            (f"SPHERE_{'_'.join(str(p) for p in e['loc']).upper()}: " if e["loc"] else "")
            + str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors()
        ]
        raise ConfigurationError(f"invalid settings: {'; '.join(problems)}") from None
    except ValueError as exc:
        raise ConfigurationError(f"invalid settings: {exc}") from None


def settings_markdown() -> str:
    """The configuration reference, generated from the field descriptions."""
    lines = [
        "# Configuration",
        "",
        "Generated from `sphere.settings.Settings` by `make docs`; a test fails when it drifts.",
        "Every setting is an environment variable with the prefix `SPHERE_`.",
        "",
        "| variable | default | description |",
        "| --- | --- | --- |",
    ]
    for name, info in Settings.model_fields.items():
        default = info.default
        if isinstance(default, SecretStr):
            default = "(placeholder, dev only)"
        lines.append(f"| `SPHERE_{name.upper()}` | `{default}` | {info.description} |")
    return "\n".join(lines) + "\n"
