"""Envelope encryption per data subject, crypto-shredding and keyed blind indexes.

Key hierarchy (invariant 4)::

    master key (32 bytes, outside the database: SPHERE_MASTER_KEY or a 0600 key file)
      └─ KEK(subject) = HKDF-SHA256(master, salt = per-subject random salt,
                                    info = "sphere/subject-kek/v1|" + subject id)
           └─ data key (32 random bytes, AES-256-GCM), stored wrapped in ``subject_keys``
                └─ ciphertext = 0x01 | 12-byte nonce | AES-GCM(data, aad = subject id)

The subject id is bound into every ciphertext as associated data, so a ciphertext
moved to another subject's row does not decrypt.

Subjects (``subject_keys.subject_id``): a contact id; ``pseudo:<blind index>`` for
records whose author is known only by a keyed pseudonym (so an erasure request for a
handle can shred every pseudonymised record of that person); ``record:<uuid>`` for
records with no person attached (a per-record key).

Crypto-shredding and its honest limit
-------------------------------------
``destroy_key`` overwrites the salt and wrapped key with NULL and stamps
``destroyed_at``. In the live database the subject's ciphertexts are then unreadable
even if a row was missed by the erasure cascade.

A *backup* taken before the erasure still holds the salt and wrapped key. Anyone who
has that backup AND the master key can decrypt it. Because both the salt and the
wrapped key live in the database, nothing stored in the database can prevent that
(a per-subject salt only helps if it is kept outside the backed-up database). The
erasure becomes effective against backups through master-key rotation:
``rewrap_all(session, new_keyring)`` re-wraps every live subject key under a new master
key; once the old master key is destroyed, every backup older than the rotation is
unreadable — for erased subjects and everyone else alike. Operators therefore rotate
the master key on the backup-retention schedule (e.g. monthly, with backups kept
for a month) and keep master keys outside the database backups. Until that rotation,
an erased subject's data survives in backups exactly as long as backups are kept,
which GDPR guidance accepts if the backup is not restored into production use
(restores must re-apply erasures; the audit log lists them).

Blind indexes (invariant 5) are HMAC-SHA256 keyed with ``Settings.pseudonym_secret``
(held outside the database) over ``kind | channel | normalised value`` — never a bare
hash, which anyone could recompute from a list of e-mail addresses.

Identity normalisation lives here (``normalize_identity``) because the blind index is
only as good as the normalisation in front of it; the pipeline calls the same
function. E-mail: trim, lowercase. Handle: trim, strip leading ``@``, lowercase.
Phone: keep a leading ``+`` and the digits. Other kinds: trim.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
import stat
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from sphere.domain.records import IdentityKind
from sphere.domain.time import utcnow
from sphere.errors import ConfigurationError, NotFound, SphereError
from sphere.storage.session_cache import drop_caches, transaction_cache
from sphere.storage.tables import SubjectKeyRow

if TYPE_CHECKING:
    from sphere.settings import Settings
    from sphere.storage.key_batch import SubjectKeyBatch

CIPHERTEXT_VERSION = b"\x01"
NONCE_BYTES = 12
KEY_BYTES = 32
SALT_BYTES = 16
_KEK_INFO = b"sphere/subject-kek/v1|"


class SubjectKeyDestroyed(SphereError):
    """The subject's key was destroyed (erasure); its data can no longer be read or added."""

    def __init__(self, subject_id: str) -> None:
        self.subject_id = subject_id
        super().__init__(f"key of subject {subject_id} was destroyed (erased)")


class DecryptionFailed(SphereError):
    """A ciphertext does not decrypt: wrong subject, wrong master key or tampered data."""


def normalize_identity(kind: IdentityKind, value: str) -> str:
    """The canonical form of an identifier before blind-indexing (see module docstring)."""
    value = value.strip()
    if kind is IdentityKind.EMAIL:
        return value.lower()
    if kind is IdentityKind.HANDLE:
        return value.lstrip("@").lower()
    if kind is IdentityKind.PHONE:
        digits = "".join(ch for ch in value if ch.isdigit())
        return ("+" if value.startswith("+") else "") + digits
    return value


def pseudonym_subject(blind_index: str) -> str:
    """Subject id for records whose author is known only by a keyed pseudonym."""
    return f"pseudo:{blind_index}"


def record_subject() -> str:
    """A fresh per-record subject id for records with no person attached."""
    return f"record:{uuid.uuid4()}"


