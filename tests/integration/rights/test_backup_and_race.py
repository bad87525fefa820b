"""Crypto-shredding against backups (with master-key rotation) and an erasure racing an
ingestion of the same person's new post (PostgreSQL, two connections)."""

from __future__ import annotations

import base64
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from sphere.channels import RawRecord
from sphere.domain import Channel
from sphere.errors import SphereError
from sphere.pipeline.process import RecordProcessor
from sphere.pipeline.summary import IngestSummary
from sphere.rights.erasure import erase_contact
from sphere.storage.crypto import Keyring, MasterKey
from sphere.storage.db import make_engine, make_session_factory, session_scope
from sphere.storage.repositories.erasure import reclaim_free_space
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.sources import SourceRepository
from sphere.storage.tables import InteractionRow, SubjectKeyRow
from tests.conftest import TEST_PSEUDONYM_SECRET
from tests.factories import mastodon_status, write_jsonl
from tests.integration.rights.scenario import ingest, seed_customer


def _texts(url: str, keyring: Keyring, ids: tuple[str, ...]) -> list[str | None]:
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            repo = InteractionRepository(session, keyring)
            return [repo.get(i).text for i in ids]
    finally:
        engine.dispose()


ONLY_SQLITE = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
# Row locks and two concurrent writers need PostgreSQL (SQLite serialises all writers).
ONLY_POSTGRES = pytest.mark.parametrize(
    "db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@ONLY_SQLITE  # a file copy is the backup; a pg_dump taken before behaves alike
def test_backup_taken_before_erasure_is_unreadable_after_key_rotation(rt, tmp_path) -> None:
    url = make_url(rt.settings.resolved_database_url)
    customer = seed_customer(rt, tmp_path)
    reclaim_free_space(rt.engine)  # checkpoint the WAL so the file copy is complete
    backup = tmp_path / "backup.db"
    shutil.copyfile(url.database, backup)
    backup_url = f"sqlite:///{backup}"
    old = rt.keyring
    assert _texts(backup_url, old, customer.interaction_ids)[0] is not None  # backup readable

    with rt.session() as session:
        erase_contact(session, old, customer.contact_id, at=rt.clock.now(), actor="dpo")
    new = Keyring(MasterKey(bytes(range(100, 132))), TEST_PSEUDONYM_SECRET.encode())
    with rt.session() as session:
        rewrapped = old.rewrap_all(session, new)
    assert rewrapped >= 1  # every other subject's key now under the new master key
    del old  # "destroy" the old master key: from here on only ``new`` exists

    with pytest.raises(SphereError):  # the backup's wrapped keys need the destroyed key
        _texts(backup_url, new, customer.interaction_ids)
    with rt.session() as session:  # the live database works with the new key
        others = session.scalars(
            select(InteractionRow.id).where(InteractionRow.contact_id.is_not(None))
        ).all()
        for interaction_id in others:
            assert InteractionRepository(session, new).get(interaction_id).text


def _wait_for_lock_wait(engine, timeout: float = 20.0) -> None:  # noqa: ANN001
    """Poll pg_stat_activity until some backend waits on a lock (or fail)."""
    deadline = time.monotonic() + timeout
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar()
            if waiting:
                return
            connection.rollback()
            time.sleep(0.05)
    raise AssertionError("no backend ever waited on the contact lock")


def _post_file(tmp_path: Path, status_id: str) -> Path:
    return write_jsonl(
        tmp_path / f"new-{status_id}.jsonl",
        [mastodon_status(status_id, "neues Makro 100 Foto", mention_company=True)],
    )


@ONLY_POSTGRES
def test_erasure_wins_the_race_and_a_later_post_is_from_an_unknown_author(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    eraser = rt.factory()
    erase_contact(eraser, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="dpo")
    errors: list[BaseException] = []

    def ingest_new_post() -> None:
        try:
            ingest(rt, _post_file(tmp_path, "100"), "masto")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    worker = threading.Thread(target=ingest_new_post)
    worker.start()
    _wait_for_lock_wait(rt.engine)  # the linker waits on the erasure's row lock
    eraser.commit()
    eraser.close()
    worker.join(30)
    assert not worker.is_alive() and not errors
    with rt.session() as session:
        assert not session.scalars(
            select(InteractionRow).where(InteractionRow.contact_id == customer.contact_id)
        ).all()
        new = session.scalar(select(InteractionRow).where(InteractionRow.source_id == "100"))
        assert new is not None and new.contact_id is None and new.key_id.startswith("pseudo:")
        key = session.get(SubjectKeyRow, new.key_id)
        assert key is not None and key.wrapped_key is not None  # a NEW, live key
        assert InteractionRepository(session, rt.keyring).get(new.id).text


@ONLY_POSTGRES
def test_ingestion_wins_the_race_and_its_record_is_erased_too(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    ingesting = rt.factory()
    ctx = rt.pipeline_context()
    source = SourceRepository(ingesting).get("masto")
    processor = RecordProcessor(
        ingesting,
        ctx,
        source=source,
        adapter=ctx.registry.get(Channel.MASTODON.value),
        summary=IngestSummary(source="masto"),
        file="race.jsonl",
    )
    processor.process(
        RawRecord(line=1, value=mastodon_status("101", "Makro 100 Frage", mention_company=True))
    )
    if hasattr(processor, "finish"):  # a batching processor writes its buffer here
        processor.finish()
    results: list[object] = []

    def erase() -> None:
        try:
            with rt.session() as session:
                results.append(
                    erase_contact(
                        session, rt.keyring, customer.contact_id, at=rt.clock.now(), actor="dpo"
                    )
                )
        except BaseException as exc:
            results.append(exc)

    worker = threading.Thread(target=erase)
    worker.start()
    _wait_for_lock_wait(rt.engine)  # the erasure waits on the ingestion's share lock
    ingesting.commit()
    ingesting.close()
    worker.join(30)
    assert not worker.is_alive()
    assert results and not isinstance(results[0], BaseException), results
    assert results[0].counts["interactions"] == 3  # the two old posts and the racing one
    with rt.session() as session:
        orphans = session.scalars(
            select(InteractionRow).where(InteractionRow.contact_id == customer.contact_id)
        ).all()
        assert orphans == []
        assert (
            session.scalar(select(InteractionRow).where(InteractionRow.source_id == "101")) is None
        )


def test_master_key_material_is_base64_of_32_bytes() -> None:
    key = MasterKey.from_base64(base64.b64encode(bytes(range(100, 132))).decode())
    assert key.kek_id and "material" not in repr(key)
