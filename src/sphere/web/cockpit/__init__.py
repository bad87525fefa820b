"""The DPO cockpit (``/cockpit``): server-rendered pages, no JavaScript."""

from sphere.web.cockpit.pages import router

__all__ = ["router"]
