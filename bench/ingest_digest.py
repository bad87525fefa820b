"""Equivalence check: what one ingestion stores, as a canonical digest.

Run: python bench/ingest_digest.py [--posts 10000] [--crm 1000] [--backend sqlite|postgresql]
     [--dump FILE]

Ingests the benchmark corpus (``bench_ingest.py``'s input: CRM import first, then the
Mastodon file, then the same file again with one more blank line — a new fingerprint, so
every record is re-read and must be recognised as stored) on a new database with a
frozen clock and fixed secrets, then writes every stored row in a canonical form:

* outcome counts of both runs (the summaries without timings);
* interactions with their text DECRYPTED, decisions, aggregates, quarantine (payload
  decrypted), subject keys, audit entries in chain order, ingestion checkpoints;
* random ids replaced by what they stand for (a contact by its customer number, an
  interaction by channel and source id, a decision by the record it decided about, a
  per-record key by ``record:*``), so two runs of different code compare equal exactly
  when they stored the same things in the same order.

It prints the SHA-256 of the dump and the number of lines per section; ``--dump`` keeps
the dump for a ``diff``. Run it on two versions of the code (``PYTHONPATH=<other
checkout>/src``) to prove a refactoring changed nothing that is stored. The audit chain
is verified, its hashes are not compared (they cover the random ids).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from _bench_common import (
    CRM_SOURCE,
    MASTODON_SOURCE,
    bench_settings,
    register_sources,
    write_company_profile,
)
from bench_ingest import DEFAULT_PG_URL, create_pg_database, drop_pg_database, input_files
from sphere.audit import verify
from sphere.domain import FrozenClock
from sphere.pipeline.runner import ingest_file
from sphere.runtime import Runtime, open_runtime
from sphere.storage.pipeline_tables import IngestRunRow
from sphere.storage.review_tables import ReviewItemRow
from sphere.storage.tables import (
    AggregateRow,
    AuditEntryRow,
    ContactRow,
    DecisionRow,
    IdentityRow,
    InteractionRow,
    QuarantineRow,
    SubjectKeyRow,
)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _summary(summary: Any) -> dict[str, Any]:
    data = summary.to_dict()
    data.pop("seconds", None)
    data.pop("files", None)
    return data


class _Names:
    """Random ids → stable names (see module docstring)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.others = 0

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.startswith("record:"):
            return "record:*"
        if value.startswith("contact:"):  # a decision's record_ref
            return self.names.get(value[8:], value)
        if value not in self.names and _UUID.match(value):
            # Ids of rows no longer stored (deleted records) or not named above (sources,
            # consents): named in order of first appearance, which is deterministic.
            self.others += 1
            self.names[value] = f"id#{self.others}"
        return self.names.get(value, value)


