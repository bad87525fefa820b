"""What-if and apply over stored campaigns (SQLite and PostgreSQL): a draft that withdraws
the rule a campaign relies on changes that campaign; a draft that changes nothing reports
0; applying records the count and leaves campaigns to the send-time check."""

from __future__ import annotations

from sqlalchemy import select

from sphere.audit import verify
from sphere.cockpit.whatif import apply_draft, draft_from_yaml, draft_without_rule, what_if
from sphere.domain import Purpose
from sphere.governance.policy_versions import active_policy
from sphere.marketing.campaigns import create_campaign
from sphere.marketing.measures import submit
from sphere.runtime import Runtime
from sphere.storage.repositories.marketing import MarketingRepository
from sphere.storage.tables import AuditEntryRow
from tests.integration.marketing.conftest import seed_contact
from tests.integration.marketing.test_campaigns import NEWSLETTER, OFFER

RULE = "marketing.with-consent"  # the rule the newsletter's consented recipients rely on


def _campaigns(rt: Runtime) -> tuple[str, str]:
    """Anna consented to direct marketing, Dora did not; one campaign, one refused one."""
    seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    seed_contact(rt, email="dora.test@example.com")
    with rt.session() as session:
        measure, _ = submit(
            session, rt.keyring, rt.policy(), NEWSLETTER, actor="mkt", now=rt.clock.now()
        )
        assert measure.state == "approved"
        tele = create_campaign(
            session,
            {"name": "tele", "measure": "spring newsletter", "offer": OFFER},
            actor="mkt",
            now=rt.clock.now(),
        )
        refused = create_campaign(
            session,
            {"name": "by sms", "measure": "spring newsletter", "offer": OFFER, "channel": "sms"},
            actor="mkt",
            now=rt.clock.now(),
        )
    assert refused.state == "refused"
    return tele.id, refused.id


def test_draft_without_the_rule_changes_the_campaign(rt: Runtime) -> None:
    tele, _ = _campaigns(rt)
    with rt.session() as session:
        draft = draft_without_rule(active_policy(session), RULE)
        result = what_if(session, rt.keyring, draft, now=rt.clock.now())
    assert (result.campaigns, result.campaigns_checked) == (1, 1)  # the refused one never runs
    (shift,) = result.campaign_shifts
    assert (shift.campaign_id, shift.name, shift.state) == (tele, "tele", "draft")
    assert (shift.old_outcome, shift.new_outcome) == ("can_run_for_subset", "must_not_run")
    assert (shift.old_reached, shift.new_reached, shift.audience) == (1, 0, 2)
    assert shift.recipients_affected == 1  # Anna; Dora was refused either way
    assert shift.new_codes == {"marketing.needs-consent": 1}  # the rule that now decides
    as_json = result.to_dict()
    assert as_json["campaigns"] == 1
    assert as_json["campaign_shifts"][0]["old_outcome"] == "can_run_for_subset"
    assert "anna" not in str(as_json) and "example.com" not in str(as_json)


def test_draft_that_changes_nothing_reports_zero(rt: Runtime) -> None:
    _campaigns(rt)
    with rt.session() as session:
        same = draft_from_yaml(active_policy(session).text or "")
        result = what_if(session, rt.keyring, same, now=rt.clock.now())
    assert (result.campaigns, result.campaigns_checked, result.campaign_shifts) == (0, 1, ())


def test_apply_records_the_campaign_count_and_changes_no_campaign(rt: Runtime) -> None:
    tele, _ = _campaigns(rt)
    with rt.session() as session:
        draft = draft_without_rule(active_policy(session), RULE)
        result = apply_draft(session, rt.keyring, draft, actor="dpo:test", now=rt.clock.now())
    assert result.whatif.campaigns == 1 and result.to_dict()["campaigns_changed"] == 1
    with rt.session() as session:
        entry = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "policy.reevaluated")
        ).one()
        assert entry.details["campaigns_changed"] == 1
        assert entry.details["campaigns_checked"] == 1
        campaign = MarketingRepository(session).get_campaign(tele)
        assert campaign.state == "draft" and campaign.dry_run_at is None  # re-checked at send
        assert verify(session).ok
        # under the applied policy, the same draft changes nothing any more
        again = what_if(session, rt.keyring, draft, now=rt.clock.now())
    assert again.campaigns == 0 and again.campaigns_checked == 1


def test_cli_text_names_the_campaigns_that_change(rt: Runtime) -> None:
    from sphere.cli.policy import _whatif_lines

    _campaigns(rt)
    with rt.session() as session:
        draft = draft_without_rule(active_policy(session), RULE)
        lines = _whatif_lines(what_if(session, rt.keyring, draft, now=rt.clock.now()))
    assert "campaigns: 1 of 1 that can still be sent change outcome" in "\n".join(lines)
    assert "  tele: can_run_for_subset -> must_not_run, reached 1 -> 0" in lines
