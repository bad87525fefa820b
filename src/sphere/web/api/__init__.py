"""JSON API under ``/api/v1`` (OpenAPI at ``/openapi.json``)."""

from fastapi import APIRouter

from sphere.web.api import auth, cockpit, health, policy

router = APIRouter(prefix="/api/v1")
router.include_router(health.router)
router.include_router(auth.router)
router.include_router(policy.router)
router.include_router(cockpit.router)

__all__ = ["router"]