def _dump(rt: Runtime, summaries: list[dict[str, Any]]) -> Iterator[str]:
    names = _Names()
    with rt.session() as session:
        keyring = rt.keyring
        identities = session.execute(select(IdentityRow)).scalars().all()
        for row in identities:
            if row.kind == "customer_number":
                number = keyring.decrypt_text(session, row.key_id, row.value_ciphertext)
                names.names[row.contact_id] = f"contact:{number}"
        for row in identities:
            names.names[row.id] = f"identity:{row.kind}:{row.channel}:{row.blind_index[:12]}"
        # A review item's id is random and its decision row's place in the table is not
        # fixed on PostgreSQL (no ORDER BY; vacuum reuses space): named by its keyed post
        # reference instead of by order of first appearance.
        for item in session.execute(select(ReviewItemRow)).scalars():
            names.names[item.id] = f"review:{item.ref_key[:16]}"
        decisions = session.execute(select(DecisionRow)).scalars().all()
        for row in decisions:
            names.names[row.id] = f"decision:{row.record_type}:{names(row.record_ref)}"
        interactions = session.execute(select(InteractionRow)).scalars().all()
        for row in interactions:
            names.names[row.id] = f"interaction:{row.channel}:{row.source_id}"
        for row in session.execute(select(ContactRow)).scalars():
            names.names.setdefault(row.id, f"contact:{row.public_id}")

        yield from (f"summary {json.dumps(s, sort_keys=True)}" for s in summaries)
        out = []
        for row in interactions:
            text = (
                keyring.decrypt_text(session, row.key_id, row.text_ciphertext)
                if row.text_ciphertext is not None
                else None
            )
            out.append(
                "interaction "
                + json.dumps(
                    [
                        row.channel,
                        row.source_id,
                        row.source_name,
                        row.kind,
                        row.visibility,
                        row.addressing,
                        row.language,
                        names(row.contact_id),
                        names(row.identity_id),
                        names(row.key_id),
                        text,
                        row.special_categories,
                        str(row.created_at),
                        str(row.ingested_at),
                        names(row.decision_id),
                        str(row.retention_until),
                        str(row.deleted_at),
                    ],
                    ensure_ascii=False,
                )
            )
        yield from sorted(out)
        yield from sorted(
            "decision "
            + json.dumps(
                [
                    row.record_type,
                    names(row.record_ref),
                    names(row.contact_id),
                    row.purpose,
                    row.outcome,
                    row.legal_basis,
                    row.policy_version,
                    row.rule_id,
                    row.reason,
                    str(row.decided_at),
                ],
                ensure_ascii=False,
            )
            for row in decisions
        )
        yield from sorted(
            f"aggregate {r.day} {r.channel} {r.addressing} {r.outcome} {r.topic} {r.count}"
            for r in session.execute(select(AggregateRow)).scalars()
        )
        quarantine = []
        for row in session.execute(select(QuarantineRow)).scalars():
            payload = (
                keyring.decrypt_text(session, row.key_id, row.payload_ciphertext)
                if row.payload_ciphertext is not None
                else None
            )
            quarantine.append(
                "quarantine "
                + json.dumps(
                    [
                        row.source_name,
                        row.file,
                        row.line,
                        row.reason,
                        payload,
                        str(row.created_at),
                        str(row.retention_until),
                    ],
                    ensure_ascii=False,
                )
            )
        yield from sorted(quarantine)
        yield from sorted(
            f"subject_key {names(r.subject_id)} destroyed={r.wrapped_key is None}"
            for r in session.execute(select(SubjectKeyRow)).scalars()
        )
        for row in session.execute(select(AuditEntryRow).order_by(AuditEntryRow.seq)).scalars():
            yield "audit " + json.dumps(
                [
                    row.seq,
                    str(row.at),
                    row.actor,
                    row.action,
                    names(row.subject_id),
                    [names(o) for o in row.object_ids],
                    row.purpose,
                    row.legal_basis,
                    row.details,
                ],
                ensure_ascii=False,
                sort_keys=True,
            )
        yield from sorted(
            f"ingest_run {r.source_name} {r.file} {r.last_line} {r.completed}"
            for r in session.execute(select(IngestRunRow)).scalars()
        )
        result = verify(session)
        yield f"audit_verify ok={result.ok} checked={result.checked}"


def run(url: str, posts: Path, crm: Path | None) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="sphere-digest-home-") as home_dir:
        home = Path(home_dir)
        write_company_profile(home)
        rt = open_runtime(bench_settings(home, url), clock=FrozenClock())
        try:
            register_sources(rt)
            ctx = rt.pipeline_context()
            summaries = []
            if crm is not None:
                summaries.append(
                    _summary(ingest_file(rt.factory, ctx, crm, source_name=CRM_SOURCE))
                )
            summaries.append(
                _summary(ingest_file(rt.factory, ctx, posts, source_name=MASTODON_SOURCE))
            )
            again = home / "again.jsonl"
            shutil.copyfile(posts, again)
            with again.open("a", encoding="utf-8") as handle:
                handle.write("\n")
            summaries.append(
                _summary(ingest_file(rt.factory, ctx, again, source_name=MASTODON_SOURCE))
            )
            return list(_dump(rt, summaries))
        finally:
            rt.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--crm", type=int, default=1_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("SPHERE_TEST_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--dump", type=Path, help="write the canonical dump here")
    args = parser.parse_args()
    posts, crm, _meta = input_files(args.posts, args.crm)
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sphere-digest-db-") as tmp:
            lines = run(f"sqlite:///{tmp}/d.db", posts, crm)
    else:
        name, url = create_pg_database(args.pg_url)
        try:
            lines = run(url, posts, crm)
        finally:
            drop_pg_database(args.pg_url, name)
    text = "\n".join(lines) + "\n"
    if args.dump:
        args.dump.write_text(text, encoding="utf-8")
    sections: dict[str, int] = {}
    for line in lines:
        kind = line.split(" ", 1)[0]
        sections[kind] = sections.get(kind, 0) + 1
    print(" ".join(f"{k}={n}" for k, n in sections.items()))
    print(lines[-1])
    print(f"sha256 {hashlib.sha256(text.encode('utf-8')).hexdigest()}")


if __name__ == "__main__":
    main()
