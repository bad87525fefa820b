"""The demo company's processors (GDPR Art. 28) and its transfers (Art. 44-49): an e-mail
service in Germany, a US help-desk service under the EU-US Data Privacy Framework, and
its sub-processor in India under standard contractual clauses (module 3, processor to
processor) with a transfer impact assessment. Fictional organisations."""

from __future__ import annotations

from datetime import UTC, datetime

from sphere.governance.recipients import RecipientDraft, add_recipient, list_recipients
from sphere.runtime import Runtime

RECIPIENTS = (
    RecipientDraft(
        name="Mailversand Nord GmbH", role="processor", country="DE",
        purposes=("direct_marketing",), data_categories=("contact_data",),
        agreement_date=datetime(2025, 11, 3, tzinfo=UTC),
        agreement_scope="Versand von Newslettern und Kampagnen-E-Mails",
    ),
    RecipientDraft(
        name="HelpDesk Cloud Inc.", role="processor", country="US",
        purposes=("customer_care", "service_provision"),
        data_categories=("contact_data", "product_content"),
        agreement_date=datetime(2025, 9, 15, tzinfo=UTC),
        agreement_scope="Ticketsystem des Kundenservice",
        transfer_mechanism="dpf", tia_date=datetime(2025, 9, 1, tzinfo=UTC),
    ),
    RecipientDraft(
        name="Support Desk Services Pvt. Ltd.", role="sub_processor", country="IN",
        processor_of="HelpDesk Cloud Inc.", purposes=("customer_care",),
        data_categories=("contact_data", "product_content"),
        agreement_date=datetime(2025, 9, 15, tzinfo=UTC),
        agreement_scope="Erste Antwort auf englischsprachige Tickets",
        transfer_mechanism="scc", scc_module=3, tia_date=datetime(2025, 9, 10, tzinfo=UTC),
    ),
)  # fmt: skip


def register_demo_recipients(rt: Runtime) -> int:
    """Register them once (a rerun of the demo finds them); returns how many were new."""
    with rt.session() as session:
        known = {r.name for r in list_recipients(session, active_only=False)}
        new = [d for d in RECIPIENTS if d.name not in known]
        for draft in new:
            add_recipient(session, draft, actor="demo", at=rt.clock.now())
    return len(new)
