"""A tamper-evident audit that survives a database writer (issue 18).

The attacker here can run any SQL (plain statements, as with database credentials) but
holds neither the audit MAC key nor the checkpoint signing key. Before keyed entries and
signed checkpoints, each of these attacks left ``verify`` answering ok.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from sphere.audit import canonical_json, record, verify
from sphere.audit.checkpoint import load_checkpoints, write_checkpoint
from sphere.audit.keys import SESSION_INFO, AuditKeys, load_audit_keys
from sphere.errors import AuditError
from sphere.settings import Settings
from sphere.storage.db import make_session_factory, session_scope
from sphere.storage.repositories import AuditRepository

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def keys(settings: Settings) -> AuditKeys:
    return load_audit_keys(settings)


@pytest.fixture
def cp_dir(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints"


def _append(engine: Engine, keys: AuditKeys | None, n: int, start: int = 0) -> None:
    info = {SESSION_INFO: keys} if keys else {}
    with session_scope(make_session_factory(engine, info=info)) as session:
        for i in range(start, start + n):
            record(
                session,
                actor="pipeline",
                action="interaction.stored",
                object_ids=[f"interaction-{i}"],
                details={"count": i},
                at=T0 + timedelta(seconds=i),
            )


def _verify(engine: Engine, keys: AuditKeys | None, cp_dir: Path | None = None):
    checkpoints = load_checkpoints(cp_dir, keys.public_key) if cp_dir and keys else []
    with session_scope(make_session_factory(engine)) as session:
        return verify(session, keys=keys, checkpoints=checkpoints)


def _checkpoint(engine: Engine, keys: AuditKeys, cp_dir: Path) -> Path | None:
    with session_scope(make_session_factory(engine)) as session:
        return write_checkpoint(session, keys, cp_dir, at=T0)


def _sql(engine: Engine, *statements: str, **params: object) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params)


def _recompute_plain(engine: Engine) -> None:
    """What a database writer without the key can do: relink every entry with SHA-256."""
    with session_scope(make_session_factory(engine)) as session:
        repo = AuditRepository(session)
        entries = list(repo.iter_entries())
    prev = "0" * 64
    with engine.begin() as connection:
        for entry in entries:
            forged = entry.__class__(
                **{**{f: getattr(entry, f) for f in entry.__dataclass_fields__}, "prev_hash": prev}
            )
            data = (prev + "\n" + canonical_json(forged)).encode("utf-8")
            digest = hashlib.sha256(data).hexdigest()
            connection.execute(
                text("UPDATE audit_entries SET prev_hash=:p, hash=:h, key_id=NULL WHERE seq=:s"),
                {"p": prev, "h": digest, "s": entry.seq},
            )
            prev = digest
        connection.execute(text("UPDATE audit_head SET hash=:h"), {"h": prev})


def test_entries_are_keyed_and_verify_needs_the_key(fresh_engine, keys) -> None:
    _append(fresh_engine, keys, 3)
    with session_scope(make_session_factory(fresh_engine)) as session:
        entries = list(AuditRepository(session).iter_entries())
    assert {e.key_id for e in entries} == {keys.mac_key_id}
    assert _verify(fresh_engine, keys).ok
    unkeyed = _verify(fresh_engine, None)
    assert not unkeyed.ok and keys.mac_key_id in (unkeyed.reason or "")


def test_an_edit_relinked_without_the_key_is_detected(fresh_engine, keys) -> None:
    _append(fresh_engine, keys, 5)
    _sql(fresh_engine, "UPDATE audit_entries SET actor='dpo:forged' WHERE seq=2")
    # the attacker relinks with SHA-256 but keeps the key ids: the HMAC does not match
    _recompute_plain(fresh_engine)
    _sql(fresh_engine, "UPDATE audit_entries SET key_id=:k", k=keys.mac_key_id)
    result = _verify(fresh_engine, keys)
    assert not result.ok and result.first_broken_seq == 1
    assert result.reason == "content does not match its hash"


def test_a_wholesale_downgrade_to_plain_is_detected_by_the_checkpoint(
    fresh_engine, keys, cp_dir
) -> None:
    _append(fresh_engine, keys, 5)
    assert _checkpoint(fresh_engine, keys, cp_dir) is not None
    _sql(fresh_engine, "UPDATE audit_entries SET actor='dpo:forged' WHERE seq=2")
    _recompute_plain(fresh_engine)  # every entry plain SHA-256: consistent in itself
    assert _verify(fresh_engine, keys).ok  # which is why checkpoints exist
    result = _verify(fresh_engine, keys, cp_dir)
    assert not result.ok and result.first_broken_seq == 5
    assert "signed checkpoint" in result.reason


def test_a_keyed_suffix_and_a_checkpoint_protect_a_plain_prefix(fresh_engine, keys, cp_dir) -> None:
    """Migration: entries from before 0013 stay plain; keyed ones follow them."""
    _append(fresh_engine, None, 3)  # written by the previous version
    _checkpoint(fresh_engine, keys, cp_dir)  # `sphere audit checkpoint` after upgrading
    _append(fresh_engine, keys, 3, start=3)
    assert _verify(fresh_engine, keys, cp_dir).ok
    _sql(fresh_engine, "UPDATE audit_entries SET actor='dpo:forged' WHERE seq=2")
    _recompute_plain(fresh_engine)
    result = _verify(fresh_engine, keys, cp_dir)
    assert not result.ok and result.first_broken_seq == 3


def test_a_truncated_tail_is_detected(fresh_engine, keys, cp_dir) -> None:
    _append(fresh_engine, keys, 6)
    _checkpoint(fresh_engine, keys, cp_dir)
    _sql(
        fresh_engine,
        "DELETE FROM audit_entries WHERE seq > 3",
        "UPDATE audit_head SET seq=3, hash=(SELECT hash FROM audit_entries WHERE seq=3)",
    )
    assert _verify(fresh_engine, keys).ok  # the database alone cannot tell
    result = _verify(fresh_engine, keys, cp_dir)
    assert not result.ok and result.first_broken_seq == 4 and "tail was cut" in result.reason


def test_an_empty_chain_is_refused_when_checkpoints_exist(fresh_engine, keys, cp_dir) -> None:
    _append(fresh_engine, keys, 4)
    _checkpoint(fresh_engine, keys, cp_dir)
    _sql(
        fresh_engine,
        "DELETE FROM audit_entries",
        "UPDATE audit_head SET seq=0, hash=:genesis",
        genesis="0" * 64,
    )
    assert _verify(fresh_engine, keys).ok  # an empty chain is consistent in itself
    result = _verify(fresh_engine, keys, cp_dir)
    assert not result.ok and "empty" in result.reason and "deleted" in result.reason


def test_a_plain_entry_after_a_keyed_one_is_a_break(fresh_engine, keys) -> None:
    _append(fresh_engine, keys, 2)
    _append(fresh_engine, keys, 1, start=2)
    with session_scope(make_session_factory(fresh_engine)) as session:
        last = list(AuditRepository(session).iter_entries())[-1]
    forged = last.__class__(**{**{f: getattr(last, f) for f in last.__dataclass_fields__}})
    digest = hashlib.sha256(
        (forged.prev_hash + "\n" + canonical_json(forged)).encode("utf-8")
    ).hexdigest()
    _sql(
        fresh_engine,
        "UPDATE audit_entries SET hash=:h, key_id=NULL WHERE seq=3",
        "UPDATE audit_head SET hash=:h",
        h=digest,
    )
    result = _verify(fresh_engine, keys)
    assert not result.ok and result.first_broken_seq == 3 and "unkeyed" in result.reason


def test_a_process_without_the_key_cannot_append_to_a_keyed_chain(fresh_engine, keys) -> None:
    _append(fresh_engine, keys, 1)
    with pytest.raises(AuditError, match="no audit key"):
        _append(fresh_engine, None, 1, start=1)


def test_a_forged_checkpoint_is_refused(fresh_engine, keys, cp_dir) -> None:
    _append(fresh_engine, keys, 2)
    path = _checkpoint(fresh_engine, keys, cp_dir)
    document = json.loads(path.read_text())
    document["seq"] = 1
    path.write_text(json.dumps(document))
    with pytest.raises(AuditError, match="signature does not verify"):
        load_checkpoints(cp_dir, keys.public_key)


def test_the_runtime_writes_checkpoints_as_the_chain_grows(settings, migrated_db_url) -> None:
    from sphere.runtime import open_runtime

    settings = settings.model_copy(
        update={"database_url": migrated_db_url, "audit_checkpoint_every": 3}
    )
    runtime = open_runtime(settings)
    try:
        for i in range(7):
            with runtime.session() as session:
                record(session, actor="test", action="thing.done", object_ids=[f"o-{i}"])
        keys = load_audit_keys(settings)
        found = load_checkpoints(settings.resolved_audit_checkpoint_dir, keys.public_key)
        assert [c.seq for c in found] == [1, 4, 7]
        with runtime.session() as session:
            assert verify(session, keys=keys, checkpoints=found).ok
    finally:
        runtime.close()
