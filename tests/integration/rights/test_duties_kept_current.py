"""Art. 14 duties kept current as records arrive (issue 12): each pipeline batch derives
the duties of its (contact, source) pairs in its own transaction, so a sync from scratch
finds nothing new; a policy apply that makes a rule inform creates the duties of records
stored before it, with the deadline of when those were obtained (Art. 14(3)(a))."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from sphere.cockpit.whatif import apply_draft
from sphere.dsr.deadline import notice_deadline
from sphere.policy import default_policy_path, load_policy_text
from sphere.rights.notices import MARK, sync_duties
from sphere.storage.repositories.rights import RightsRepository
from sphere.storage.rights_tables import NoticeDutyRow
from sphere.storage.tables import InteractionRow
from tests.factories import mastodon_status, write_jsonl
from tests.integration.rights.scenario import ingest, seed_customer

INFORMING = "duties: [record_provenance, inform_art14]"
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # FrozenClock's start


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _duties(session) -> list[tuple]:  # noqa: ANN001
    return sorted(
        (d.contact_id, d.source_name, d.channel, _utc(d.obtained_at), _utc(d.due_at), d.language)
        for d in RightsRepository(session).duties(open_only=False)
    )


def _more_posts(rt, tmp_path) -> None:  # noqa: ANN001
    """Three days later: Max posts about a product (informs), Lena once more."""
    rt.clock.advance(timedelta(days=3))
    posts = [
        mastodon_status("4", "Das Makro 100 ist toll", account_id="42", username="max_m"),
        mastodon_status("5", "Noch ein Bild mit dem Makro 100 gemacht"),
    ]
    ingest(rt, write_jsonl(tmp_path / "more.jsonl", posts), "masto")


def test_the_pipeline_creates_the_duties_a_sync_from_scratch_would(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)  # Lena's post "2" enriched her record
    with rt.session() as session:  # no sync ran: the batch made the duty
        assert [d[0] for d in _duties(session)] == [customer.contact_id]
        assert sync_duties(session, rt.policy(), incremental=True) == 0  # sets the mark
    _more_posts(rt, tmp_path)
    with rt.session() as session:
        kept = _duties(session)
        assert len(kept) == 2 and customer.contact_id in {d[0] for d in kept}
        # a mark more than a day behind is the sync's to move (no batch may skip a gap)
        assert _utc(RightsRepository(session).mark(MARK)) == START
        assert sync_duties(session, rt.policy(), incremental=True) == 0
    rt.clock.advance(timedelta(hours=2))
    later = [mastodon_status("6", "Und das Tele 70-200 auch", account_id="42", username="max_m")]
    ingest(rt, write_jsonl(tmp_path / "later.jsonl", later), "masto")
    with rt.session() as session:  # a recent mark moves with each batch
        assert _utc(RightsRepository(session).mark(MARK)) == START + timedelta(days=3, hours=2)
        assert _duties(session) == kept
        assert sync_duties(session, rt.policy()) == 0  # from scratch: nothing new
        session.execute(delete(NoticeDutyRow))
        assert sync_duties(session, rt.policy()) == len(kept)
        assert _duties(session) == kept  # same pairs, channels, dates and languages


def test_deadlines_run_from_the_first_record_of_the_pair(rt, tmp_path) -> None:
    """Frozen clock: Lena's data were obtained at the start, Max's first post (customer
    care, no duty) too; his informing post three days later owes the notice one month
    after the first (Art. 14(3)(a)), until the end of that day in Berlin."""
    seed_customer(rt, tmp_path)
    _more_posts(rt, tmp_path)
    with rt.session() as session:
        duties = _duties(session)
    assert len(duties) == 2
    for _contact, source, channel, obtained, due, language in duties:
        assert (source, channel, language) == ("masto", "mastodon", "de")
        assert obtained == START
        assert due == _utc(notice_deadline(START).due_at)
        # the whole of 1 July in Berlin: due at midnight into the 2nd (22:00 UTC)
        assert due == datetime(2026, 7, 2, tzinfo=ZoneInfo("Europe/Berlin"))


def test_a_policy_that_newly_informs_creates_the_duties_of_old_records(rt, tmp_path) -> None:
    text = default_policy_path().read_text(encoding="utf-8")
    assert INFORMING in text
    silent = load_policy_text(text.replace(INFORMING, "duties: [record_provenance]"))
    with rt.session() as session:
        apply_draft(session, rt.keyring, silent, actor="dpo", now=rt.clock.now())
    rt.forget_policy()
    customer = seed_customer(rt, tmp_path)
    with rt.session() as session:
        assert _duties(session) == []
        assert sync_duties(session, rt.policy()) == 0
    rt.clock.advance(timedelta(days=40))  # the month of Art. 14(3)(a) has passed
    with rt.session() as session:
        apply_draft(session, rt.keyring, load_policy_text(text), actor="dpo", now=rt.clock.now())
    rt.forget_policy()
    with rt.session() as session:
        duties = RightsRepository(session).duties()
        first = session.scalar(
            select(InteractionRow.ingested_at)
            .where(InteractionRow.contact_id == customer.contact_id)
            .order_by(InteractionRow.ingested_at)
            .limit(1)
        )
    assert [d.contact_id for d in duties] == [customer.contact_id]
    assert _utc(duties[0].obtained_at) == _utc(first) == START
    assert _utc(duties[0].due_at) < rt.clock.now()  # owed since long: overdue at once


def test_a_duty_written_by_another_transaction_first_is_left_as_it_is(rt, tmp_path) -> None:
    """Two writers deriving the same pair (a worker's batch and a page's sync): the second
    insert does nothing and says so, the batch is not failed by it."""
    customer = seed_customer(rt, tmp_path)
    with rt.session() as session:
        repo = RightsRepository(session)
        (duty,) = repo.duties()
        again = {
            "contact_id": customer.contact_id,
            "source_name": duty.source_name,
            "channel": duty.channel,
            "obtained_at": rt.clock.now(),
            "due_at": rt.clock.now(),
            "language": "en",
        }
        assert repo.add_duties([again]) == 0
        assert repo.duties() == [duty]