@dataclass(frozen=True, slots=True)
class MasterKey:
    """32 key bytes; ``repr`` shows only a fingerprint."""

    material: bytes
    #: Fingerprint of the key, stored with every wrapped subject key. Computed once:
    #: every key wrapped or unwrapped compares it (``hmac.new`` was 0.5 % of ingestion).
    kek_id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.material) != KEY_BYTES:
            raise ConfigurationError("master key must be 32 bytes (base64-encoded)")
        kek_id = hmac.digest(self.material, b"sphere/kek-id", "sha256").hex()[:16]
        object.__setattr__(self, "kek_id", kek_id)

    def __repr__(self) -> str:
        return f"MasterKey(kek_id={self.kek_id})"

    @classmethod
    def from_base64(cls, encoded: str) -> MasterKey:
        try:
            return cls(base64.b64decode(encoded.strip(), validate=True))
        except (binascii.Error, ValueError):
            raise ConfigurationError("master key is not valid base64") from None


def generate_master_key() -> str:
    """A new base64 master key (for ``SPHERE_MASTER_KEY`` or the key file)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def load_master_key(settings: Settings) -> MasterKey:
    """Master key from ``SPHERE_MASTER_KEY``, else from the key file.

    The key file is created (mode 0600) only when ``env`` is dev or test. A file that
    group or others can read is refused: the master key guards every subject's data.
    """
    if settings.master_key is not None:
        return MasterKey.from_base64(settings.master_key.get_secret_value())
    path = settings.resolved_master_key_file
    if not path.exists():
        if settings.env not in ("dev", "test"):
            raise ConfigurationError(
                f"master key file {path} is missing; set SPHERE_MASTER_KEY or create the file"
            )
        _create_key_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"master key file {path} is readable by others (mode {mode:o}); chmod 600 it"
        )
    _refuse_key_beside_database(settings, path)
    return MasterKey.from_base64(path.read_text(encoding="ascii"))


def _refuse_key_beside_database(settings: Settings, path: Path) -> None:
    """In production the master key may not share a directory with the SQLite database:
    a plain copy of that directory (the backup everyone makes first) would carry the key
    that decrypts it. Development keeps both in SPHERE_HOME on purpose, for a one-folder
    demo; ``sphere db backup`` never copies keys (docs/security.md, "Keys and backups")."""
    url = settings.resolved_database_url
    if settings.env != "prod" or not url.startswith("sqlite:///"):
        return
    database = Path(url.removeprefix("sqlite:///")).resolve()
    if database.parent == path.resolve().parent:
        raise ConfigurationError(
            f"master key file {path} lies beside the database {database}: a copy of that "
            "directory would carry the key that decrypts it; move the key elsewhere and "
            "set SPHERE_MASTER_KEY_FILE (e.g. /etc/sphere/master.key), see docs/security.md"
        )


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(generate_master_key() + "\n")


_KEYS = SubjectKeyRow.__table__
_KEY_COLUMNS = (_KEYS.c.subject_id, _KEYS.c.salt, _KEYS.c.wrapped_key, _KEYS.c.kek_id)
_SELECT_KEY = select(*_KEY_COLUMNS).where(_KEYS.c.subject_id == bindparam("subject_id"))
# Expanding IN: compiled once, the list of subjects is bound per call.
_SELECT_KEYS = select(*_KEY_COLUMNS).where(
    _KEYS.c.subject_id.in_(bindparam("subject_ids", expanding=True))
)
_INSERT_KEY = insert(_KEYS)
_PRELOAD_CHUNK = 500
_UNWRAPPED_MAX = 4096  # unwrapped keys remembered by a Keyring (see its docstring)


def _seal(key: bytes, subject_id: str, plaintext: str | bytes) -> bytes:
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    nonce = secrets.token_bytes(NONCE_BYTES)
    return CIPHERTEXT_VERSION + nonce + AESGCM(key).encrypt(nonce, data, subject_id.encode("utf-8"))


class Keyring:
    """Per-subject data keys wrapped by the master key; blind indexes keyed by a secret.

    Holds no session: every call takes the caller's session and reads the subject's key
    row there, so a key destroyed in one process is gone for all others at their next
    call. The one thing remembered across calls is the result of unwrapping (HKDF and
    AES-GCM, the cost of a key read), keyed by the exact wrapped bytes and salt just read
    from the row: a destroyed key has none, so nothing can reach its entry again, and a
    re-wrapped key has new ones. Bounded (``_UNWRAPPED_MAX`` keys, then forgotten).
    """

    def __init__(self, master_key: MasterKey, pseudonym_secret: bytes) -> None:
        if len(pseudonym_secret) < 16:
            raise ConfigurationError("pseudonym secret must be at least 16 bytes")
        self._master = master_key
        self._pseudonym_secret = pseudonym_secret
        self._unwrapped: dict[tuple[str, bytes, bytes], bytes] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        secret = settings.pseudonym_secret.get_secret_value().encode("utf-8")
        return cls(load_master_key(settings), secret)

    def __repr__(self) -> str:
        return f"Keyring(kek_id={self._master.kek_id})"

    @property
    def kek_id(self) -> str:
        return self._master.kek_id

    # --- blind indexes --------------------------------------------------------------

    def blind_index(self, kind: IdentityKind, channel: str, value: str) -> str:
        """HMAC-SHA256 (hex) of ``kind | channel | normalize_identity(kind, value)``."""
        message = "\x1f".join((kind.value, channel, normalize_identity(kind, value)))
        return hmac.digest(self._pseudonym_secret, message.encode("utf-8"), "sha256").hex()

    def derived_key(self, label: str) -> bytes:
        """A 32-byte key for one use, derived from the pseudonym secret (HMAC-SHA256 over
        ``label``): e.g. the keyed hash that replaces erased values in connected systems."""
        return hmac.digest(self._pseudonym_secret, f"sphere:{label}".encode(), "sha256")

    def handle_subjects(self, identities: Iterable[Any]) -> list[str]:
        """The pseudonymous subject ids under which records of a person's handles were
        stored before they were linked (``identities``: kind, channel, value), sorted."""
        return sorted(
            {
                pseudonym_subject(self.blind_index(IdentityKind.HANDLE, i.channel, i.value))
                for i in identities
                if i.kind is IdentityKind.HANDLE and i.value
            }
        )

    def thread_mark(self, channel: str, kind: str, *ids: str) -> str:
        """HMAC-SHA256 (hex) of ``thread | channel | kind | ids…``: the key of a
        conversation mark (``thread_marks``), unlinkable without the secret."""
        message = "\x1f".join(("thread", channel, kind, *ids))
        return hmac.digest(self._pseudonym_secret, message.encode("utf-8"), "sha256").hex()

    def counted_token(self, channel: str, source_id: str) -> str:
        """HMAC-SHA256 (hex) of ``counted | channel | source id``: a post or event counted
        anonymously (``counted_posts``), so a re-delivery is not counted twice;
        unlinkable without the secret."""
        message = "\x1f".join(("counted", channel, source_id))
        return hmac.digest(self._pseudonym_secret, message.encode("utf-8"), "sha256").hex()

    # --- data keys ------------------------------------------------------------------

    def _kek(self, subject_id: str, salt: bytes, master: MasterKey | None = None) -> AESGCM:
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=KEY_BYTES,
            salt=salt,
            info=_KEK_INFO + subject_id.encode("utf-8"),
        )
        return AESGCM(hkdf.derive((master or self._master).material))

    def _wrap(
        self, subject_id: str, data_key: bytes, master: MasterKey | None = None
    ) -> tuple[bytes, bytes]:
        salt = secrets.token_bytes(SALT_BYTES)
        nonce = secrets.token_bytes(NONCE_BYTES)
        wrapped = nonce + self._kek(subject_id, salt, master).encrypt(
            nonce, data_key, subject_id.encode("utf-8")
        )
        return salt, wrapped

    def _unwrap(self, row: Any) -> bytes:  # a SubjectKeyRow or a Core row of its columns
        if row.wrapped_key is None or row.salt is None:
            raise SubjectKeyDestroyed(row.subject_id)
        if row.kek_id != self._master.kek_id:
            raise ConfigurationError(
                f"subject key {row.subject_id} is wrapped by another master key"
                f" ({row.kek_id}); this keyring has {self._master.kek_id}"
            )
        wrapped, salt = bytes(row.wrapped_key), bytes(row.salt)
        known = self._unwrapped.get((row.subject_id, wrapped, salt))
        if known is not None:
            return known
        nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        try:
            key = self._kek(row.subject_id, salt).decrypt(
                nonce, body, row.subject_id.encode("utf-8")
            )
        except InvalidTag:
            raise DecryptionFailed(f"subject key {row.subject_id} does not unwrap") from None
        if len(self._unwrapped) >= _UNWRAPPED_MAX:
            self._unwrapped.clear()
        self._unwrapped[(row.subject_id, wrapped, salt)] = key
        return key

    def _data_key(self, session: Session, subject_id: str, *, create: bool) -> bytes:
        # Unwrapped keys are cached for the life of one session (one unit of work): the
        # pipeline encrypts many records of the same subject per batch. The cache is
        # dropped on any rollback and on ``destroy_key``.
        cache = transaction_cache(session, f"data_keys:{self.kek_id}")
        cached = cache.get(subject_id)
        if cached is not None:
            return cached
        key = self._load_or_create(session, subject_id, create=create)
        cache[subject_id] = key
        return key

    def _load_or_create(self, session: Session, subject_id: str, *, create: bool) -> bytes:
        row: Any
        if session.new or session.dirty:  # pending ORM changes (a key destroyed just now)
            row = session.get(SubjectKeyRow, subject_id)
        else:  # the hot path: one Core SELECT, no identity-map bookkeeping
            row = session.connection().execute(_SELECT_KEY, {"subject_id": subject_id}).first()
        if row is None:
            if not create:
                raise NotFound(f"no key for subject {subject_id}")
            data_key, values = self._new_key(subject_id)
            # Core INSERT: one statement, no unit-of-work flush.
            session.connection().execute(_INSERT_KEY, values)
            return data_key
        return self._unwrap(row)

    def _new_key(self, subject_id: str) -> tuple[bytes, dict[str, object]]:
        """A fresh data key and the ``subject_keys`` row that holds it wrapped."""
        data_key = AESGCM.generate_key(bit_length=256)
        salt, wrapped = self._wrap(subject_id, data_key)
        return data_key, {
            "subject_id": subject_id,
            "salt": salt,
            "wrapped_key": wrapped,
            "kek_id": self.kek_id,
            "created_at": utcnow(),
            "destroyed_at": None,
        }

    def encrypt_for(self, session: Session, subject_id: str, plaintext: str | bytes) -> bytes:
        """Encrypt under the subject's data key (created on first use)."""
        return _seal(self._data_key(session, subject_id, create=True), subject_id, plaintext)

    def key_batch(self, session: Session) -> SubjectKeyBatch:
        """Subject keys for many records of this transaction (``storage.key_batch``)."""
        from sphere.storage.key_batch import SubjectKeyBatch

        return SubjectKeyBatch(self, session)

    def preload_keys(self, session: Session, subject_ids: Iterable[str]) -> None:
        """Read and unwrap the stored keys of many subjects at once (one statement per
        500), before decrypting many records of different people: an erasure's scan of
        quarantined input, the findings' sample of stored posts."""
        batch = self.key_batch(session)
        batch.preload(subject_ids)
        keys, rows = batch._caches()
        for subject_id, row in list(rows.items()):
            if row is not None and subject_id not in keys and row.wrapped_key is not None:
                keys[subject_id] = self._unwrap(row)

    def decrypt_for(self, session: Session, subject_id: str, ciphertext: bytes) -> bytes:
        """Decrypt a ciphertext of ``encrypt_for``; raises ``SubjectKeyDestroyed`` after erasure."""
        if not ciphertext.startswith(CIPHERTEXT_VERSION):
            raise DecryptionFailed("unknown ciphertext format")
        key = self._data_key(session, subject_id, create=False)
        body = ciphertext[len(CIPHERTEXT_VERSION) :]
        try:
            return AESGCM(key).decrypt(
                body[:NONCE_BYTES], body[NONCE_BYTES:], subject_id.encode("utf-8")
            )
        except InvalidTag:
            raise DecryptionFailed(f"ciphertext of subject {subject_id} does not decrypt") from None

    def decrypt_text(self, session: Session, subject_id: str, ciphertext: bytes) -> str:
        return self.decrypt_for(session, subject_id, ciphertext).decode("utf-8")

    def destroy_key(self, session: Session, subject_id: str, *, at: datetime | None = None) -> bool:
        """Crypto-shred: overwrite the wrapped key and salt. Returns False if there was none.

        A tombstone row stays (``destroyed_at``) so that later writes for the subject fail
        with ``SubjectKeyDestroyed`` instead of silently minting a new key.
        """
        transaction_cache(session, f"data_keys:{self.kek_id}").pop(subject_id, None)
        transaction_cache(session, f"key_rows:{self.kek_id}").pop(subject_id, None)
        row = session.get(SubjectKeyRow, subject_id)
        if row is None:
            session.add(
                SubjectKeyRow(subject_id=subject_id, destroyed_at=at or utcnow(), kek_id=None)
            )
            session.flush()
            return False
        row.salt = None
        row.wrapped_key = None
        row.kek_id = None
        row.destroyed_at = at or utcnow()
        session.flush()
        return True

    def is_destroyed(self, session: Session, subject_id: str) -> bool:
        row = session.get(SubjectKeyRow, subject_id)
        return row is not None and row.wrapped_key is None

    def rewrap_all(self, session: Session, new_keyring: Keyring, *, batch: int = 500) -> int:
        """Re-wrap every live subject key under ``new_keyring``'s master key (rotation).

        Afterwards the old master key can be destroyed; see the module docstring for why
        this is what makes erasure effective against old backups. Returns the count.
        """
        drop_caches(session, "data_keys:")  # keys cached under the old master key
        drop_caches(session, "key_rows:")  # rows read before the re-wrap
        count = 0
        rows = session.scalars(
            select(SubjectKeyRow)
            .where(SubjectKeyRow.wrapped_key.is_not(None))
            .execution_options(yield_per=batch)
        )
        for row in rows:
            data_key = self._unwrap(row)
            row.salt, row.wrapped_key = new_keyring._wrap(row.subject_id, data_key)
            row.kek_id = new_keyring.kek_id
            count += 1
        session.flush()
        return count
