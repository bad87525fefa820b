"""The web shell: JSON API (``/api/v1``), DPO cockpit (``/cockpit``), customer portal
(``/portal``) and the public transparency page. Build it with
``sphere.web.app.create_app(settings)``; nothing is created at import time.
Security model and routes: ``docs/web.md``."""
