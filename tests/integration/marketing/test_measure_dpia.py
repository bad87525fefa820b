"""A DPIA of one marketing measure (GDPR Art. 35): opened for a submitted measure, its
criteria include the measure's planning check; once signed off, the planning check
counts it as the DPIA on record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sphere.governance.dpia import DpiaInputError, open_dpia
from sphere.governance.dpia_criteria import assess_criteria
from sphere.marketing.measures import check_stored, parse_measure, submit
from sphere.runtime import Runtime
from tests.integration.marketing.conftest import NOW, TELE_POSTS, seed_contact
from tests.integration.marketing.test_measures import ENRICH

PROFILED = {**ENRICH, "name": "scored enrichment",
            "flags": {"systematic_profiling": True, "innovative_technology": True}}  # fmt: skip


def test_a_signed_off_measure_dpia_is_on_record_for_the_planning_check(rt: Runtime) -> None:
    seed_contact(rt, posts=TELE_POSTS)
    with rt.session() as session:
        submit(session, rt.keyring, rt.policy(), PROFILED, actor="mkt", now=NOW)
        before = check_stored(session, rt.keyring, rt.policy(), parse_measure(PROFILED), now=NOW)
        assert before.dpia.required and before.dpia.on_record is None
        criteria = {c.criterion.value: c for c in assess_criteria(
            session, rt.policy(), "enrichment", measure=PROFILED["name"])}  # fmt: skip
        assert criteria["innovative_use"].met and criteria["evaluation_scoring"].met
        assert any("scored enrichment" in str(e) for e in criteria["innovative_use"].evidence)
        try:
            open_dpia(session, rt.policy(), "profiling", measure=PROFILED["name"],
                      actor="a", role="admin", at=NOW)  # fmt: skip
        except DpiaInputError as refused:
            assert refused.field == "measure"  # the measure runs under enrichment
        else:
            raise AssertionError("a measure's DPIA under another purpose was accepted")
    with rt.session() as session:
        ref = carry_out_measure_dpia(session, rt)
        after = check_stored(session, rt.keyring, rt.policy(), parse_measure(PROFILED), now=NOW)
    assert after.dpia.on_record == f"{ref} v1"


def carry_out_measure_dpia(session: Session, rt: Runtime) -> str:
    from sphere.domain.dpia import Risk
    from sphere.governance.dpia import DpiaChanges, change_dpia, record_opinion, sign_off

    policy = rt.policy()
    dpia = open_dpia(session, policy, "enrichment", measure=PROFILED["name"],
                     actor="admin:t", role="admin", at=NOW)  # fmt: skip
    change_dpia(session, dpia.reference, DpiaChanges(
        description="Scores aus Produktbeiträgen.", necessity="Nur mit Einwilligung.",
        risks=(Risk("Intransparente Bewertung", 3, 2, "Erklärung im Portal.", 1, 2),),
        assessed_on=NOW.date(), review_on=NOW.date().replace(year=NOW.year + 1)),
        actor="admin:t", role="admin", at=NOW)  # fmt: skip
    record_opinion(session, dpia.reference, "Vertretbar mit den Maßnahmen.",
                   actor="dpo:t", role="dpo", at=NOW)  # fmt: skip
    sign_off(session, policy, dpia.reference, actor="admin:t", role="admin", at=NOW)

    return dpia.reference
