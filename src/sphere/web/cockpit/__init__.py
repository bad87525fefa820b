"""The DPO cockpit (``/cockpit``): server-rendered pages, no JavaScript."""

from fastapi import APIRouter

from sphere.web.cockpit import marketing, oversight, pages, requests

router = APIRouter()
router.include_router(pages.router)
router.include_router(oversight.router)
router.include_router(requests.router)
router.include_router(marketing.router)

__all__ = ["router"]
