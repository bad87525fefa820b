"""Append and verify the audit hash chain.

Hash of entry n (hex)::

    hash_n = HMAC-SHA256( audit key, prev_hash + "\\n" + canonical_json(payload_n) )

with the key held outside the database (``sphere.audit.keys``; the entry's ``key_id``
names it). Entries written before migration 0013 have ``key_id`` NULL and are plain
``SHA-256(prev_hash + "\\n" + canonical_json)``; a plain entry after a keyed one is a
break (no downgrade), and a session without the key may not append to a keyed chain.

where ``prev_hash`` is hash_(n-1) (64 zeros for the first entry) and the payload is
the JSON object ``{seq, id, at, actor, action, subject_id, object_ids, purpose,
legal_basis, details}`` with sorted keys, no whitespace, UTF-8, and ``at`` as UTC ISO
8601 with microseconds and a ``Z`` suffix. ``seq`` is inside the hash, so swapping or
renumbering rows breaks the chain; the chain head (last seq and hash, kept in its own
row) catches a truncated tail.

What goes into ``details`` (rule enforced by ``check_details``): ids, counts, enum
values and short machine tokens — never names, addresses, post text or free-form
reasons (those belong encrypted in their own tables; the audit entry references them
by id). Concretely a string is refused if it is longer than 128 characters or holds
whitespace, ``@`` (e-mail addresses, handles), a ``+`` followed by a digit (phone
numbers), or looks like an IBAN. Keys follow the same rule. The check catches the
obvious mistakes; it is not a PII detector.

Concurrency: the chain head row is locked for the transaction (``SELECT … FOR UPDATE``
on PostgreSQL; SQLite writers are serialised by ``BEGIN IMMEDIATE``), so two
transactions never append after the same entry. ``AuditBatch`` takes that lock only
when it writes, at the end of a batch, so concurrent workers serialise one append each.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sphere.audit.keys import SESSION_INFO, AuditKeys
from sphere.domain import LegalBasis, Purpose
from sphere.domain.time import ensure_utc, utcnow
from sphere.errors import AuditError
from sphere.storage.entities import AuditEntry
from sphere.storage.repositories.audit import GENESIS_HASH, AuditRepository
from sphere.storage.session_cache import transaction_cache

if TYPE_CHECKING:
    from sphere.audit.checkpoint import Checkpoint
    from sphere.storage.db import Session

MAX_TOKEN = 128
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_SUSPICIOUS = re.compile(r"[\s@]|\+\d")


def _utc_iso(value: datetime) -> str:
    return ensure_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(entry: AuditEntry) -> str:
    """The exact bytes (as text) that are hashed for ``entry``."""
    payload = {
        "seq": entry.seq,
        "id": entry.id,
        "at": _utc_iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject_id": entry.subject_id,
        "object_ids": list(entry.object_ids),
        "purpose": entry.purpose,
        "legal_basis": entry.legal_basis,
        "details": entry.details,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(entry: AuditEntry, keys: AuditKeys | None = None) -> str:
    """The link of ``entry``: HMAC under ``keys`` when the entry is keyed, else SHA-256."""
    data = (entry.prev_hash + "\n" + canonical_json(entry)).encode("utf-8")
    if entry.key_id is None:
        return hashlib.sha256(data).hexdigest()
    if keys is None or keys.mac_key_id != entry.key_id:
        raise AuditError(
            f"audit entry {entry.seq} is keyed with key {entry.key_id}, not configured"
        )
    return keys.mac(data)


def session_keys(session: Session) -> AuditKeys | None:
    """The audit keys the runtime put into this session's ``info`` (None in bare tests)."""
    keys = session.info.get(SESSION_INFO)
    return keys if isinstance(keys, AuditKeys) else None


_FLOAT_LIMIT = 1.7976931348623157e308


