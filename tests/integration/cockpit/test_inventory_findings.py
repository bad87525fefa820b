"""Each inventory entry names the findings that concern it: the new request, notice and
campaign findings land on the process that has to act on them, and nowhere else."""

from __future__ import annotations

from pathlib import Path

from sphere.cockpit.findings import Finding
from sphere.cockpit.inventory import build_inventories
from sphere.cockpit.record import build_record
from sphere.runtime import Runtime
from tests.integration.cockpit.conftest import seed


def _finding(code: str) -> Finding:
    return Finding(code, "high", code, "evidence", 1, "/cockpit/findings", "GDPR")


def test_findings_attach_to_the_process_that_acts_on_them(rt: Runtime, tmp_path: Path) -> None:
    seed(rt, tmp_path)
    now = rt.clock.now()
    codes = ("dsr.deadline", "notice.art14-overdue", "campaign.expired-consent")
    with rt.session() as session:
        record = build_record(session, rt.policy(), now=now)
        inventories = build_inventories(session, record, [_finding(c) for c in codes])
        none = build_inventories(session, record, [])
    by_area = {p.area: set(p.findings) for p in inventories.processes}
    assert by_area["marketing"] == {"campaign.expired-consent"}
    assert by_area["service"] == {"dsr.deadline", "notice.art14-overdue"}
    assert by_area["sales"] == set()
    assert all(not p.findings for p in none.processes)
    assert all(not set(codes) & set(f.findings) for f in inventories.flows)
