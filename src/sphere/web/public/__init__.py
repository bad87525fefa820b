"""Public pages (no log-in): the transparency notice generated from the policy, and the
confirmation page of a manual system's owner (its one-time link is the credential)."""

from fastapi import APIRouter

from sphere.web.public.pages import router as _pages
from sphere.web.public.tasks import router as _tasks

router = APIRouter(include_in_schema=False)
router.include_router(_pages)
router.include_router(_tasks)

__all__ = ["router"]