def _as_stored(value: Any) -> Any:
    """``json.loads(json.dumps(value))`` for the plain values audit details hold (dicts
    with string keys, lists, tuples, exact str/int/bool/None and finite floats) without
    the text round trip; None for anything else (the caller then takes the round trip).
    Called per stored record on the ingestion path."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if -_FLOAT_LIMIT <= value <= _FLOAT_LIMIT else None
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                return None
            plain = _as_stored(item)
            if plain is None and item is not None:
                return None
            out[key] = plain
        return out
    if kind is list or kind is tuple:
        items = []
        for item in value:
            plain = _as_stored(item)
            if plain is None and item is not None:
                return None
            items.append(plain)
        return items
    return None


def _check_token(value: str, where: str) -> None:
    # One regex pass for whitespace (``\s`` is exactly ``str.isspace``), "@" and a phone
    # number's "+digit": this runs for every string of every audit entry.
    if len(value) > MAX_TOKEN or _SUSPICIOUS.search(value) or _IBAN.match(value.upper()):
        raise AuditError(
            f"audit {where} looks like personal data or free text; "
            "store ids, counts and enum values only"
        )


def check_details(details: Any, where: str = "details") -> None:
    """Refuse values that are obviously not ids, counts or enum values (see module doc)."""
    if details is None or isinstance(details, bool | int | float):
        return
    if isinstance(details, str):
        _check_token(details, where)
        return
    if isinstance(details, Mapping):
        for key, value in details.items():
            if not isinstance(key, str):
                raise AuditError(f"audit {where} keys must be strings")
            _check_token(key, f"{where} key")
            check_details(value, f"{where}.{key}")
        return
    if isinstance(details, list | tuple):
        for item in details:
            check_details(item, where)
        return
    raise AuditError(f"audit {where} holds a {type(details).__name__}; use JSON scalars")


def _head(session: Session, repository: AuditRepository) -> tuple[int, str]:
    """The chain head, locked once per transaction and then tracked in the session.

    Locking the head row (``SELECT … FOR UPDATE``) for every entry would cost a round
    trip per stored record; the lock is held until the transaction ends anyway, so the
    head is remembered for the rest of the transaction (dropped on commit and rollback).
    """
    cache = transaction_cache(session, "audit")
    head = cache.get("head")
    if head is None:
        head = cache["head"] = repository.lock_head()
        if session_keys(session) is None and head[0] and repository.key_id_of(head[0]):
            raise AuditError(
                "the audit chain is keyed; this process has no audit key "
                "(SPHERE_AUDIT_KEY or SPHERE_AUDIT_KEY_FILE)"
            )
    return head  # type: ignore[no-any-return]


def _prepare(
    keys: AuditKeys | None,
    *,
    actor: str,
    action: str,
    subject_id: str | None,
    object_ids: Iterable[str],
    purpose: Purpose | str | None,
    legal_basis: LegalBasis | str | None,
    details: Mapping[str, Any] | None,
    at: datetime | None,
) -> AuditEntry:
    """A validated entry without its place in the chain (seq, prev_hash, hash unset)."""
    object_list = [str(o) for o in object_ids]
    clean_details = dict(details or {})
    for value, where in ((actor, "actor"), (action, "action"), (subject_id, "subject_id")):
        if value is not None:
            _check_token(value, where)
    for object_id in object_list:
        _check_token(object_id, "object id")
    check_details(clean_details)
    plain = _as_stored(clean_details)
    if plain is None:
        try:
            plain = json.loads(json.dumps(clean_details))  # JSON round trip, as stored
        except (TypeError, ValueError):
            raise AuditError("audit details are not JSON-serialisable") from None
    clean_details = plain
    try:
        when = (ensure_utc(at) if at is not None else utcnow()).astimezone(UTC)
    except ValueError:
        raise AuditError("audit time must be timezone-aware") from None
    return AuditEntry(
        seq=0,
        id=str(uuid.uuid4()),
        at=when,
        actor=actor,
        action=action,
        subject_id=subject_id,
        object_ids=tuple(object_list),
        purpose=str(purpose.value if isinstance(purpose, Purpose) else purpose)
        if purpose is not None
        else None,
        legal_basis=str(legal_basis.value if isinstance(legal_basis, LegalBasis) else legal_basis)
        if legal_basis is not None
        else None,
        details=clean_details,
        prev_hash="",
        hash="",
        key_id=keys.mac_key_id if keys is not None else None,
    )


def _chain(entry: AuditEntry, head: tuple[int, str], keys: AuditKeys | None) -> AuditEntry:
    """``entry`` placed after ``head``: numbered, linked and hashed."""
    last_seq, last_hash = head
    placed = AuditEntry(**{**_fields(entry), "seq": last_seq + 1, "prev_hash": last_hash})
    return AuditEntry(**{**_fields(placed), "hash": compute_hash(placed, keys)})


def _draft(head: tuple[int, str], keys: AuditKeys | None, **fields: Any) -> AuditEntry:
    """The next entry after ``head``, validated and hashed (nothing written)."""
    return _chain(_prepare(keys, **fields), head, keys)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_id: str | None = None,
    object_ids: Iterable[str] = (),
    purpose: Purpose | str | None = None,
    legal_basis: LegalBasis | str | None = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with it).

    ``actor`` is a role or account id ("pipeline", "dpo:<id>", "subject:<public id>"),
    ``action`` a dotted verb ("interaction.stored", "subject.erased").
    """
    cache = transaction_cache(session, "audit")
    if cache.get("pending"):
        raise AuditError("an AuditBatch has unwritten entries; flush it before record()")
    repository = AuditRepository(session)
    entry = _draft(
        _head(session, repository),
        session_keys(session),
        actor=actor,
        action=action,
        subject_id=subject_id,
        object_ids=object_ids,
        purpose=purpose,
        legal_basis=legal_basis,
        details=details,
        at=at,
    )
    repository.append(entry)
    cache["head"] = (entry.seq, entry.hash)
    return entry


