"""The company's own identity on the channels, from a YAML configuration file.

```yaml
name: Optiklinse GmbH
privacy_contact: datenschutz@optiklinse.example   # the DPO, named on every portal page
accounts:            # per channel: handles and ids of the company's own accounts
  x: [optiklinse, "1500000000000000001"]
  mastodon: [optiklinse@photo.example, "109000000000000001"]
brands: [Optiklinse]
products: [Tele 70-200, Makro 100]
hashtags: [optiklinse]
page_ids: ["1234567890"]   # Facebook pages and forum boards the company runs
controller:          # the controller profile (sphere.domain.controller), all optional
  address: Sonnenstraße 12, 80331 München
  email: info@optiklinse.example
  phone: "+49 89 0000 0000"
  representative: Katrin Albrecht (Geschäftsführerin)
  dpo: {name: Datenschutzbeauftragte, email: datenschutz@optiklinse.example}
  supervisory_authority:
    name: Bayerisches Landesamt für Datenschutzaufsicht
    address: Promenade 18, 91522 Ansbach
    url: https://www.lda.bayern.de
```

Errors name the file, line and column and the field (``company.yaml:9:10: controller.dpo.
email: not an e-mail address``); the round-trip loader keeps the positions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sphere.channels.addressing import CompanyProfile
from sphere.domain import Channel
from sphere.domain.controller import ContactPoint, ControllerProfile
from sphere.errors import InvalidInput

_KEYS = (
    "name", "privacy_contact", "accounts", "brands", "products", "hashtags", "page_ids",
    "controller",
)  # fmt: skip
_CONTROLLER_KEYS = ("address", "email", "phone", "representative", "dpo",
                    "supervisory_authority")  # fmt: skip
_CONTACT_KEYS = ("name", "address", "email", "phone", "url")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/.-]{4,30}$")
_URL = re.compile(r"^https?://[^\s]+$")
MAX_FIELD = 300


def _at(where: str, node: Any, key: str | None = None) -> str:
    """``file:line:column`` of ``key`` in ``node`` (or of ``node``) when the YAML was read
    round-trip; just ``file`` for a plain mapping."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return where
    try:
        line, column = lc.key(key) if key is not None else (lc.line, lc.col)
    except (KeyError, TypeError):
        return where
    return f"{where}:{line + 1}:{column + 1}"


def _strings(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise InvalidInput(f"{where}: '{key}' must be a list of strings")
    return [str(v) for v in value]


def company_profile_from_mapping(data: Any, *, where: str = "<company>") -> CompanyProfile:
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{where}: expected a mapping with keys {', '.join(_KEYS)}")
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise InvalidInput(
            f"{_at(where, data, unknown[0])}: unknown key(s) {', '.join(map(str, unknown))}"
        )
    accounts = data.get("accounts") or {}
    if not isinstance(accounts, Mapping):
        raise InvalidInput(f"{where}: 'accounts' must map a channel to a list of accounts")
    known = {c.value for c in Channel}
    for channel in accounts:
        if channel not in known:
            raise InvalidInput(f"{where}: accounts: unknown channel {channel!r}")
    return CompanyProfile.build(
        accounts={c: _strings(accounts, c, f"{where}: accounts") for c in accounts},
        brand_names=_strings(data, "brands", where),
        product_names=_strings(data, "products", where),
        hashtags=_strings(data, "hashtags", where),
        page_ids=_strings(data, "page_ids", where),
        name=_string(data, "name", where),
        privacy_contact=_string(data, "privacy_contact", where),
        controller=controller_from_mapping(data, where=where),
    )


def _field(data: Mapping[str, Any], key: str, where: str, path: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InvalidInput(f"{_at(where, data, key)}: {path}.{key}: must be text")
    text = " ".join(str(value).split())
    if len(text) > MAX_FIELD:
        raise InvalidInput(f"{_at(where, data, key)}: {path}.{key}: at most {MAX_FIELD} characters")
    checks = {"email": (_EMAIL, "not an e-mail address"),
              "phone": (_PHONE, "not a telephone number (digits, spaces, + ( ) / . -)"),
              "url": (_URL, "not a web address (https://…)")}  # fmt: skip
    if text and key in checks and not checks[key][0].match(text):
        raise InvalidInput(f"{_at(where, data, key)}: {path}.{key}: {checks[key][1]}")
    return text


def _section(data: Mapping[str, Any], key: str, where: str, path: str,
             keys: tuple[str, ...]) -> Mapping[str, Any]:  # fmt: skip
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"{_at(where, data, key)}: {path}: expected a mapping with keys {', '.join(keys)}"
        )
    unknown = sorted(set(map(str, value)) - set(keys))
    if unknown:
        raise InvalidInput(
            f"{_at(where, value, unknown[0])}: {path}: unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(keys)}"
        )
    return value


def _contact_point(data: Mapping[str, Any], key: str, where: str) -> ContactPoint:
    path = f"controller.{key}"
    section = _section(data, key, where, path, _CONTACT_KEYS)
    return ContactPoint(**{k: _field(section, k, where, path) for k in _CONTACT_KEYS})


def controller_from_mapping(data: Mapping[str, Any], *, where: str) -> ControllerProfile:
    """The ``controller:`` block (and ``name``, ``privacy_contact``) as a profile."""
    section = _section(data, "controller", where, "controller", _CONTROLLER_KEYS)
    authority = _contact_point(section, "supervisory_authority", where)
    if not authority.name and not authority.is_empty:
        raise InvalidInput(
            f"{_at(where, section, 'supervisory_authority')}: "
            "controller.supervisory_authority.name: the authority's name is missing"
        )
    return ControllerProfile(
        name=_string(data, "name", where),
        address=_field(section, "address", where, "controller"),
        email=_field(section, "email", where, "controller"),
        phone=_field(section, "phone", where, "controller"),
        representative=_field(section, "representative", where, "controller"),
        dpo=_contact_point(section, "dpo", where),
        supervisory_authority=authority,
        privacy_contact=_string(data, "privacy_contact", where),
    )


def _string(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key) or ""
    if not isinstance(value, str):
        raise InvalidInput(f"{_at(where, data, key)}: '{key}' must be a string")
    return value.strip()


def load_company_profile(path: Path) -> CompanyProfile:
    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise InvalidInput(f"{path}{place}: not valid YAML") from None
    return company_profile_from_mapping(data, where=str(path))
