"""Persistence: the only package that imports SQLAlchemy and Alembic.

Public entry points: ``sphere.storage.db`` (engines, sessions, migrations),
``sphere.storage.crypto`` (keyring, blind indexes), ``sphere.storage.repositories``
(one repository per aggregate) and ``sphere.storage.entities`` (what they return).
"""