class AuditBatch:
    """Entries collected while a batch is processed and chained and written together by
    ``flush`` — the ingestion hot path, where one statement per stored record would
    dominate.

    Concurrency (several ``sphere worker`` processes on one PostgreSQL): ``add`` only
    validates; the chain head is locked in ``flush``, at the end of the batch, and held
    until the transaction ends. So concurrent batches do their reading, detection and
    gating in parallel and serialise only their final appends (one locked head read, one
    executemany, one head update per batch) — the chain stays a single verifiable
    sequence, in commit order (docs/scaling.md).

    The entries belong to the caller's transaction like ``record``'s. While entries are
    pending, ``record`` refuses to write (its entry would be ordered before entries
    added earlier); flush first.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pending: list[AuditEntry] = []

    def add(
        self,
        *,
        actor: str,
        action: str,
        subject_id: str | None = None,
        object_ids: Iterable[str] = (),
        purpose: Purpose | str | None = None,
        legal_basis: LegalBasis | str | None = None,
        details: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> AuditEntry:
        """Validate and keep an entry; it gets its ``seq`` and hash in ``flush``."""
        entry = _prepare(
            session_keys(self.session),
            actor=actor,
            action=action,
            subject_id=subject_id,
            object_ids=object_ids,
            purpose=purpose,
            legal_basis=legal_basis,
            details=details,
            at=at,
        )
        self.pending.append(entry)
        transaction_cache(self.session, "audit")["pending"] = True
        return entry

    def flush(self) -> None:
        if not self.pending:
            # Entries may have been taken out again (records a deletion overtook):
            # nothing is unwritten, so ``record`` may append.
            transaction_cache(self.session, "audit").pop("pending", None)
            return
        keys = session_keys(self.session)
        head = _head(self.session, AuditRepository(self.session))
        chained: list[AuditEntry] = []
        for entry in self.pending:
            chained.append(_chain(entry, head, keys))
            head = (chained[-1].seq, chained[-1].hash)
        AuditRepository(self.session).append_many(chained)
        cache = transaction_cache(self.session, "audit")
        cache["head"] = head
        cache.pop("pending", None)
        self.pending = []

    def discard(self) -> None:
        """Forget unwritten entries (their records were not written either)."""
        self.pending = []
        transaction_cache(self.session, "audit").pop("pending", None)


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in AuditEntry.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    # Where an intact walk ended (seq, hash) and the first keyed entry seen: enough to
    # verify only what was appended since (``verify(start=…)``).
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    first_keyed_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
        }


def verify(
    session: Session,
    *,
    batch: int = 1000,
    keys: AuditKeys | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    start: tuple[int, str, int | None] = (0, GENESIS_HASH, None),
    progress: Callable[[int, str, int | None], None] | None = None,
) -> VerifyResult:
    """Walk the chain in ``seq`` order and report the first broken entry.

    Detects an edited entry (hash or HMAC mismatch), a deleted entry (gap in ``seq``),
    entries moved or re-linked (``prev_hash`` mismatch), a plain SHA-256 entry after a
    keyed one (a downgrade), a truncated tail or tampered head (last entry differs from
    the chain head) and — against the signed ``checkpoints`` kept outside the database
    (``sphere.audit.checkpoint``) — a recomputed chain (an entry differs from a
    checkpoint), a tail cut below the last checkpoint, a replaced chain and an empty one.
    ``keys`` defaults to the session's; keyed entries cannot be verified without them.
    ``start`` = (seq, hash, first keyed seq) of an entry already verified resumes after
    it; ``progress(seq, hash, first keyed seq)`` is called after every ``batch``
    entries (the verification job checkpoints there).
    """
    keys = keys or session_keys(session)
    repository = AuditRepository(session)
    expected_seq, expected_prev = start[0] + 1, start[1]
    checked = 0
    keyed_seen: int | None = start[2]
    pinned = {c.seq: c for c in checkpoints}
    last_pin = checkpoints[-1] if checkpoints else None
    if last_pin is not None:
        chain = repository.first_id()
        if chain is None:
            return VerifyResult(
                False,
                0,
                1,
                f"the audit chain is empty, but {len(checkpoints)} signed checkpoint(s) exist "
                f"(the last covers entries 1..{last_pin.seq}, {last_pin.at}): it was deleted",
            )
        if chain != last_pin.chain:
            return VerifyResult(
                False, 0, 1, "entry 1 is not the entry the signed checkpoints name: replaced"
            )
    for entry in repository.iter_entries(batch=batch, after=start[0] or None):
        if entry.seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                expected_seq,
                f"entry {expected_seq} is missing (next entry is {entry.seq})",
            )
        if entry.prev_hash != expected_prev:
            return VerifyResult(
                False, checked, entry.seq, "prev_hash does not match the previous entry"
            )
        if entry.key_id is None and keyed_seen is not None:
            return VerifyResult(
                False,
                checked,
                entry.seq,
                f"unkeyed entry after keyed entry {keyed_seen} (the chain was recomputed)",
            )
        if entry.key_id is not None:
            keyed_seen = keyed_seen or entry.seq
            if keys is None or keys.mac_key_id != entry.key_id:
                return VerifyResult(
                    False,
                    checked,
                    entry.seq,
                    f"entry is keyed with audit key {entry.key_id}, which is not configured",
                )
        if compute_hash(entry, keys) != entry.hash:
            return VerifyResult(False, checked, entry.seq, "content does not match its hash")
        pin = pinned.get(entry.seq)
        if pin is not None and pin.hash != entry.hash:
            return VerifyResult(
                False,
                checked,
                entry.seq,
                f"entry differs from the signed checkpoint of {pin.at} ({pin.file})",
            )
        checked += 1
        expected_seq, expected_prev = entry.seq + 1, entry.hash
        if progress is not None and checked % batch == 0:
            progress(entry.seq, entry.hash, keyed_seen)
    if last_pin is not None and last_pin.seq > expected_seq - 1:
        return VerifyResult(
            False,
            checked,
            expected_seq,
            f"the chain ends at entry {expected_seq - 1}, but a signed checkpoint of "
            f"{last_pin.at} covers entries up to {last_pin.seq}: the tail was cut",
        )
    head_seq, head_hash = repository.head()
    if head_seq != expected_seq - 1:
        if head_seq > expected_seq - 1:
            reason = f"entries {expected_seq}..{head_seq} are missing (chain head is {head_seq})"
            return VerifyResult(False, checked, expected_seq, reason)
        return VerifyResult(False, checked, head_seq + 1, "entries beyond the chain head")
    if head_hash != expected_prev:
        return VerifyResult(False, checked, head_seq, "chain head hash does not match")
    return VerifyResult(
        True,
        checked,
        last_seq=expected_seq - 1,
        last_hash=expected_prev,
        first_keyed_seq=keyed_seen,
    )


def latest(session: Session, *, limit: int = 50) -> list[AuditEntry]:
    """The newest entries, newest first."""
    return AuditRepository(session).latest(limit)
