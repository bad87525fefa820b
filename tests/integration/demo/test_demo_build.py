"""``sphere demo``'s build step end to end on SQLite (the demo's own default database):
the small scenario through the real pipeline, the played history, and a second run
that adds nothing. The DPO's first look must show real work: requests near and past
their deadline among the findings, a campaign ready for its dry run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sphere.audit import verify
from sphere.cockpit.findings import compute_findings
from sphere.cockpit.record import build_record
from sphere.cockpit.record_check import check_record
from sphere.cockpit.toms import SecurityFacts, build_catalogue
from sphere.demo.run import DEMO_STAFF, build_demo
from sphere.demo.story import CAMPAIGN, REQUESTS
from sphere.domain import FrozenClock
from sphere.governance.breach import list_breaches
from sphere.governance.dpia import list_dpias
from sphere.governance.joint import joint_overview
from sphere.governance.recipients import list_recipients
from sphere.marketing.campaigns import dry_run, list_campaigns
from sphere.rights.requests import list_requests
from sphere.runtime import Runtime, open_runtime
from sphere.settings import Settings, load_settings
from sphere.storage.db import upgrade
from sphere.storage.repositories.recipients import RecipientRepository
from sphere.storage.repositories.staff import StaffRepository
from sphere.storage.tables import AuditEntryRow
from tests.conftest import TEST_MASTER_KEY, TEST_PSEUDONYM_SECRET


@pytest.fixture(scope="module")
def demo_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    home = tmp_path_factory.mktemp("demo-home")
    url = f"sqlite:///{(home / 'sphere.db').as_posix()}"
    settings: Settings = load_settings(
        env="test",
        home=home,
        database_url=url,
        master_key=TEST_MASTER_KEY,
        pseudonym_secret=TEST_PSEUDONYM_SECRET,
    )
    upgrade(url)
    runtime = open_runtime(settings, clock=FrozenClock())
    try:
        yield runtime
    finally:
        runtime.close()


def test_demo_builds_once_with_its_history(demo_runtime: Runtime) -> None:
    rt = demo_runtime
    first = build_demo(rt, size="small")
    stored = sum(n for s in first.summaries for n in s.by_class.values())
    assert stored > 1000
    assert sum(s.contacts_imported for s in first.summaries) > 100
    assert first.consents_recorded > 0
    assert sorted(first.staff_created) == sorted(name for name, _, _ in DEMO_STAFF)
    with demo_runtime.session() as session:  # the printed password must be replaced first
        users = StaffRepository(session).list_users()
        assert users and all(u.must_change_password for u in users)
    assert first.story.to_dict() == {"measures": 1, "campaigns": 1, "requests": len(REQUESTS)}
    now = rt.clock.now()
    with rt.session() as session:
        audit_rows = session.scalar(select(func.count()).select_from(AuditEntryRow))
        requests = list_requests(session, now=now)
        assert len(requests) == len(REQUESTS)
        assert sum(1 for v in requests if v.is_overdue) == 1
        assert sum(1 for v in requests if v.request.completed_at is not None) == 3
        assert [c.name for c in list_campaigns(session)] == [CAMPAIGN["name"]]
        report = dry_run(session, rt.keyring, rt.policy(), CAMPAIGN["name"], now=now, actor="t")
        assert report.reached and report.not_reached  # consent decides, per person
        policy = rt.policy()
        codes = {
            f.code: f
            for f in compute_findings(
                session, rt.keyring, build_record(session, policy, now=now), now=now, policy=policy
            )
        }
    assert codes["dsr.deadline"].severity == "high"
    assert codes["dsr.deadline"].count == 2  # one overdue, one due within days
    with rt.session() as session:  # one recorded breach, notified in time (Art. 33, 34)
        (breach,) = list_breaches(session)
        assert breach.affected_subjects > 0 and breach.affected_records > 0
        assert breach.authority_notified_at and breach.subjects_notified_at
        controller = rt.company_profile().controller
        assert controller.supervisory_authority.name.startswith("Bayerisches Landesamt")
        assert controller.missing == ()
        assert len(list_recipients(session)) == 3  # processors, one sub-processor (Art. 28)
        # the story's rectification was passed on to the recipients (Art. 19)
        told = RecipientRepository(session).notifications()
        assert {n.action for n in told} >= {"rectification"}
        # joint controllers (Art. 26): Meta and X arranged, the own forum needs none
        states = {s.source: s.state for s in joint_overview(session)}
        assert states["facebook"] == states["x"] == "arranged" and states["forum"] == "not_needed"
        assert "joint.arrangement-missing" not in codes
        # its DPIAs, signed off before processing (Art. 35(1)); enrichment's is worked out
        dpias = {d.purpose: d for d in list_dpias(session)}
        assert set(dpias) == {"enrichment", "profiling", "public_monitoring", "identity_matching"}
        worked = dpias["enrichment"].approved
        assert worked is not None and len(worked.risks) == 4 and worked.dpo_opinion
        assert "dpia.review-overdue" not in codes and "dpia.missing" not in codes

    second = build_demo(rt, size="small")  # idempotent: nothing new
    assert second.story.to_dict() == {"measures": 0, "campaigns": 0, "requests": 0}
    assert second.staff_created == [] and second.consents_recorded == 0
    with rt.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntryRow)) >= audit_rows
        assert len(list_requests(session, now=now)) == len(REQUESTS)
        assert len(list_breaches(session)) == 1
        assert len(list_dpias(session)) == 4
        assert verify(session).ok


def test_the_demo_record_is_complete(demo_runtime: Runtime) -> None:
    """Issue 14, point 7, "Done means": every field of Art. 30(1)(a)-(g) is filled on the
    demo company; its declared measures are due in the future, the chain was verified."""
    rt = demo_runtime
    build_demo(rt, size="small")  # idempotent; built by the test above
    now = rt.clock.now()
    with rt.session() as session:
        policy = rt.policy()
        catalogue = build_catalogue(session, policy, SecurityFacts.from_settings(rt.settings),
                                    now=now)  # fmt: skip
        record = build_record(
            session, policy, now=now, controller=rt.company_profile().controller, security=catalogue
        )
    assert check_record(record) == []
    statuses = {e.key: e.status for e in catalogue.entries}
    assert statuses["sphere.audit-chain"] == "evidenced"
    assert statuses["sphere.encryption"] == "evidenced"
    declared = [e for e in catalogue.entries if e.source == "declared"]
    assert len(declared) == 8 and all(e.status == "declared" for e in declared)
    assert {e.goal for e in declared} >= {"availability", "testing", "confidentiality"}


def test_unknown_size_is_refused_with_the_choices(demo_runtime: Runtime) -> None:
    from sphere.errors import InvalidInput

    with pytest.raises(InvalidInput, match="small, full"):
        build_demo(demo_runtime, size="huge")


def test_scenario_files_stay_in_the_home(demo_runtime: Runtime) -> None:
    data_dir = demo_runtime.settings.home / "demo-small"
    assert (data_dir / "manifest.json").is_file()
    assert all(Path(p).is_relative_to(demo_runtime.settings.home) for p in data_dir.iterdir())


def test_demo_database_gets_a_fresh_portal_link_and_staff_can_issue_one(
    demo_runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``sphere serve`` prints a fresh link on the demo's database only; ``sphere portal
    link EMAIL`` issues one for an address on file; both audited with who issued them.
    The build's summary tables print at their full width (a pipe is 80 columns)."""
    from collections import Counter

    from sphere.audit import latest
    from sphere.cli.ingest import print_summary
    from sphere.errors import NotFound
    from sphere.pipeline.summary import IngestSummary
    from sphere.portal import demo_portal_link, issue_portal_link

    rt = demo_runtime
    link = demo_portal_link(rt, base_url="http://127.0.0.1:8000")
    assert link and link.startswith("http://127.0.0.1:8000/portal/login/")
    address = (rt.settings.home / "demo-small" / "crm_contacts.csv").read_text().splitlines()[2]
    issued = issue_portal_link(rt, address.split(",")[1], base_url="http://h", actor="cli")
    assert issued.startswith("http://h/portal/login/") and issued != link
    with pytest.raises(NotFound):
        issue_portal_link(rt, "nobody@example.com", actor="cli")
    with rt.session() as session:
        issued_by = [e.actor for e in latest(session, limit=5) if e.action == "portal.link_issued"]
    assert issued_by[:2] == ["cli", "demo"]

    print_summary(
        IngestSummary(
            source="mastodon",
            by_class=Counter(
                {("private_conversation", "discarded"): 140, ("addressed", "pseudonymised"): 9}
            ),
        )
    )
    printed = capsys.readouterr().out
    assert "pseudonymised" in printed and "private_conversation" in printed
    assert "…" not in printed


