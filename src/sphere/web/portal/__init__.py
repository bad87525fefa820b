"""The customer (data-subject) portal (``/portal``): see ``pages.py`` and docs/portal.md."""

from sphere.web.portal.pages import router

__all__ = ["router"]
