"""Changing and retiring a recipient (checked like a new one, nothing saved on a refusal,
audited), the recipients told of a rectification, erasure or restriction (Art. 19), the
access report's recipients and transfers (Art. 15(1)(c), 15(2)), and joint
controllership per source (Art. 26): states, refusals naming the field, the finding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from sphere.cockpit.finding import make_finding
from sphere.cockpit.joint_findings import joint_findings
from sphere.cockpit.record import build_record, record_to_jsonld
from sphere.cockpit.record_check import check_record
from sphere.demo._joint import ARRANGEMENTS
from sphere.demo._recipients import RECIPIENTS
from sphere.governance.breach import BreachInputError
from sphere.governance.joint import ArrangementDraft, joint_overview, save_arrangement
from sphere.governance.recipients import (
    RecipientDraft,
    add_recipient,
    find_recipient,
    list_recipients,
    retire_recipient,
    update_recipient,
)
from sphere.governance.sources import add_source
from sphere.portal.requests import carry_out, verify_request
from sphere.rights.access import access_report
from sphere.rights.art19 import notifications_of
from sphere.rights.requests import RequestType, open_request
from sphere.runtime import Runtime
from sphere.storage.recipient_tables import JointArrangementRow
from sphere.storage.tables import AuditEntryRow

DAY = datetime(2025, 9, 15, tzinfo=UTC)
HR = RecipientDraft("Personal Screening AG", "processor", "DE", ("hr_screening",),
                    agreement_date=DAY)  # fmt: skip


def _register(rt: Runtime) -> None:
    with rt.session() as session:
        for draft in (*RECIPIENTS, HR):
            add_recipient(session, draft, actor="dpo:t", at=rt.clock.now())


def _audits(rt: Runtime, action: str) -> int:
    with rt.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEntryRow)
                              .where(AuditEntryRow.action == action)) or 0  # fmt: skip


def test_change_refused_names_the_field_and_saves_nothing(seeded: Runtime) -> None:
    _register(seeded)
    with seeded.session() as session:
        mail = find_recipient(session, "Mailversand Nord GmbH")
    moved = RecipientDraft(mail.name, "processor", "US", mail.purposes, agreement_date=DAY)
    with seeded.session() as session, pytest.raises(BreachInputError) as caught:
        update_recipient(session, mail.id, moved, actor="dpo:t", at=seeded.clock.now())
    assert caught.value.field == "transfer_mechanism"
    with seeded.session() as session:
        assert find_recipient(session, mail.name).country == "DE"
    assert _audits(seeded, "recipient.changed") == 0
    with seeded.session() as session:
        changed = update_recipient(session, mail.id, RecipientDraft(
            mail.name, "processor", "US", mail.purposes, agreement_date=DAY,
            transfer_mechanism="dpf", location="Ashburn"), actor="dpo:t",
            at=seeded.clock.now())  # fmt: skip
    assert changed.country == "US" and changed.location == "Ashburn"
    assert _audits(seeded, "recipient.changed") == 1
    with seeded.session() as session, pytest.raises(BreachInputError) as caught:
        retire_recipient(session, find_recipient(session, "HelpDesk Cloud Inc.").id,
                         actor="dpo:t", at=seeded.clock.now())  # fmt: skip
    assert caught.value.field == "recipient"  # its sub-processor is still active
    with seeded.session() as session:
        retire_recipient(session, mail.id, actor="dpo:t", at=seeded.clock.now())
    with seeded.session() as session:
        assert mail.name not in {r.name for r in list_recipients(session)}
        assert mail.name in {r.name for r in list_recipients(session, active_only=False)}
        record = build_record(session, seeded.policy(), now=seeded.clock.now())
    assert mail.name not in record.activity("direct_marketing").recipients
    assert _audits(seeded, "recipient.retired") == 1


def _lena_request(rt: Runtime, kind: RequestType) -> tuple[str, str]:
    with rt.session() as session:
        request = open_request(session, rt.keyring, "lena.beispiel@example.com", kind,
                               at=rt.clock.now(), actor="dpo:t")  # fmt: skip
        verify_request(session, request.id, at=rt.clock.now(), actor="dpo:t")
        carry_out(session, rt.keyring, rt.policy(), request.id, at=rt.clock.now(), actor="dpo:t")
    assert request.contact_id is not None
    return request.id, request.contact_id


def test_restriction_tells_the_recipients_of_the_purposes_held(seeded: Runtime) -> None:
    _register(seeded)
    request_id, contact_id = _lena_request(seeded, RequestType.RESTRICTION)
    with seeded.session() as session:
        told = {n.recipient_name: n.action for n in notifications_of(session, request_id)}
        report = access_report(session, seeded.keyring, seeded.policy(),
                               contact_id, now=seeded.clock.now())  # fmt: skip
    assert told["HelpDesk Cloud Inc."] == "restriction"
    assert "Personal Screening AG" not in told  # no HR data held about her
    assert _audits(seeded, "dsr.recipients_notified") == 1
    assert {t["recipient"] for t in report["recipients_told"]} == set(told)
    assert {(t["recipient"], t["safeguard"]) for t in report["transfers"]} >= {
        ("HelpDesk Cloud Inc.", "dpf"),
        ("Support Desk Services Pvt. Ltd.", "scc"),
    }
    post = next(i for i in report["interactions"] if i.get("purpose") == "customer_care")
    assert any(r.startswith("HelpDesk Cloud Inc.") for r in post["recipients"])


def test_erasure_tells_the_recipients_before_it_deletes(seeded: Runtime) -> None:
    _register(seeded)
    with seeded.session() as session:
        retire_recipient(session, find_recipient(session, "Mailversand Nord GmbH").id,
                         actor="dpo:t", at=seeded.clock.now())  # fmt: skip
    request_id, _contact = _lena_request(seeded, RequestType.ERASURE)
    with seeded.session() as session:
        told = {n.recipient_name for n in notifications_of(session, request_id)}
    # read before the erasure: the purposes her data were held for; never the retired one
    assert "HelpDesk Cloud Inc." in told
    assert not told & {"Mailversand Nord GmbH", "Personal Screening AG"}
    assert _audits(seeded, "dsr.recipients_notified") == 1  # not again on completion


def test_joint_controllership_states_refusals_and_finding(seeded: Runtime) -> None:
    with seeded.session() as session:
        for name, channel in (("facebook", "facebook"), ("x", "x"), ("forum", "forum")):
            add_source(session, name, channel=channel, collection="official_api",
                       actor="t", at=seeded.clock.now())  # fmt: skip
    with seeded.session() as session:
        states = {s.source: s.state for s in joint_overview(session)}
        (finding,) = joint_findings(session, make_finding)
    assert {k: v for k, v in states.items() if k != "scraped"} == {
        "crm": "own_channel", "masto": "no_insights", "facebook": "missing", "x": "missing",
        "forum": "own_channel"}  # fmt: skip
    assert finding.code == "joint.arrangement-missing" and finding.count == 2
    with seeded.session() as session:  # Art. 30(1)(a): "where applicable, the joint controller"
        record = build_record(session, seeded.policy(), now=seeded.clock.now())
    assert {(j["source"], j["state"]) for j in record.joint} == {
        ("facebook", "missing"), ("x", "missing")}  # fmt: skip
    (gap,) = [g for g in check_record(record) if g.letter == "a"]
    assert "facebook" in str(gap.to_dict()) and "x" in str(gap.to_dict())
    meta = ARRANGEMENTS[0]
    for bad, field in (
        (ArrangementDraft(**{**_fields(meta), "agreed_on": None}), "agreed_on"),
        (ArrangementDraft(**{**_fields(meta), "essence_de": " "}), "essence_de"),
        (ArrangementDraft(**{**_fields(meta), "contact_point": ""}), "contact_point"),
        (ArrangementDraft(**{**_fields(meta), "url": "http://example.com"}), "url"),
        (ArrangementDraft(**{**_fields(meta), "source": "nowhere"}), "source"),
        (ArrangementDraft(**{**_fields(meta), "rights": {"access": "platform"}}),
         "rights.information"),
        (ArrangementDraft(**{**_fields(meta),
                             "agreed_on": datetime(2099, 1, 1, tzinfo=UTC)}), "agreed_on"),
    ):  # fmt: skip
        with seeded.session() as session, pytest.raises(BreachInputError) as caught:
            save_arrangement(session, bad, actor="dpo:t", at=seeded.clock.now())
        assert caught.value.field == field
    with seeded.session() as session:
        assert session.scalar(select(func.count()).select_from(JointArrangementRow)) == 0
        for draft in ARRANGEMENTS:
            save_arrangement(session, draft, actor="dpo:t", at=seeded.clock.now())
    with seeded.session() as session:
        states = {s.source: s.state for s in joint_overview(session)}
        assert joint_findings(session, make_finding) == []
    assert states["facebook"] == states["x"] == "arranged" and states["forum"] == "not_needed"
    with seeded.session() as session:
        record = build_record(session, seeded.policy(), now=seeded.clock.now())
    assert [g for g in check_record(record) if g.letter == "a"] == []
    joint = record_to_jsonld(record, controller="Beispiel GmbH")["dpv:hasJointDataControllers"]
    assert {j["dct:source"] for j in joint} == {"facebook", "x"}
    assert all(j["dct:references"]["@type"] == "dpv:JointDataControllersAgreement" for j in joint)
    assert _audits(seeded, "joint_arrangement.saved") == 3


def _fields(draft: ArrangementDraft) -> dict[str, object]:
    return {name: getattr(draft, name) for name in draft.__dataclass_fields__}
