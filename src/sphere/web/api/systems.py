"""Connected systems (issue 15) as JSON, read-only: each system's health (asked now:
it answers, its dataset map fits the live schema) and its open erasure tasks (pending,
failed, dead-lettered). For the DPO cockpit's roles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sphere.rights.systems import overview
from sphere.web.deps import CurrentDpo, DbSession, Runtime

router = APIRouter(tags=["connected systems"])


@router.get("/connected-systems")
def get_connected_systems(
    db: DbSession, runtime: Runtime, _who: CurrentDpo
) -> list[dict[str, Any]]:
    return overview(db, runtime.core.connected_systems())
