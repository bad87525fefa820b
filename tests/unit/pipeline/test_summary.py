from sphere.pipeline.gate import Disposition
from sphere.pipeline.summary import MAX_NOTES, IngestSummary


def test_quarantine_notes_are_capped_but_every_record_is_counted() -> None:
    summary = IngestSummary(source="masto")
    for line in range(1, MAX_NOTES + 51):
        summary.quarantined("posts.jsonl", line, "malformed JSON")
    assert len(summary.quarantine) == MAX_NOTES  # memory does not grow with the file
    assert summary.quarantine_total == MAX_NOTES + 50
    assert summary.total(Disposition.QUARANTINED) == MAX_NOTES + 50
    assert summary.to_dict()["quarantine_total"] == MAX_NOTES + 50


def test_restore_rolls_back_counts_and_notes() -> None:
    summary = IngestSummary(source="masto")
    summary.quarantined("a.jsonl", 1, "bad")
    snapshot = summary.checkpoint()
    summary.quarantined("a.jsonl", 2, "bad")
    summary.duplicates += 3
    summary.restore(snapshot)
    assert summary.quarantine_total == 1 and len(summary.quarantine) == 1
    assert summary.duplicates == 0 and summary.total(Disposition.QUARANTINED) == 1
