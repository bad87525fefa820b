"""The data-subject portal's services: one-time log-in links, portal sessions, own
requests and consents, receipts, and the public transparency figures.

Composes ``sphere.rights`` and ``sphere.consent`` for the portal and the cockpit's
request queue; the web layer only calls these. Every function that serves the portal
takes the subject's contact id from the portal session and checks ownership itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphere.portal.demo import (
        demo_portal_link,
        issue_demo_portal_link,
        issue_portal_link,
        link_throttle_key,
    )

# Imported on first use (PEP 562): the pipeline's observer in ``handle_login`` is
# imported by every ``sphere ingest``, which needs none of the log-in link services.
_WHERE = {
    "demo_portal_link": "sphere.portal.demo",
    "issue_demo_portal_link": "sphere.portal.demo",
    "issue_portal_link": "sphere.portal.demo",
    "link_throttle_key": "sphere.portal.demo",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


__all__ = ["demo_portal_link", "issue_demo_portal_link", "issue_portal_link", "link_throttle_key"]