def test_no_portal_link_is_printed_for_a_database_that_is_not_the_demo(
    settings: Settings, migrated_db_url: str
) -> None:
    from sphere.portal import demo_portal_link
    from tests.runtimes import runtime_for_tests

    with runtime_for_tests(settings, migrated_db_url) as rt:
        assert demo_portal_link(rt) is None


def test_the_demo_crm_is_connected_and_an_erasure_reaches_it(demo_runtime: Runtime) -> None:
    """The demo ships a CRM (SQLite beside Sphere's database) with its connector
    definition; an erasure carried out in Sphere removes the person there too."""
    from sqlalchemy import create_engine, text

    from sphere.domain import IdentityKind
    from sphere.portal.requests import carry_out, verify_request
    from sphere.rights.crm_sync import status as crm_status
    from sphere.rights.requests import RequestType, get_request, open_request
    from sphere.rights.systems import request_tasks
    from sphere.storage.repositories.contacts import ContactRepository

    rt = demo_runtime
    build_demo(rt, size="small")  # idempotent: the first test built it
    directory = rt.settings.resolved_connectors_dir
    assert (directory / "crm.yaml").is_file() and (directory / "crm.sqlite").is_file()
    systems = rt.connected_systems()
    assert systems.names() == ("crm",)
    [health] = systems.health()
    assert (health.status, health.dialect) == ("ok", "sqlite"), health.problems
    crm = create_engine(f"sqlite:///{directory / 'crm.sqlite'}")
    with crm.connect() as connection:
        # The CRM sync: what the gate stored for customers is in the CRM, nothing waits.
        email = connection.execute(
            text("SELECT email FROM sphere_records WHERE email IS NOT NULL ORDER BY email LIMIT 1")
        ).scalar_one()
        synced = connection.execute(text("SELECT count(*) FROM sphere_records")).scalar_one()
    with rt.session() as session:
        state = crm_status(session, rt.keyring, systems)
    assert state["target"] == "crm" and state["synced"] == synced > 0
    assert state["pending"] == state["failed"] == state["dead_letter"] == 0
    policy = rt.policy()
    with rt.session() as session:
        contact = ContactRepository(session, rt.keyring).find_by_identity(IdentityKind.EMAIL, email)
        assert contact is not None
        contact_id = contact.id
        request = open_request(session, rt.keyring, contact_id, RequestType.ERASURE,
                               at=rt.clock.now(), actor="dpo")  # fmt: skip
        verify_request(session, request.id, at=rt.clock.now(), actor="dpo")
        carry_out(session, rt.keyring, policy, request.id, at=rt.clock.now(), actor="dpo",
                  systems=systems)  # fmt: skip
    with rt.session() as session:
        [task] = request_tasks(session, request.id)
        assert (task.system, task.state) == ("crm", "done")
        assert get_request(session, request.id).state == "completed"
    with crm.connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM contacts WHERE email = :e"), {"e": email}
        ).scalar_one()
        records = connection.execute(
            text("SELECT count(*) FROM sphere_records WHERE email = :e"), {"e": email}
        ).scalar_one()
    crm.dispose()
    assert left == 0 and records == 0
