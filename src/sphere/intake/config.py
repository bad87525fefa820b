"""Per-source live-intake settings from ``SPHERE_HOME/intake.yaml`` (``SPHERE_INTAKE_FILE``).

```yaml
sources:
  fb-page:                       # a source registered with `sphere source add`
    kind: meta                   # meta | x | signed | mastodon | bluesky
    secrets: [env:FB_APP_SECRET] # app secret(s); two while rotating
    verify_token: env:FB_VERIFY_TOKEN
  x-company:
    kind: x
    secrets: [env:X_CONSUMER_SECRET]
  forum:
    kind: signed
    secrets: [env:FORUM_SIGNING_SECRET, env:FORUM_SIGNING_SECRET_OLD]
  masto:
    kind: mastodon
    url: https://social.example   # the instance
    access_token: env:MASTODON_TOKEN
    streams: [notification, "hashtag:optiklinse"]
  bsky:
    kind: bluesky
    url: wss://jetstream.example/subscribe
    collections: [app.bsky.feed.post]
```

A secret is given literally or as ``env:NAME`` (read from the environment when the file
is loaded, so the file itself can stay free of secrets). Secrets become ``SecretStr``:
their repr is ``'**********'`` and they never reach a log or an error message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sphere.errors import ConfigurationError

_KEYS = {"kind", "secrets", "verify_token", "url", "access_token", "streams", "collections"}


class IntakeKind(StrEnum):
    META = "meta"  # Facebook / Instagram Graph webhooks
    X = "x"  # X Account Activity API webhooks
    SIGNED = "signed"  # Sphere's generic signed webhook
    MASTODON = "mastodon"  # streaming listener (server-sent events)
    BLUESKY = "bluesky"  # Jetstream listener (WebSocket)

    @property
    def is_webhook(self) -> bool:
        return self in (IntakeKind.META, IntakeKind.X, IntakeKind.SIGNED)


@dataclass(frozen=True)
class SourceIntake:
    source: str
    kind: IntakeKind
    secrets: tuple[SecretStr, ...] = ()
    verify_tokens: tuple[SecretStr, ...] = ()
    url: str | None = None
    access_token: SecretStr | None = None
    streams: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()

    def secret_values(self) -> list[str]:
        return [s.get_secret_value() for s in self.secrets]


@dataclass(frozen=True)
class IntakeConfig:
    sources: dict[str, SourceIntake]

    def get(self, name: str) -> SourceIntake | None:
        return self.sources.get(name)


def _secret(value: Any, where: str) -> SecretStr:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{where}: expected a non-empty string or env:NAME")
    if value.startswith("env:"):
        name = value[4:]
        found = os.environ.get(name)
        if not found:
            raise ConfigurationError(f"{where}: environment variable {name} is not set")
        return SecretStr(found)
    return SecretStr(value)


def _secrets(value: Any, where: str) -> tuple[SecretStr, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(_secret(v, f"{where}[{i}]") for i, v in enumerate(items))


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigurationError(f"{where}: expected a list of strings")
    return tuple(value)


def intake_config_from_mapping(data: Any, *, where: str) -> IntakeConfig:
    if data is None:
        return IntakeConfig({})
    if not isinstance(data, dict) or not isinstance(data.get("sources", {}), dict):
        raise ConfigurationError(f"{where}: expected a mapping with 'sources'")
    out: dict[str, SourceIntake] = {}
    for name, entry in (data.get("sources") or {}).items():
        here = f"{where}: sources.{name}"
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{here}: expected a mapping")
        unknown = set(entry) - _KEYS
        if unknown:
            raise ConfigurationError(
                f"{here}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                f"known: {', '.join(sorted(_KEYS))}"
            )
        try:
            kind = IntakeKind(entry.get("kind"))
        except ValueError:
            raise ConfigurationError(
                f"{here}.kind: choose one of {', '.join(k.value for k in IntakeKind)}"
            ) from None
        intake = SourceIntake(
            source=str(name),
            kind=kind,
            secrets=_secrets(entry.get("secrets"), f"{here}.secrets"),
            verify_tokens=_secrets(entry.get("verify_token"), f"{here}.verify_token"),
            url=entry.get("url"),
            access_token=_secret(entry["access_token"], f"{here}.access_token")
            if entry.get("access_token")
            else None,
            streams=_strings(entry.get("streams"), f"{here}.streams"),
            collections=_strings(entry.get("collections"), f"{here}.collections"),
        )
        if kind.is_webhook and not intake.secrets:
            raise ConfigurationError(f"{here}.secrets: a webhook source needs its secret")
        if kind is IntakeKind.META and not intake.verify_tokens:
            raise ConfigurationError(f"{here}.verify_token: Meta webhooks need one")
        if not kind.is_webhook and not intake.url:
            raise ConfigurationError(f"{here}.url: a listener needs the server's URL")
        out[str(name)] = intake
    return IntakeConfig(out)


def load_intake_config(path: Path) -> IntakeConfig:
    """The file's sources; a missing file means no live intake is configured."""
    if not path.is_file():
        return IntakeConfig({})
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read ({exc.strerror})") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise ConfigurationError(f"{path}{place}: not valid YAML") from None
    return intake_config_from_mapping(data, where=str(path))
