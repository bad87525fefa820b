"""The customer (data-subject) portal (``/portal``): see ``pages.py``, ``handle_login.py``
and docs/portal.md."""

from fastapi import APIRouter

from sphere.web.portal import handle_login, pages

router = APIRouter()
# First: ``POST/GET /portal/login/handle`` must win over ``GET /portal/login/{token}``.
router.include_router(handle_login.router)
router.include_router(pages.router)

__all__ = ["router"]
