"""The customer (data-subject) portal (``/portal``). Only a shell so far: the portal's
pages arrive with the consent and data-subject-rights services."""

from sphere.web.portal.pages import router

__all__ = ["router"]
