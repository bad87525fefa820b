"""Browser and device privacy signals: Global Privacy Control, Do Not Track, iOS ATT.

Global Privacy Control (W3C GPC draft; the ``Sec-GPC: 1`` request header and the
``navigator.globalPrivacyControl`` property) states the person's wish not to have their
data sold or shared. Under the GDPR it is read as an objection expressed "by automated
means using technical specifications" (Art. 21(5)) against processing of this device's
data for direct marketing (Art. 21(2)-(3), absolute) and for profiling / enrichment
that rests on legitimate interest (Art. 21(1)). It also refutes any implied consent for
those purposes. We therefore treat GPC as *binding* for the device it came from.

Do Not Track (``DNT: 1``) was never standardised (the W3C Tracking Preference Expression
work was abandoned), browsers send it inconsistently, and some set it by default — so it
is recorded as *advisory*: it is shown to the DPO and may be made binding by policy, but
by itself it withdraws nothing.

iOS App Tracking Transparency ``denied``/``restricted`` means the platform refused
tracking across apps; we treat it like GPC for the advertising-related purposes.

Input is the ``attributes`` dict of a web or mobile event Observation (see
``sphere.channels.tracking``), either the ``signals`` sub-dict or header-style keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sphere.domain import Purpose

# Purposes a binding GPC / ATT refusal objects to, for the device it came from.
OBJECTED_BY_GPC: frozenset[Purpose] = frozenset(
    {Purpose.DIRECT_MARKETING, Purpose.PROFILING, Purpose.ENRICHMENT}
)
# Purposes DNT is advisory for (reported, not enforced unless the policy says so).
ADVISED_BY_DNT: frozenset[Purpose] = frozenset(
    {Purpose.DIRECT_MARKETING, Purpose.PROFILING, Purpose.ENRICHMENT, Purpose.WEB_ANALYTICS}
)

# Key in a stored event's payload marking that it arrived with a binding opt-out signal:
# such an event never feeds profiling, enrichment or targeted marketing.
OPT_OUT_KEY = "opt_out_signal"

_TRUE = frozenset({"1", "true", "yes", "on"})
_GPC_KEYS = ("gpc", "sec_gpc", "globalprivacycontrol", "navigator.globalprivacycontrol")
_DNT_KEYS = ("dnt", "donottrack", "navigator.donottrack")
_ATT_REFUSED = frozenset({"denied", "restricted"})


def _normalise_key(key: object) -> str:
    return str(key).strip().lower().replace("-", "_")


def _is_set(value: Any) -> bool:
    """``1``, ``True``, ``"1"``, ``"true"`` count as set; ``"unspecified"``, ``0``,
    ``None`` and anything else do not (GPC: only the value 1 is defined)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return False


@dataclass(frozen=True, slots=True)
class PrivacySignals:
    """The privacy signals one event carried."""

    gpc: bool = False
    dnt: bool = False
    att_refused: bool = False

    @property
    def objects_to_sale_or_sharing(self) -> bool:
        """True when a binding opt-out signal (GPC or an ATT refusal) was sent."""
        return self.gpc or self.att_refused

    @property
    def is_advisory_only(self) -> bool:
        return self.dnt and not self.objects_to_sale_or_sharing


def read_privacy_signals(attributes: Mapping[str, Any]) -> PrivacySignals:
    """Extract signals from event attributes (``attributes["signals"]`` or top level).

    Header names are accepted in any case and with ``-`` or ``_`` (``Sec-GPC``,
    ``sec_gpc``, ``DNT``), as are the JavaScript property names.
    """
    flat: dict[str, Any] = {}
    nested = attributes.get("signals")
    for source in (attributes, nested if isinstance(nested, Mapping) else {}):
        for key, value in source.items():
            flat[_normalise_key(key)] = value
    gpc = any(_is_set(flat.get(key)) for key in _GPC_KEYS)
    dnt = any(_is_set(flat.get(key)) for key in _DNT_KEYS)
    att = flat.get("att_status")
    att_refused = isinstance(att, str) and att.strip().lower() in _ATT_REFUSED
    return PrivacySignals(gpc=gpc, dnt=dnt, att_refused=att_refused)


def objected_purposes(signals: PrivacySignals) -> frozenset[Purpose]:
    """Purposes the signals bind as an objection (Art. 21(5)) for the sending device."""
    return OBJECTED_BY_GPC if signals.objects_to_sale_or_sharing else frozenset()


def advisory_purposes(signals: PrivacySignals) -> frozenset[Purpose]:
    """Purposes a DNT signal advises against without binding (reported to the DPO)."""
    return ADVISED_BY_DNT if signals.dnt else frozenset()


def signal_reason(signals: PrivacySignals, purpose: Purpose) -> str | None:
    """A readable reason when the signals object to ``purpose``, else ``None``."""
    if purpose not in objected_purposes(signals):
        return None
    source = "Global Privacy Control" if signals.gpc else "App Tracking Transparency refusal"
    return f"{source} signal objects to {purpose.value!r} for this device (GDPR Art. 21(5))"
