"""Signed checkpoints of the audit chain head, kept outside the database.

A checkpoint is a small JSON file naming the chain (the id of entry 1), a sequence
number, the hash of that entry, the MAC key id, the time, and an Ed25519 signature over
all of it (``sphere.audit.keys``)::

    {"format": "sphere-audit-checkpoint/1", "chain": "…", "seq": 1200, "hash": "…",
     "mac_key_id": "…", "at": "2026-12-02T10:00:00.000000Z", "signer": "…", "signature": "…"}

Files are named ``<seq, 12 digits>-<hash prefix>.json`` in ``SPHERE_AUDIT_CHECKPOINT_DIR``
and never overwritten (created with O_EXCL). In production that directory is the mount of
an append-only or WORM store (an S3 bucket with Object Lock in compliance mode, say), or
a sync job copies it there; see docs/security.md.

``verify`` (``sphere.audit.chain``) compares the chain with every checkpoint: an entry
that differs from a checkpoint (recomputed), a chain shorter than the last checkpoint
(truncated) and an empty chain while checkpoints exist (deleted) are breaks.

Checkpoints are written by ``sphere audit checkpoint`` and, through
:func:`install_checkpoint_hook`, after the first commit that appends to a chain without
checkpoints and after any commit that moves the head ``SPHERE_AUDIT_CHECKPOINT_EVERY``
entries past the last checkpoint this process knows.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from sphere.audit.keys import AuditKeys, public_key_id
from sphere.domain.time import ensure_utc, utcnow
from sphere.errors import AuditError
from sphere.storage.repositories.audit import AuditRepository

log = logging.getLogger(__name__)
FORMAT = "sphere-audit-checkpoint/1"
_COMMITTING = "sphere.audit.committing_head"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    chain: str
    seq: int
    hash: str
    mac_key_id: str
    at: str
    signer: str
    file: str = ""


def _signed_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def write_checkpoint_file(
    directory: Path, keys: AuditKeys, *, chain: str, seq: int, hash: str, at: datetime
) -> Path | None:
    """Sign and write one checkpoint; None when that checkpoint already exists."""
    if keys.signing_key is None or keys.public_key is None:
        raise AuditError("no audit signing key configured; cannot write a checkpoint")
    body = {
        "format": FORMAT,
        "chain": chain,
        "seq": seq,
        "hash": hash,
        "mac_key_id": keys.mac_key_id,
        "at": ensure_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "signer": public_key_id(keys.public_key),
    }
    signature = keys.signing_key.sign(_signed_bytes(body))
    document = {**body, "signature": base64.b64encode(signature).decode("ascii")}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{seq:012d}-{hash[:12]}.json"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


def write_checkpoint(
    session: Session, keys: AuditKeys, directory: Path, *, at: datetime | None = None
) -> Path | None:
    """A checkpoint of the committed head as this session sees it (None if empty)."""
    repository = AuditRepository(session)
    seq, head_hash = repository.head()
    chain = repository.first_id()
    if seq == 0 or chain is None:
        return None
    return write_checkpoint_file(
        directory, keys, chain=chain, seq=seq, hash=head_hash, at=at or utcnow()
    )


def load_checkpoints(directory: Path, public_key: Ed25519PublicKey) -> list[Checkpoint]:
    """Every checkpoint in ``directory``, signature checked, ordered by ``seq``.

    Raises AuditError naming the file when one is unreadable or its signature does not
    verify under ``public_key`` (a planted or altered checkpoint)."""
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            signature = base64.b64decode(document.pop("signature"), validate=True)
            if document.get("format") != FORMAT:
                raise ValueError("unknown format")
            public_key.verify(signature, _signed_bytes(document))
            out.append(
                Checkpoint(
                    chain=str(document["chain"]),
                    seq=int(document["seq"]),
                    hash=str(document["hash"]),
                    mac_key_id=str(document["mac_key_id"]),
                    at=str(document["at"]),
                    signer=str(document["signer"]),
                    file=path.name,
                )
            )
        except InvalidSignature:
            raise AuditError(f"checkpoint {path.name}: signature does not verify") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            raise AuditError(f"checkpoint {path.name}: unreadable") from None
    return sorted(out, key=lambda c: c.seq)


class _HookState:
    def __init__(self, directory: Path) -> None:
        self.lock = threading.Lock()
        self.chain: str | None = None
        self.last_seq: int | None = None
        self.directory = directory

    def known_last_seq(self) -> int:
        if self.last_seq is None:
            names = (
                [p.name for p in self.directory.glob("*.json")] if self.directory.is_dir() else []
            )
            seqs = [int(n[:12]) for n in names if n[:12].isdigit()]
            self.last_seq = max(seqs, default=0)
        return self.last_seq


def install_checkpoint_hook(
    factory: sessionmaker[Session], keys: AuditKeys, directory: Path, *, every: int
) -> None:
    """After each commit that moved the head ``every`` entries past the last checkpoint,
    write one (outside the transaction: a failure to write is logged, never raised)."""
    state = _HookState(directory)

    def before_commit(session: Session) -> None:
        caches = session.info.get("sphere.transaction_caches") or {}
        head = (caches.get("audit") or {}).get("head")
        if head is None:
            return
        with state.lock:
            known = state.known_last_seq()
            # The first checkpoint is written at once: it pins the chain (and, after an
            # upgrade, the plain prefix) before anyone could relink it without the key.
            due = known == 0 or head[0] - known >= every
        if not due:
            return
        if state.chain is None:
            state.chain = AuditRepository(session).first_id()
        session.info[_COMMITTING] = head

    def after_commit(session: Session) -> None:
        head = session.info.pop(_COMMITTING, None)
        if head is None or state.chain is None:
            return
        try:
            write_checkpoint_file(
                directory, keys, chain=state.chain, seq=head[0], hash=head[1], at=utcnow()
            )
        except (OSError, AuditError) as exc:
            log.warning("audit checkpoint at entry %d not written (%s)", head[0], exc)
            return
        with state.lock:
            state.last_seq = max(state.last_seq or 0, head[0])

    def after_rollback(session: Session) -> None:
        session.info.pop(_COMMITTING, None)

    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_rollback", after_rollback)
