"""Public pages (no log-in): the transparency notice generated from the policy."""

from sphere.web.public.pages import router

__all__ = ["router"]
