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
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sphere.channels.addressing import CompanyProfile
from sphere.domain import Channel
from sphere.errors import InvalidInput

_KEYS = ("name", "privacy_contact", "accounts", "brands", "products", "hashtags", "page_ids")


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
        raise InvalidInput(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
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
    )


def _string(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key) or ""
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: '{key}' must be a string")
    return value.strip()


def load_company_profile(path: Path) -> CompanyProfile:
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise InvalidInput(f"{path}{place}: not valid YAML") from None
    return company_profile_from_mapping(data, where=str(path))
