"""Caches that live exactly as long as one transaction of one session.

Used for unwrapped subject keys (``crypto``) and the locked audit-chain head
(``sphere.audit``). Every cache of a session is dropped when the outermost transaction
ends and after any rollback, including a SAVEPOINT rollback, so nothing outlives the data
(or the lock) it describes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_CACHES = "sphere.transaction_caches"


def transaction_cache(session: Session, name: str) -> dict[str, Any]:
    caches = session.info.get(_CACHES)
    if caches is None:
        caches = session.info[_CACHES] = {}
        event.listen(session, "after_soft_rollback", _clear_after_rollback)
        event.listen(session, "after_transaction_end", _clear_after_outermost)
    return caches.setdefault(name, {})  # type: ignore[no-any-return]


def _clear(session: Session) -> None:
    caches = session.info.get(_CACHES)
    if caches:
        caches.clear()


def _clear_after_rollback(session: Session, _previous_transaction: object) -> None:
    _clear(session)  # any rollback, a SAVEPOINT's too, may undo what a cache describes


def _clear_after_outermost(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # releasing a SAVEPOINT keeps the caches valid
        _clear(session)


def drop_caches(session: Session, prefix: str) -> None:
    """Forget every cache of this transaction whose name starts with ``prefix``."""
    caches = session.info.get(_CACHES) or {}
    for name in [n for n in caches if n.startswith(prefix)]:
        del caches[name]
