"""The demo's working history: what the DPO and the marketer find when they log in.

Ingestion alone leaves the request queue, the campaign pages and most findings empty.
This step plays a few weeks of ordinary work through the real services, so every
cockpit view has something true to show:

* **Marketing.** The marketer submits the measure "Frühjahrs-Newsletter" (direct
  marketing by e-mail, consent only); the DPO approves it; a campaign under it waits
  as a draft, so the dry run lists who would be reached and who not, and why.
* **Data-subject requests** from customers who wrote in, each at the time it was
  received (the legal deadline runs from receipt, Art. 12(3)): access requests answered
  within a week (the transparency page's figures), an erasure request received today,
  an access request whose month is nearly over, and a restriction request already past
  its deadline — the findings page and the request queue show both. (An objection is
  carried out at once, Art. 21(3), so it never waits.)

Idempotent like the rest of ``sphere demo``: a checkpoint under the pseudo-source
``demo-story`` records that it ran. Contacts are chosen from the scenario's consent
history (customers who gave consent for direct marketing), in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sphere.domain import IdentityKind
from sphere.marketing.campaigns import create_campaign
from sphere.marketing.measures import approve, submit
from sphere.portal.requests import verify_request
from sphere.rights.requests import RequestType, complete_request, open_request
from sphere.runtime import Runtime
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.ingest_runs import IngestRunRepository

MEASURE = {
    "name": "Frühjahrs-Newsletter",
    "kind": "campaign",
    "purpose": "direct_marketing",
    "channel": "email",
    "data_items": [
        {
            "category": "contact_data",
            "collection": "manual",
            "visibility": "company_direct",
            "addressing": "direct",
            "label": "E-Mail-Adresse",
        }
    ],
}
CAMPAIGN = {
    "name": "Frühjahrsangebot Tele 70-200",
    "measure": MEASURE["name"],
    "offer": {
        "subject": "Frühjahrsangebot: 20 % auf das Tele 70-200",
        "body": "Bis Ende April 20 % auf das Tele 70-200 in allen Filialen und im Shop.",
    },
    "max_sends": 2,
    "cap_window_days": 14,
}
# (request type, received this many days ago, answered after this many days or None)
REQUESTS: tuple[tuple[RequestType, int, int | None], ...] = (
    (RequestType.ACCESS, 60, 4),
    (RequestType.ACCESS, 45, 6),
    (RequestType.RECTIFICATION, 20, 2),
    (RequestType.ERASURE, 0, None),
    (RequestType.ACCESS, 26, None),  # near its deadline
    (RequestType.RESTRICTION, 34, None),  # past its deadline (an objection would be done at once)
)
MARKETER = "marketing"
DPO = "dpo"


@dataclass(frozen=True, slots=True)
class StoryReport:
    measures: int = 0
    campaigns: int = 0
    requests: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"measures": self.measures, "campaigns": self.campaigns, "requests": self.requests}


def _customers(rt: Runtime, seeds: list[dict[str, Any]], count: int) -> list[str]:
    """Contact ids of ``count`` customers who consented to direct marketing."""
    numbers = sorted({s["customer_number"] for s in seeds if s["purpose"] == "direct_marketing"})
    found: list[str] = []
    with rt.session() as session:
        contacts = ContactRepository(session, rt.keyring)
        for number in numbers:
            hit = contacts.lookup_identity(IdentityKind.CUSTOMER_NUMBER, number)
            if hit is not None:
                found.append(hit[1])
            if len(found) == count:
                break
    return found


def play_story(rt: Runtime, consent_seeds: list[dict[str, Any]]) -> StoryReport:
    """Play the history once, in one transaction; a second call returns an empty report."""
    now = rt.clock.now()
    customers = _customers(rt, consent_seeds, len(REQUESTS))
    with rt.session() as session:
        runs = IngestRunRepository(session)
        run = runs.start("demo-story", "v1", file="story", at=now)
        if run.completed:
            return StoryReport()
        policy = rt.policy()
        record, _result = submit(
            session, rt.keyring, policy, MEASURE, actor=MARKETER, now=now - timedelta(days=9)
        )
        if record.state == "submitted":
            approve(
                session,
                policy,
                record.name,
                actor=DPO,
                reason="consent-based newsletter; double opt-in records on file",
                now=now - timedelta(days=8),
            )
        create_campaign(session, CAMPAIGN, actor=MARKETER, now=now - timedelta(days=1))
        for contact_id, (kind, age, answered_after) in zip(customers, REQUESTS, strict=False):
            received = now - timedelta(days=age, hours=3)
            request = open_request(
                session, rt.keyring, contact_id, kind, at=received, actor=DPO, channel="email"
            )
            if answered_after is not None:
                verify_request(session, request.id, at=received + timedelta(days=1), actor=DPO)
                complete_request(
                    session,
                    request.id,
                    at=received + timedelta(days=answered_after),
                    actor=DPO,
                    result={"letters": 1},
                )
        runs.complete(run.id, at=now)
    return StoryReport(measures=1, campaigns=1, requests=min(len(customers), len(REQUESTS)))
