"""The complete schema: every ``*tables`` module of ``sphere.storage`` on one MetaData.

Model classes register on ``tables.Base`` when their module is imported. Alembic's
``env.py`` and the model-vs-migration test call ``full_metadata()`` so a table module
added later (``auth_tables.py`` …) is seen without editing either of them.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData


def full_metadata() -> MetaData:
    import sphere.storage
    from sphere.storage.tables import Base

    for module in pkgutil.iter_modules(sphere.storage.__path__):
        if module.name.endswith("tables"):
            importlib.import_module(f"sphere.storage.{module.name}")
    return Base.metadata
