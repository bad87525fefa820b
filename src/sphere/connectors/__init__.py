"""Connected systems: declarative connector definitions and the SQL connector.

``definition`` (the values), ``loader`` (YAML with file:line:column errors),
``graph`` (references: cycles, reachability, traversal and delete order), ``sql``
(PostgreSQL and MariaDB/MySQL through SQLAlchemy: live-schema check, access, erasure,
dry run), ``registry`` (the set the composition root builds). No Sphere table is read
or written here: the per-system status of requests is ``sphere.rights.systems``.
"""
