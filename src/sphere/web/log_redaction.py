"""Keep personal data and secrets out of the server's access log.

The access log line of uvicorn (and most ASGI servers) holds the request path with its
query. Staff contact searches (``/cockpit/contacts?q=K-100342``) would then keep a
customer number in the log after that person's erasure, and one-time portal log-in links
(``/portal/login/<token>``) would put a live credential in it. :class:`RedactingFilter`
rewrites the path of every access-log record: the query is replaced by ``?…``, a log-in
token by ``…``. Installed on the ``uvicorn.access`` logger by ``create_app``.
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
_TOKEN_PATH = re.compile(r"^(/portal/login/(?!handle(?:/|$))|/tasks/confirm/)[^/?]+")


def redact_path(path: str) -> str:
    """``path`` without its query and without a log-in token."""
    bare, has_query, _query = path.partition("?")
    bare = _TOKEN_PATH.sub(r"\1…", bare)
    return bare + ("?…" if has_query else "")


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def install_access_log_redaction() -> None:
    """Add the filter to the access logger once (idempotent)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
