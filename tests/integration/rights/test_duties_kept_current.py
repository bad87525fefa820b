"""Art. 14 duties kept current as records arrive (issue 12): each pipeline batch derives
the duties of its (contact, source) pairs in its own transaction, so a sync from scratch
finds nothing new; a policy apply that makes a rule inform creates the duties of records
stored before it, with the deadline of when those were obtained (Art. 14(3)(a))."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, event, func, select

from sphere.cockpit.whatif import apply_draft
from sphere.dsr.deadline import notice_deadline
from sphere.dsr.notice import Party
from sphere.pipeline.runner import ingest_file
from sphere.policy import default_policy_path, load_policy_text
from sphere.rights import notices
from sphere.rights.notices import MARK, due_duties, send_notices, sync_duties
from sphere.storage.repositories.notice_duties import NoticeDutyRepository
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
        for d in NoticeDutyRepository(session).duties(open_only=False)
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
        assert _utc(NoticeDutyRepository(session).mark(MARK)) == START
        assert sync_duties(session, rt.policy(), incremental=True) == 0
    rt.clock.advance(timedelta(hours=2))
    later = [mastodon_status("6", "Und das Tele 70-200 auch", account_id="42", username="max_m")]
    ingest(rt, write_jsonl(tmp_path / "later.jsonl", later), "masto")
    with rt.session() as session:  # a recent mark moves with each batch
        assert _utc(NoticeDutyRepository(session).mark(MARK)) == START + timedelta(days=3, hours=2)
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
        duties = NoticeDutyRepository(session).duties()
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
        repo = NoticeDutyRepository(session)
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


def _spy_candidates(monkeypatch) -> list[str]:  # noqa: ANN001
    """How each look for missing duties was scoped: 'full', 'since' or 'pairs'."""
    calls: list[str] = []
    real = NoticeDutyRepository.missing_duty_candidates

    def spy(self, channels, rules, *, since=None, pairs=None):  # noqa: ANN001, ANN202
        calls.append("since" if since is not None else "pairs" if pairs is not None else "full")
        return real(self, channels, rules, since=since, pairs=pairs)

    monkeypatch.setattr(NoticeDutyRepository, "missing_duty_candidates", spy)
    return calls


def _writes(rt, call) -> list[str]:  # noqa: ANN001
    """The INSERT/UPDATE/DELETE statements ``call`` issued."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(rt.engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(rt.engine, "before_cursor_execute", note)
    return seen


def test_due_duties_and_send_notices_sync_nothing_when_the_keeper_kept_them(
    rt, tmp_path, monkeypatch
) -> None:
    """Fast path: the pipeline made the duties and marked its records observed, so after
    one sync ``due_duties`` and ``send_notices`` look only at what arrived since the mark
    (one index range) — never at every record — and write nothing."""
    customer = seed_customer(rt, tmp_path)
    with rt.session() as session:
        assert (
            session.scalar(select(func.count()).where(InteractionRow.batch_observed.is_(None))) == 0
        )  # the pipeline marked what it stored
        assert [d.contact_id for d in due_duties(session, rt.policy(), now=rt.clock.now())] == [
            customer.contact_id
        ]  # no mark yet: the first sync is a full one and sets it
    calls = _spy_candidates(monkeypatch)
    with rt.session() as session:
        writes = _writes(rt, lambda: due_duties(session, rt.policy(), now=rt.clock.now()))
        assert [d.contact_id for d in due_duties(session, rt.policy(), now=rt.clock.now())] == [
            customer.contact_id
        ]
    assert calls == ["since", "since"] and writes == []
    _more_posts(rt, tmp_path)  # Max's informing post: the batch made his duty
    with rt.session() as session:
        sent = send_notices(
            session, rt.policy(), None, now=rt.clock.now(), actor="dpo",
            controller=Party("Example GmbH", "privacy@example.com"),
            supervisory_authority=Party("Authority", "https://authority.example"),
        )  # fmt: skip
    # the keeper looked at the batch's pairs; the notice run since the mark only
    assert len(sent) == 2 and calls == ["since", "since", "pairs", "since"]


def _old_worker_ingests(rt, tmp_path) -> str:  # noqa: ANN001
    """A worker of the version before the keeper (rolling upgrade): no batch observer, so
    no duty and no ``batch_observed``; newer workers' batches then move the sync mark past
    its records (emulated), so the look since the mark cannot see them. Max's id."""
    rt.clock.advance(timedelta(days=3))
    posts = [mastodon_status("4", "Das Makro 100 ist toll", account_id="42", username="max_m")]
    old = dataclasses.replace(rt.pipeline_context(), batch_observers=())
    ingest_file(rt.factory, old, write_jsonl(tmp_path / "old.jsonl", posts), source_name="masto")
    rt.clock.advance(timedelta(days=2))
    with rt.session() as session:
        unseen = session.execute(
            select(InteractionRow.contact_id).where(InteractionRow.batch_observed.is_(None))
        ).all()
        assert len(unseen) == 1 and len(_duties(session)) == 1  # Lena's only
        NoticeDutyRepository(session).set_mark(MARK, rt.clock.now())
    return unseen[0][0]


@pytest.mark.parametrize("catch_up", [5_000, 0], ids=["pairs", "full"])
def test_records_an_older_worker_stored_get_their_duty_at_the_next_call(
    rt, tmp_path, monkeypatch, catch_up
) -> None:
    """Catch-up path: records without ``batch_observed`` are found by one index probe
    and their pairs synced (more than ``CATCH_UP`` of them: a full sync), then marked;
    the duty runs from the pair's first record (Art. 14(3)(a)), as if the keeper had
    made it."""
    seed_customer(rt, tmp_path)
    with rt.session() as session:
        assert sync_duties(session, rt.policy(), incremental=True) == 0  # sets the mark
    max_id = _old_worker_ingests(rt, tmp_path)
    monkeypatch.setattr(notices, "CATCH_UP", catch_up)
    calls = _spy_candidates(monkeypatch)
    with rt.session() as session:
        due = {d.contact_id: d for d in due_duties(session, rt.policy(), now=rt.clock.now())}
    assert calls == (["since", "pairs"] if catch_up else ["full"])
    assert _utc(due[max_id].obtained_at) == START  # his first (customer-care) post
    assert _utc(due[max_id].due_at) == _utc(notice_deadline(START).due_at)
    assert _utc(due[max_id].due_at) < rt.clock.now() + timedelta(days=30)
    with rt.session() as session:
        assert (
            session.scalar(select(func.count()).where(InteractionRow.batch_observed.is_(None))) == 0
        )
        again = _writes(rt, lambda: due_duties(session, rt.policy(), now=rt.clock.now()))
    assert again == [] and calls[-1] == "since"  # caught up: the fast path again


def test_send_notices_carries_the_duty_of_an_older_workers_record(rt, tmp_path) -> None:
    """The first communication carries the information (Art. 14(3)(b)): a notice sent
    right after an older worker stored Max's post includes him."""
    seed_customer(rt, tmp_path)
    with rt.session() as session:
        sync_duties(session, rt.policy(), incremental=True)
    max_id = _old_worker_ingests(rt, tmp_path)
    with rt.session() as session:
        sent = send_notices(
            session, rt.policy(), None, now=rt.clock.now(), actor="dpo", contact_id=max_id,
            controller=Party("Example GmbH", "privacy@example.com"),
            supervisory_authority=Party("Authority", "https://authority.example"),
        )  # fmt: skip
    assert [(s.contact_id, s.duties) for s in sent] == [(max_id, 1)]
