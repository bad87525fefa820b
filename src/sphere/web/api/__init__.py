"""JSON API under ``/api/v1`` (OpenAPI at ``/openapi.json``)."""

from fastapi import APIRouter

from sphere.web.api import (
    auth,
    breach,
    cockpit,
    dpia,
    figures,
    health,
    intake,
    jobs,
    joint,
    marketing,
    policy,
    portal,
    portal_challenges,
    recipients,
    reviews,
    rights,
    systems,
    toms,
)

router = APIRouter(prefix="/api/v1")
router.include_router(health.router)
router.include_router(intake.router)
router.include_router(auth.router)
router.include_router(policy.router)
router.include_router(dpia.router)
router.include_router(breach.router)
router.include_router(recipients.router)
router.include_router(systems.router)
router.include_router(joint.router)
router.include_router(toms.router)
router.include_router(cockpit.router)
router.include_router(jobs.router)
router.include_router(rights.router)
router.include_router(marketing.router)
router.include_router(portal_challenges.router)
router.include_router(portal.router)
router.include_router(figures.router)
router.include_router(reviews.router)

__all__ = ["router"]
