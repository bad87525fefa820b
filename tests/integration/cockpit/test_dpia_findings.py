"""An overdue DPIA review is a finding (GDPR Art. 35(11)); the approvals recorded before
the workflow became signed-off version 1 of their DPIA (migration 0036). Frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import column, insert, table
from sqlalchemy.orm import Session

from sphere.cockpit.finding import localize
from sphere.cockpit.findings import compute_findings
from sphere.cockpit.record import build_record
from sphere.domain import FrozenClock, Purpose
from sphere.governance.dpia import get_dpia, held_purposes, list_dpias
from sphere.governance.policy_versions import active_policy
from sphere.i18n import translator
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.db import make_engine, upgrade
from sphere.storage.types import UTCDateTime
from tests.integration.marketing.conftest import NOW
from tests.runtimes import SOURCES, runtime_for_tests


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    with runtime_for_tests(settings, migrated_db_url, sources=SOURCES[:2],
                           clock=FrozenClock(NOW)) as r:  # fmt: skip
        yield r


def _codes(rt: Runtime) -> dict[str, object]:
    with rt.session() as session:
        policy = active_policy(session)
        record = build_record(session, policy, now=rt.clock.now())
        found = compute_findings(session, rt.keyring, record, now=rt.clock.now(), policy=policy)
    return {f.code: f for f in found}


def test_an_overdue_review_is_a_finding(rt: Runtime) -> None:
    with rt.session() as session:
        dpias = list_dpias(session)
        review = min(d.approved.review_on for d in dpias if d.approved)  # type: ignore[union-attr]
    assert "dpia.review-overdue" not in _codes(rt)
    # the review day itself is not overdue; the day after is
    rt.clock.advance(datetime.combine(review, datetime.min.time(), UTC) - rt.clock.now()
                     + timedelta(hours=12))  # type: ignore[attr-defined]  # fmt: skip
    assert "dpia.review-overdue" not in _codes(rt)
    rt.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    found = _codes(rt)["dpia.review-overdue"]
    assert found.severity == "high"  # type: ignore[attr-defined]
    assert found.count == len(dpias)  # type: ignore[attr-defined]
    assert f"first due {review.isoformat()}" in found.evidence  # type: ignore[attr-defined]
    german = localize(found, translator("de"))  # type: ignore[arg-type]
    assert german.article == "Art. 35 Abs. 11 DSGVO"
    assert german.title == "Überprüfung von DSFAs überfällig"
    # an overdue review is a finding, not a hold: processing goes on
    with rt.session() as session:
        assert not held_purposes(session, rt.policy())


def test_recorded_approvals_become_signed_off_version_one(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0035")
        approvals = table("dpia_approvals", column("id"), column("purpose"),
                          column("reference"), column("approved_by"),
                          column("approved_at", UTCDateTime()))  # fmt: skip
        with engine.begin() as connection:
            for n, (purpose, reference, at) in enumerate([
                ("enrichment", "DPIA-2025-04 v1", datetime(2025, 3, 1, 9, tzinfo=UTC)),
                ("enrichment", "DPIA-2025-04 v2", datetime(2025, 9, 1, 9, tzinfo=UTC)),
                ("profiling", "Ordner DSFA/Profiling", datetime(2026, 1, 5, 9, tzinfo=UTC)),
            ]):  # fmt: skip
                connection.execute(insert(approvals).values(
                    id=f"00000000-0000-0000-0000-00000000000{n}", purpose=purpose,
                    reference=reference, approved_by="dpo:1", approved_at=at))  # fmt: skip
        upgrade(engine)
    finally:
        engine.dispose()
    engine = make_engine(empty_db_url)
    try:
        with Session(engine) as session:
            dpias = {d.purpose: d for d in list_dpias(session)}
            assert set(dpias) == {"enrichment", "profiling"}
            enrichment = dpias["enrichment"]
            version = enrichment.approved
            assert version is not None and version.version == 1
            assert version.legacy_reference == "DPIA-2025-04 v2"  # the latest approval
            assert version.assessed_on == date(2025, 9, 1)
            assert version.review_on == date(2026, 9, 1)
            assert enrichment.reference == "DPIA-2025-001"
            assert get_dpia(session, "DPIA-2026-001").purpose == "profiling"
            assert Purpose.ENRICHMENT.value in {d.purpose for d in dpias.values()}
    finally:
        engine.dispose()
