"""The batch as a unit: set-based reads, one write per table, observers, the entry point
for raw records that do not come from a file (stream workers) — on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from sphere.audit import verify
from sphere.channels import RawRecord
from sphere.domain import Channel, IdentityKind, Observation
from sphere.pipeline.batch import process_records
from sphere.pipeline.gate import Disposition
from sphere.pipeline.runner import ingest_file
from sphere.pipeline.summary import IngestSummary
from sphere.runtime import Runtime
from sphere.storage.crypto import pseudonym_subject
from sphere.storage.repositories.sources import SourceRepository
from sphere.storage.tables import InteractionRow, SubjectKeyRow
from tests.factories import mastodon_delete, mastodon_status, write_jsonl


def _count(rt: Runtime, table) -> int:  # noqa: ANN001
    with rt.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def _statuses(n: int, *, start: int = 0) -> list[dict]:
    return [
        mastodon_status(
            str(1000 + i),
            f"Frage {i} zum Makro 100",
            mention_company=True,
            account_id=str(5000 + i % 7),  # seven authors, most post more than once
            username=f"autor{i % 7}",
        )
        for i in range(start, start + n)
    ]


def test_statements_do_not_grow_with_the_batch(rt, customer_csv, tmp_path) -> None:
    """A batch reads set-based and writes one statement per table: 40 posts by linked and
    unknown authors take a handful of statements, not several per post."""
    ingest_file(rt.factory, rt.pipeline_context(), customer_csv, source_name="crm")
    records = _statuses(36) + [
        mastodon_status(str(2000 + i), "Mein Tele 70-200 klappert", mention_company=True)
        for i in range(4)  # by the CRM customer lena_fotografie: linked
    ]
    path = write_jsonl(tmp_path / "p.jsonl", records)
    ctx = replace(rt.pipeline_context(), batch_size=len(records))
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(rt.engine, "before_cursor_execute", count)
    try:
        summary = ingest_file(rt.factory, ctx, path, source_name="masto")
    finally:
        event.remove(rt.engine, "before_cursor_execute", count)
    assert summary.total(Disposition.LINKED) == 4
    assert summary.total(Disposition.PSEUDONYMISED) == 36
    # Run bookkeeping (source, run, checkpoint, completion) plus, for the batch: the DPIA
    # approvals (which purposes are held, Art. 35(1)), identities,
    # contacts, identity kinds, consents, stored ids, keys, tombstones, then one write per
    # table — and one upsert per counter table of the held read model (counts, contacts
    # per purpose, purposes' contact totals, the what-if's record pairs) just before COMMIT;
    # the Art. 14 duty sync mark moved forward (no linked post here informs: no duty query).
    assert len(statements) <= 31, "\n".join(statements)
    with rt.session() as session:
        assert verify(session).ok
        keys = set(session.scalars(select(SubjectKeyRow.subject_id)))
    authors = {
        pseudonym_subject(rt.keyring.blind_index(IdentityKind.HANDLE, "mastodon", str(5000 + i)))
        for i in range(7)
    }
    assert authors <= keys  # one key per new pseudonymous author, written in one go


def test_a_deletion_and_a_repost_in_one_batch(rt, tmp_path) -> None:
    """The batch's knowledge of what is stored follows its own writes and deletions; a
    copy arriving after the platform deleted the post is not stored (the tombstone wins:
    with several workers, "after" may be a late delivery of the original)."""
    post = _statuses(1)[0]
    path = write_jsonl(tmp_path / "p.jsonl", [post, post, mastodon_delete("1000"), post])
    ctx = replace(rt.pipeline_context(), batch_size=10)
    summary = ingest_file(rt.factory, ctx, path, source_name="masto")
    assert summary.duplicates == 1  # the second copy, before the deletion
    assert summary.deletions == 1
    assert summary.total(Disposition.PSEUDONYMISED) == 2  # first copy, and after deletion
    assert summary.notes["an older version or a deleted post arrived late: not stored"] == 1
    assert _count(rt, InteractionRow) == 0


def test_a_post_for_an_erased_pseudonym_is_quarantined_and_the_batch_goes_on(rt, tmp_path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", _statuses(1))
    ingest_file(rt.factory, rt.pipeline_context(), first, source_name="masto")
    subject = pseudonym_subject(rt.keyring.blind_index(IdentityKind.HANDLE, "mastodon", "5000"))
    with rt.session() as session:
        assert rt.keyring.destroy_key(session, subject)  # an erasure by handle
    second = write_jsonl(tmp_path / "b.jsonl", _statuses(7, start=7))  # 1007 is author 0
    summary = ingest_file(rt.factory, rt.pipeline_context(), second, source_name="masto")
    assert [q.line for q in summary.quarantine] == [1]
    assert "destroyed" in summary.quarantine[0].reason
    assert summary.total(Disposition.PSEUDONYMISED) == 6
    assert _count(rt, InteractionRow) == 7


def test_process_records_takes_raw_records_of_one_source(rt) -> None:
    """The entry point for raw payloads that do not come from a file (a stream worker):
    one transaction, quarantine named by ``file``, and a hook before commit."""
    ctx = rt.pipeline_context()
    with rt.session() as session:
        source = SourceRepository(session).get("masto")
    records = [RawRecord(line=i + 1, value=v) for i, v in enumerate(_statuses(3))]
    records.append(RawRecord(line=4, value={"id": "x"}))  # not a Status
    summary = IngestSummary(source="masto")
    seen: list[int] = []

    def before_commit(session: Session) -> None:
        seen.append(session.scalar(select(func.count()).select_from(InteractionRow)) or 0)

    process_records(
        rt.factory,
        ctx,
        records,
        source=source,
        summary=summary,
        file="stream:masto",
        before_commit=before_commit,
    )
    assert seen == [3]  # the records are written when the hook runs, in its transaction
    assert summary.total(Disposition.PSEUDONYMISED) == 3
    assert [(q.file, q.line) for q in summary.quarantine] == [("stream:masto", 4)]
    assert _count(rt, InteractionRow) == 3


class _Recorder:
    """An observer as another service would register it (see pipeline/observers.py)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def wants(self, obs: Observation) -> bool:
        return "Makro" in obs.text

    def observe(self, session: Session, obs: Observation, *, at: datetime) -> None:
        # In the batch's transaction: the records before this one are already written.
        stored = session.scalar(select(func.count()).select_from(InteractionRow)) or 0
        self.seen.append((obs.source_id, stored > 0 or obs.source_id == "1000"))


