"""The staff cockpit (``/cockpit``): server-rendered pages, enhanced by htmx."""

from fastapi import APIRouter

from sphere.web.cockpit import (
    breaches,
    campaigns,
    contacts,
    dpia,
    home,
    jobs,
    joint,
    listening,
    marketing,
    measures,
    oversight,
    pages,
    password,
    recipients,
    requests,
    reviews,
    systems,
    toms,
)

router = APIRouter()
router.include_router(pages.router)
router.include_router(home.router)
router.include_router(password.router)
router.include_router(oversight.router)
router.include_router(requests.router)
router.include_router(marketing.router)
router.include_router(measures.router)
router.include_router(campaigns.router)
router.include_router(contacts.router)
router.include_router(listening.router)
router.include_router(jobs.router)
router.include_router(reviews.router)
router.include_router(breaches.router)
router.include_router(dpia.router)
router.include_router(recipients.router)
router.include_router(joint.router)
router.include_router(toms.router)
router.include_router(systems.router)

__all__ = ["router"]
