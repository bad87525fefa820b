"""Subject keys for the many records one transaction encrypts (the ingestion hot path).

``preload`` reads the stored keys of the subjects a batch may encrypt for with one
SELECT; reading stores nothing, so it may run before the policy has decided. A key for a
subject that has none is made in memory only when something is encrypted for it — that
is, for a record the gate let through (invariant 1) — and ``flush`` writes all new keys
before the caller writes the records encrypted under them.

**Claimed, not raced (PostgreSQL).** Several workers may meet the same new subject (a
new pseudonymous author) in concurrent batches. Written inside the batch's transaction,
the later key INSERT waited for the other batch and then failed on the primary key, and
the whole batch ran again (7 and 23 of 31 batches with two workers). On PostgreSQL
``flush`` therefore *claims* the new keys in a short transaction of its own on another
connection: ``INSERT … ON CONFLICT DO NOTHING RETURNING`` in subject order (two claims
never wait on each other in opposite orders), the winners' rows read for the subjects
another worker claimed first, commit. A key this batch lost is replaced by the winner's,
and what the batch had encrypted under its own key is re-encrypted under the winner's
(:meth:`final` / :meth:`reseal_rows`; rare — only on an actual race), so every record of a
subject stays under its one key. The batch never reruns for a key.

The claim writes no audit entry, by choice: creating a key is key management, not
processing of the subject's data — the key holds nothing about the person but the subject
id the records carry anyway, and key creation inside the batch was never audited either.
The records encrypted under it, their decisions and their ``interaction.stored`` entries
are still written together in the batch's transaction (invariant 3). Should that batch
roll back, the committed key stays unused until the redelivered batch uses it (or an
erasure destroys it as any key of the subject). On SQLite (one writer) and for a session
bound to a connection the keys are inserted in the caller's transaction, as before.

What was read lives in the transaction's cache, which every rollback (a SAVEPOINT's too)
drops; a subject not preloaded, or forgotten by a rollback, takes the one-by-one path of
:meth:`Keyring.encrypt_for`. A destroyed key (erasure) raises ``SubjectKeyDestroyed``
when something is encrypted for it, as ``encrypt_for`` does. Keys made here but not yet
flushed are this object's own, so a rollback of an unrelated SAVEPOINT cannot lose them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from sphere.storage.crypto import (
    _INSERT_KEY,
    _KEYS,
    _PRELOAD_CHUNK,
    _SELECT_KEYS,
    CIPHERTEXT_VERSION,
    NONCE_BYTES,
    Keyring,
    _seal,
)
from sphere.storage.session_cache import transaction_cache

# INSERT … ON CONFLICT DO NOTHING RETURNING subject_id: which of the new keys are ours.
_CLAIM_KEYS = (
    postgresql.insert(_KEYS)
    .on_conflict_do_nothing(index_elements=["subject_id"])
    .returning(_KEYS.c.subject_id)
)


def _open(key: bytes, subject_id: str, ciphertext: bytes) -> bytes:
    body = ciphertext[len(CIPHERTEXT_VERSION) :]
    return AESGCM(key).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], subject_id.encode("utf-8"))


class SubjectKeyBatch:
    """See the module docstring."""

    def __init__(self, keyring: Keyring, session: Session) -> None:
        self.keyring, self.session = keyring, session
        self._new: dict[str, bytes] = {}
        self._rows: list[dict[str, object]] = []
        self._sealed: dict[str, list[bytes]] = {}  # ciphertexts under unflushed new keys
        self._resealed: dict[bytes, bytes] = {}  # under a lost key → under the winner's
        kek = keyring.kek_id
        self._names = (f"data_keys:{kek}", f"key_rows:{kek}")
        bind = session.get_bind()
        self._claims: Engine | None = (
            bind if isinstance(bind, Engine) and bind.dialect.name == "postgresql" else None
        )

    def _caches(self) -> tuple[dict[str, Any], dict[str, Any]]:
        keys, rows = self._names
        return transaction_cache(self.session, keys), transaction_cache(self.session, rows)

    def preload(self, subject_ids: Iterable[str]) -> None:
        """Read the stored keys of ``subject_ids`` (one statement per 500 subjects)."""
        if self.session.new or self.session.dirty:
            return  # pending ORM changes (a key destroyed just now): the one-by-one path
        keys, rows = self._caches()
        wanted = [
            s
            for s in dict.fromkeys(subject_ids)
            if s not in keys and s not in rows and s not in self._new
        ]
        connection = self.session.connection()
        for start in range(0, len(wanted), _PRELOAD_CHUNK):
            chunk = wanted[start : start + _PRELOAD_CHUNK]
            found = {
                row.subject_id: row
                for row in connection.execute(_SELECT_KEYS, {"subject_ids": chunk})
            }
            for subject_id in chunk:
                rows[subject_id] = found.get(subject_id)  # None: the subject has no key yet

    def encrypt(self, subject_id: str, plaintext: str | bytes) -> bytes:
        """Encrypt under the subject's data key; a new subject's key is made in memory."""
        sealed = _seal(self._key(subject_id), subject_id, plaintext)
        made = self._sealed.get(subject_id)
        if made is not None:  # under a key not yet written: re-encrypted if its claim is lost
            made.append(sealed)
        return sealed

    def _key(self, subject_id: str) -> bytes:
        new = self._new.get(subject_id)
        if new is not None:
            return new
        keys, rows = self._caches()
        cached = keys.get(subject_id)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        if subject_id in rows:
            row = rows[subject_id]
        elif subject_id.startswith("record:"):
            row = None  # a fresh per-record subject (a random UUID) never has a key
        else:  # not preloaded, or a rollback dropped what was read
            return self.keyring._data_key(self.session, subject_id, create=True)
        if row is None:
            key, values = self.keyring._new_key(subject_id)
            self._new[subject_id] = key
            self._rows.append(values)
            self._sealed[subject_id] = []
            return key
        key = keys[subject_id] = self.keyring._unwrap(row)  # raises for a destroyed key
        return key

    def flush(self) -> None:
        """Write (PostgreSQL: claim) the keys made since the last flush."""
        if not self._rows:
            return
        final = dict(self._new)
        if self._claims is None:
            self.session.connection().execute(_INSERT_KEY, self._rows)
        else:
            final.update(self._claim())
        keys, rows = self._caches()
        keys.update(final)
        for subject_id in final:
            rows.pop(subject_id, None)
        self._new, self._rows, self._sealed = {}, [], {}

    def _claim(self) -> dict[str, bytes]:
        """Claim the new keys in a committed transaction of their own; the keys of the
        subjects another transaction claimed first, with this batch's ciphertexts under
        its own keys for them re-encrypted under those (``_resealed``)."""
        assert self._claims is not None
        ordered = sorted(self._rows, key=lambda values: str(values["subject_id"]))
        with self._claims.connect() as connection:
            won = set(connection.execute(_CLAIM_KEYS, ordered).scalars())
            lost = [str(v["subject_id"]) for v in ordered if v["subject_id"] not in won]
            winners = list(connection.execute(_SELECT_KEYS, {"subject_ids": lost})) if lost else []
            connection.commit()
        adopted: dict[str, bytes] = {}
        for row in winners:
            subject_id = row.subject_id
            key = adopted[subject_id] = self.keyring._unwrap(row)  # destroyed: raises
            mine = self._new[subject_id]
            for sealed in self._sealed[subject_id]:
                self._resealed[sealed] = _seal(key, subject_id, _open(mine, subject_id, sealed))
        return adopted

    def settle(self) -> None:
        """Make final the keys of what was encrypted so far, before a row holding such a
        ciphertext is written at once rather than with the batch: on PostgreSQL claim them
        now (:meth:`flush`; then pass the ciphertexts through :meth:`final`). In one
        transaction (SQLite) nothing to do: the keys are written with the batch's rows."""
        if self._claims is not None:
            self.flush()

    def final(self, ciphertext: bytes | None) -> bytes | None:
        """``ciphertext`` as it must be stored after :meth:`flush`: re-encrypted under the
        winner's key if this batch lost the claim of its subject's key."""
        if ciphertext is None:
            return None
        return self._resealed.get(ciphertext, ciphertext)

    def reseal_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Replace, in prepared rows, every ciphertext made under a key this batch lost
        (call after :meth:`flush`, before the rows are written); then forget the map."""
        if not self._resealed:
            return
        resealed = self._resealed
        for row in rows:
            for column, value in row.items():
                if value.__class__ is bytes and value in resealed:
                    row[column] = resealed[value]
        self._resealed = {}

    def discard(self) -> None:
        """Forget unwritten keys (the records encrypted under them are not written either)."""
        self._new, self._rows, self._sealed, self._resealed = {}, [], {}, {}