def test_observers_see_the_posts_they_want_in_the_batch_transaction(rt, tmp_path) -> None:
    recorder = _Recorder()
    ctx = replace(rt.pipeline_context(), observers=(recorder,), batch_size=10)
    records = _statuses(2) + [
        mastodon_status("3000", "nur Text", account_id="6000", username="x", mention_company=True)
    ]
    path = write_jsonl(tmp_path / "p.jsonl", records)
    summary = ingest_file(rt.factory, ctx, path, source_name="masto")
    assert recorder.seen == [("1000", True), ("1001", True)]
    assert summary.total(Disposition.PSEUDONYMISED) == 3


def test_the_runtime_registers_the_pipeline_observers(rt) -> None:
    """The portal's log-in phrase check and the marketing opt-out reply ('STOP')."""
    names = [type(o).__name__ for o in rt.pipeline_context().observers]
    assert names == ["HandleLoginObserver", "OptOutReplyObserver"]
    assert all(o.wants is not None for o in rt.pipeline_context().observers)


def test_channel_of_a_stored_check_is_the_observation_channel(rt, tmp_path) -> None:
    """Re-ingesting the same statuses: every one is recognised as stored, set-based."""
    path = write_jsonl(tmp_path / "p.jsonl", _statuses(6))
    ctx = replace(rt.pipeline_context(), batch_size=10)
    ingest_file(rt.factory, ctx, path, source_name="masto")
    again = write_jsonl(tmp_path / "again.jsonl", [*_statuses(6), _statuses(1, start=6)[0]])
    summary = ingest_file(rt.factory, ctx, again, source_name="masto")
    assert summary.duplicates == 6
    assert summary.total(Disposition.PSEUDONYMISED) == 1
    with rt.session() as session:
        channels = set(session.scalars(select(InteractionRow.channel)))
    assert channels == {Channel.MASTODON.value}
