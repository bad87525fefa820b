"""Connected systems: declarative connector definitions, the SQL and the HTTP connector.

``definition`` (the values), ``loader`` (YAML with file:line:column errors; ``loader_http``,
``loader_sync``), ``graph`` (references: cycles, reachability, traversal and delete
order), ``sql`` (PostgreSQL and MariaDB/MySQL through SQLAlchemy: live-schema check,
access, erasure, dry run; ``sql_updates``: rectification, restriction, preferences),
``http_client`` and ``http_system`` (HTTP APIs: authentication, pages, rate limit; every
operation), ``webhook`` (signed notifications out), ``crm_sync`` (the CRM sync target's
upserts and deletes), ``registry`` (the set the composition root builds). No Sphere table
is read or written here: the per-system status of requests is ``sphere.rights.systems``,
the CRM sync's outbox ``sphere.rights.crm_sync``.
"""
