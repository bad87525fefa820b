"""Master-key rotation: every live subject key re-wrapped under a new master key.

Erasure crypto-shreds a subject's data key, but a backup taken before the erasure still
holds that key, wrapped under the master key of its day. Rotating the master key and then
destroying the old one makes every such backup unreadable (docs/dsr-runbook.md); this is
the operator's side of that promise. One transaction: either every key is re-wrapped
or none is, and the rotation is audited (key ids only, never key material).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.errors import InvalidInput
from sphere.storage.crypto import Keyring


@dataclass(frozen=True, slots=True)
class Rotation:
    old_kek_id: str
    new_kek_id: str
    keys_rewrapped: int

    def to_dict(self) -> dict[str, object]:
        return {
            "old_kek_id": self.old_kek_id,
            "new_kek_id": self.new_kek_id,
            "keys_rewrapped": self.keys_rewrapped,
        }


def rotate_master_key(
    session: Session, current: Keyring, new: Keyring, *, actor: str, at: datetime
) -> Rotation:
    """Re-wrap every live subject key from ``current``'s master key to ``new``'s."""
    if current.kek_id == new.kek_id:
        raise InvalidInput("the new master key is the key in use; generate a different one")
    count = current.rewrap_all(session, new)
    rotation = Rotation(current.kek_id, new.kek_id, count)
    audit(
        session,
        actor=actor,
        action="keys.master_rotated",
        # "kek-" keeps a hex id from looking like an IBAN to the audit's content check
        details={
            "old_key": f"kek-{rotation.old_kek_id}",
            "new_key": f"kek-{rotation.new_kek_id}",
            "keys_rewrapped": count,
        },
        at=at,
    )
    return rotation
