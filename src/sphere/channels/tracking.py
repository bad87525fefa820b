"""Web analytics page views and mobile app events. Schemas: ``docs/channels.md#web`` and
``docs/channels.md#mobile``.

Both are behavioural data (GDPR Art. 6 with § 25 TDDDG for device access): the adapters
only parse; whether an event may be kept depends on the privacy signals they carry, which
the consent layer reads from ``attributes["signals"]``:

web
    ``event_id``, ``timestamp`` (zone required), ``cookie_id``, ``url``, ``referrer``,
    ``user_agent``, ``ip``, ``dnt`` (the ``DNT`` header, "1" = do not track), ``gpc`` (the
    ``Sec-GPC`` header, "1" = Global Privacy Control opt-out), ``tcf_string`` (IAB TCF v2
    consent string, base64url, not decoded here), ``event_type`` (default page_view).
mobile
    ``event_id``, ``timestamp``, ``event_name``, ``platform`` (ios | android),
    ``device_id``, ``advertising_id`` (IDFA/GAID; the all-zero id means "not available"
    and is dropped), ``att_status`` (iOS App Tracking Transparency: authorized, denied,
    restricted, not_determined), ``consent_analytics``, ``consent_ads`` (booleans).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from sphere.domain import AttributeKind, Channel, IdentityKind, Observation, ObservationKind
from sphere.domain.facts import Visibility

from .adapter import Fields

_TCF = re.compile(r"^[A-Za-z0-9_\-.]+$")
_ZERO_AD_ID = "00000000-0000-0000-0000-000000000000"
ATT_STATUSES = frozenset({"authorized", "denied", "restricted", "not_determined"})


def _header_style(record: Mapping[str, Any]) -> dict[str, Any]:
    """Accept header names as keys: ``Sec-GPC`` → ``gpc``, ``DNT`` → ``dnt``, ``User-Agent``."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = str(key).strip().lower().replace("-", "_")
        out[{"sec_gpc": "gpc", "referer": "referrer"}.get(name, name)] = value
    return out


def _logged_in_customer(row: Fields, identities: dict[str, str]) -> None:
    """A logged-in session carries the customer number the person gave at sign-up."""
    number = row.opt("customer_number", max_len=64)
    if number:
        identities[IdentityKind.CUSTOMER_NUMBER.value] = number


class WebEventAdapter:
    NAME: ClassVar[str] = "web"
    CHANNEL: ClassVar[Channel] = Channel.WEB

    def parse(self, record: Mapping[str, Any], *, ref: str) -> list[Observation]:
        row = Fields(_header_style(record), adapter=self.NAME)
        identities = {}
        cookie = row.opt("cookie_id", max_len=200)
        if cookie:
            identities[IdentityKind.COOKIE_ID.value] = cookie
        _logged_in_customer(row, identities)
        tcf = row.opt("tcf_string", max_len=10_000)
        if tcf and not _TCF.match(tcf):
            raise row.bad("tcf_string", "not a base64url TCF consent string")
        signals = {
            "dnt": row.flag("dnt", default=False),
            "gpc": row.flag("gpc", default=False),
            "tcf_string": tcf,
        }
        return [
            Observation(
                channel=self.CHANNEL,
                kind=ObservationKind.EVENT,
                source_id=row.req("event_id"),
                created_at=row.req_when("timestamp"),
                visibility=Visibility.RESTRICTED,
                urls=tuple(u for u in [row.opt("url", max_len=8000)] if u),
                attributes={
                    "event_type": row.opt("event_type") or "page_view",
                    "identities": identities,
                    "url": row.opt("url", max_len=8000),
                    "referrer": row.opt("referrer", max_len=8000),
                    "user_agent": row.opt("user_agent", max_len=2000),
                    "ip": row.opt("ip", max_len=64),
                    "signals": signals,
                    "attribute_kind": AttributeKind.OBSERVED.value,
                },
                raw_ref=ref,
            )
        ]


class MobileEventAdapter:
    NAME: ClassVar[str] = "mobile"
    CHANNEL: ClassVar[Channel] = Channel.MOBILE

    def parse(self, record: Mapping[str, Any], *, ref: str) -> list[Observation]:
        row = Fields(record, adapter=self.NAME)
        platform = (row.opt("platform") or "").lower() or None
        if platform not in (None, "ios", "android"):
            raise row.bad("platform", "not one of ios, android")
        att = (row.opt("att_status") or "").lower() or None
        if att is not None and att not in ATT_STATUSES:
            raise row.bad("att_status", "not one of " + ", ".join(sorted(ATT_STATUSES)))
        identities = {}
        device = row.opt("device_id", max_len=200)
        if device:
            identities[IdentityKind.DEVICE_ID.value] = device
        ad_id = row.opt("advertising_id", max_len=200)
        if ad_id and ad_id != _ZERO_AD_ID:
            identities[IdentityKind.ADVERTISING_ID.value] = ad_id.lower()
        _logged_in_customer(row, identities)
        return [
            Observation(
                channel=self.CHANNEL,
                kind=ObservationKind.EVENT,
                source_id=row.req("event_id"),
                created_at=row.req_when("timestamp"),
                visibility=Visibility.RESTRICTED,
                attributes={
                    "event_type": row.req("event_name"),
                    "platform": platform,
                    "app_version": row.opt("app_version"),
                    "identities": identities,
                    "signals": {
                        "att_status": att,
                        "consent_analytics": row.flag("consent_analytics"),
                        "consent_ads": row.flag("consent_ads"),
                        "advertising_id_zeroed": ad_id == _ZERO_AD_ID,
                    },
                    "attribute_kind": AttributeKind.OBSERVED.value,
                },
                raw_ref=ref,
            )
        ]
