"""The data-subject portal's services: one-time log-in links, portal sessions, own
requests and consents, receipts, and the public transparency figures.

Composes ``sphere.rights`` and ``sphere.consent`` for the portal and the cockpit's
request queue; the web layer only calls these. Every function that serves the portal
takes the subject's contact id from the portal session and checks ownership itself.
"""

from sphere.portal.demo import (
    demo_portal_link,
    issue_demo_portal_link,
    issue_portal_link,
    link_throttle_key,
)

__all__ = ["demo_portal_link", "issue_demo_portal_link", "issue_portal_link", "link_throttle_key"]
