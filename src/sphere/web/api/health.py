"""``GET /api/v1/health``: liveness plus the database schema revision (no log-in)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from sphere import __version__
from sphere.storage.db import current_revision, head_revision

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    version: str
    schema_revision: str | None
    schema_is_current: bool


@router.get("/health")
def health(request: Request) -> HealthOut:
    """``status`` is ``ok`` when the database answers and its schema is at the newest
    revision shipped with this version, ``degraded`` when it answers but needs
    ``sphere db upgrade``."""
    revision = current_revision(request.app.state.engine)
    is_current = revision == head_revision()
    return HealthOut(
        status="ok" if is_current else "degraded",
        version=__version__,
        schema_revision=revision,
        schema_is_current=is_current,
    )
