"""Technical and organisational measures (GDPR Art. 32) on SQLite and PostgreSQL: a
declared measure needs a title, kind, goal, owner and a review date — refused naming
the field, nothing saved; declaring, changing and reviewing are audited in the same
transaction. The measures Sphere implements are evidenced from its state, not asserted:
a tampered audit entry makes the chain's evidence fail, a rotation shows its date, an
overdue review becomes a finding; the record's (g) is incomplete while an Art. 32(1)
goal has no measure in place."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from sphere.cockpit.finding import make_finding
from sphere.cockpit.record import build_record, record_to_jsonld
from sphere.cockpit.record_check import check_record, record_findings
from sphere.cockpit.toms import SecurityFacts, build_catalogue, tom_findings
from sphere.domain.controller import ContactPoint, ControllerProfile
from sphere.errors import InvalidInput, NotFound
from sphere.governance.breach import BreachInputError
from sphere.governance.keys import rotate_master_key
from sphere.governance.toms import MeasureDraft, declare_measure, review_measure, update_measure
from sphere.runtime import Runtime
from sphere.storage.crypto import Keyring, MasterKey
from sphere.storage.tables import AuditEntryRow
from sphere.storage.tom_tables import SecurityMeasureRow

FACTS = SecurityFacts(env="test", pseudonym_placeholder=False, webhook_max_bytes=1_000_000)
CONTROLLER = ControllerProfile(
    name="Optiklinse GmbH", address="Optikerweg 7, 80999 München",
    representative="Katrin Albrecht (Geschäftsführung)",
    dpo=ContactPoint(name="Datenschutzbeauftragte", email="datenschutz@optiklinse.example"),
    supervisory_authority=ContactPoint(name="BayLDA"),
)  # fmt: skip


def draft(now: datetime, **changes: object) -> MeasureDraft:
    values: dict[str, object] = {
        "title": "Tägliche Sicherung außer Haus", "kind": "technical", "goal": "availability",
        "owner": "IT-Betrieb", "review_due": now + timedelta(days=90),
    }  # fmt: skip
    values.update(changes)
    return MeasureDraft(**values)  # type: ignore[arg-type]


NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "x"}, "title"),  # too short to say what it is
        ({"kind": "physical"}, "kind"),  # technical or organisational
        ({"goal": "security"}, "goal"),  # not a goal of Art. 32(1)
        ({"owner": "  "}, "owner"),  # nobody responsible
        ({"review_due": None}, "review_due"),  # no review planned (Art. 32(1)(d))
        ({"review_due": NOW - timedelta(days=1)}, "review_due"),  # overdue from the start
        ({"review_due": NOW + timedelta(days=4 * 365)}, "review_due"),  # no regular review
        ({"key": "Bad Key!"}, "key"),
        ({"description": "x" * 4001}, "description"),
    ],
    ids=["short-title", "bad-kind", "bad-goal", "no-owner", "no-review", "past-review",
         "review-too-far", "bad-key", "long-description"],
)  # fmt: skip
def test_refused_by_field_nothing_saved(
    rt: Runtime, changes: dict[str, object], field: str
) -> None:
    with rt.session() as session, pytest.raises(BreachInputError) as caught:
        declare_measure(session, draft(rt.clock.now(), **changes), actor="dpo:t",
                        at=rt.clock.now())  # fmt: skip
    assert caught.value.field == field
    with rt.session() as session:
        assert session.scalar(select(func.count()).select_from(SecurityMeasureRow)) == 0
        assert not session.scalar(
            select(func.count()).select_from(AuditEntryRow)
            .where(AuditEntryRow.action.like("tom.%"))
        )  # fmt: skip


def test_declare_change_review_audited(rt: Runtime) -> None:
    now = rt.clock.now()
    with rt.session() as session:
        measure = declare_measure(session, draft(now), actor="dpo:t", at=now)
    assert measure.key == "taegliche-sicherung-ausser-haus"
    with rt.session() as session, pytest.raises(InvalidInput, match="key"):
        declare_measure(session, draft(now), actor="dpo:t", at=now)  # same title, same key
    with rt.session() as session:
        changed = update_measure(session, measure.key, draft(now, owner="IT-Sicherheit",
                                 goal="resilience"), actor="admin:t", at=now)  # fmt: skip
        assert (changed.owner, changed.goal, changed.key) == ("IT-Sicherheit", "resilience",
                                                              measure.key)  # fmt: skip
    with rt.session() as session, pytest.raises(BreachInputError) as caught:
        review_measure(session, measure.key, next_review=now, actor="dpo:t", at=now)
    assert caught.value.field == "review_due"  # the next review must lie after today
    with rt.session() as session:
        reviewed = review_measure(session, measure.key, next_review=now + timedelta(days=180),
                                  actor="dpo:t", at=now)  # fmt: skip
        assert reviewed.last_reviewed_at == now
    with rt.session() as session, pytest.raises(NotFound):
        review_measure(session, "no-such-measure", next_review=now + timedelta(days=1),
                       actor="dpo:t", at=now)  # fmt: skip
    with rt.session() as session:
        entries = session.execute(
            select(AuditEntryRow.action, AuditEntryRow.details)
            .where(AuditEntryRow.action.like("tom.%")).order_by(AuditEntryRow.seq)
        ).all()  # fmt: skip
    assert [a for a, _ in entries] == ["tom.declared", "tom.updated", "tom.reviewed"]
    assert entries[-1][1]["review_due"] == (now + timedelta(days=180)).date().isoformat()
    assert all("owner" not in d and "title" not in d for _, d in entries)  # free text stays out


def _catalogue(rt: Runtime) -> dict[str, object]:
    with rt.session() as session:
        catalogue = build_catalogue(session, rt.policy(), FACTS, now=rt.clock.now())
    return {e.key: e for e in catalogue.entries}


def test_evidence_is_computed_from_state(seeded: Runtime) -> None:
    rt = seeded
    entries = _catalogue(rt)
    encryption = entries["sphere.encryption"]
    assert encryption.status == "evidenced"
    assert rt.keyring.kek_id in str(encryption.evidence)
    assert entries["sphere.key-rotation"].status == "evidenced"  # keys younger than a year
    assert entries["sphere.audit-chain"].status == "attention"  # no full verification yet
    assert entries["sphere.sessions"].status == "unknown"  # web settings: not in a job
    assert entries["sphere.measure-reviews"].status == "unknown"  # nothing declared yet

    new = Keyring(MasterKey(base64.b64decode(base64.b64encode(b"n" * 32))), b"s" * 32)
    with rt.session() as session:
        rotate_master_key(session, rt.keyring, new, actor="cli", at=rt.clock.now())
    rotation = _catalogue(rt)["sphere.key-rotation"]
    assert rotation.status == "evidenced"
    assert new.kek_id in str(rotation.evidence)
    rt.clock.advance(timedelta(days=400))  # type: ignore[attr-defined]
    assert _catalogue(rt)["sphere.key-rotation"].status == "attention"  # past its period


def test_tampered_audit_chain_fails_its_evidence(seeded: Runtime) -> None:
    rt = seeded
    with rt.session() as session:
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == 2)
                        .values(actor="someone-else"))  # fmt: skip
    with rt.session() as session:
        catalogue = build_catalogue(session, rt.policy(), FACTS, now=rt.clock.now())
    audit = next(e for e in catalogue.entries if e.key == "sphere.audit-chain")
    assert audit.status == "failing"
    (finding,) = [f for f in tom_findings(catalogue, make_finding)
                  if f.code == "tom.evidence-failing"]  # fmt: skip
    assert finding.severity == "high" and "sphere.audit-chain" in finding.object_ids


def test_overdue_review_is_a_finding(rt: Runtime) -> None:
    now = rt.clock.now()
    with rt.session() as session:
        declare_measure(session, draft(now, review_due=now + timedelta(days=10)),
                        actor="dpo:t", at=now)  # fmt: skip
    rt.clock.advance(timedelta(days=11))  # type: ignore[attr-defined]
    with rt.session() as session:
        catalogue = build_catalogue(session, rt.policy(), FACTS, now=rt.clock.now())
    declared = [e for e in catalogue.entries if e.source == "declared"]
    assert [e.status for e in declared] == ["review_overdue"]
    codes = {f.code: f for f in tom_findings(catalogue, make_finding)}
    assert codes["tom.review-overdue"].count == 1
    assert codes["tom.review-overdue"].article == "GDPR Art. 32(1)"


def test_record_completeness_names_each_missing_field(seeded: Runtime) -> None:
    rt = seeded
    now = rt.clock.now()
    with rt.session() as session:
        catalogue = build_catalogue(session, rt.policy(), FACTS, now=now)
        record = build_record(session, rt.policy(), now=now,
                              controller=ControllerProfile(name="Optiklinse GmbH"),
                              security=catalogue)  # fmt: skip
    gaps = {g.letter: g for g in check_record(record)}
    assert set(gaps) == {"a", "g"}  # no address, representative, DPO; no backup, no review
    assert "controller.representative" in str(gaps["a"].to_dict())
    assert gaps["g"].to_dict()["missing"] == "no measure in place for: availability, testing"
    findings = {f.code: f for f in record_findings(record, make_finding)}
    assert findings["record.controller-missing"].article == "GDPR Art. 30(1)(a)"
    assert findings["record.measures-missing"].article == "GDPR Art. 30(1)(g)"

    with rt.session() as session:
        declare_measure(session, draft(now), actor="dpo:t", at=now)
        declare_measure(session, draft(now, title="Wiederherstellungsprobe", goal="testing",
                                       kind="organisational"), actor="dpo:t", at=now)  # fmt: skip
        catalogue = build_catalogue(session, rt.policy(), FACTS, now=now)
        record = build_record(session, rt.policy(), now=now, controller=CONTROLLER,
                              security=catalogue)  # fmt: skip
    assert check_record(record) == []
    document = record_to_jsonld(record)
    measures = {m["@id"]: m for m in document["dpv:hasTechnicalOrganisationalMeasure"]}
    assert "dpv:EncryptionAtRest" in measures["urn:sphere:tom:sphere.encryption"]["@type"]
    backup = measures["urn:sphere:tom:taegliche-sicherung-ausser-haus"]
    assert backup["@type"] == ["dpv:TechnicalMeasure"]
    assert backup["dpv:hasResponsibleEntity"] == {"rdfs:label": "IT-Betrieb"}
    handling = document["dpv:hasPersonalDataHandling"][0]
    assert {"@id": "urn:sphere:tom:sphere.encryption"} in handling[
        "dpv:hasTechnicalOrganisationalMeasure"
    ]
    assert document["dpv:hasDataController"]["dpv:hasName"] == "Optiklinse GmbH"


def test_transfer_without_impact_assessment_is_a_gap(seeded: Runtime) -> None:
    from sphere.governance.recipients import RecipientDraft, add_recipient

    rt = seeded
    now = rt.clock.now()
    with rt.session() as session:
        add_recipient(session, RecipientDraft(
            "Support Desk Pvt. Ltd.", "processor", "IN", ("customer_care",),
            agreement_date=now, transfer_mechanism="scc", scc_module=2,
        ), actor="dpo:t", at=now)  # fmt: skip
        record = build_record(session, rt.policy(), now=now)
    (gap,) = [g for g in check_record(record) if g.letter == "e"]
    assert gap.activities == ("customer_care",)
    assert "no transfer impact assessment" in str(gap.to_dict())
