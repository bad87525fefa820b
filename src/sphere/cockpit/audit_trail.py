"""The audit trail for the cockpit: one page of entries, newest first, with the result of
verifying the whole hash chain (``sphere.audit.verify``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import VerifyResult, verify
from sphere.errors import InvalidInput
from sphere.storage.entities import AuditEntry
from sphere.storage.repositories.audit import AuditRepository

MAX_PER_PAGE = 200


@dataclass(frozen=True, slots=True)
class AuditPage:
    page: int
    per_page: int
    total: int
    entries: tuple[AuditEntry, ...]
    verification: VerifyResult

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "pages": self.pages,
            "verification": self.verification.as_dict(),
            "entries": [e.as_dict() for e in self.entries],
        }


def audit_trail(session: Session, *, page: int = 1, per_page: int = 50) -> AuditPage:
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"page must be >= 1 and per_page 1..{MAX_PER_PAGE}")
    entries = AuditRepository(session)
    page_entries = entries.latest(per_page, offset=(page - 1) * per_page)
    return AuditPage(page, per_page, entries.count(), tuple(page_entries), verify(session))
