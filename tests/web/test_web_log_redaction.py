"""No personal data or secrets in the access log (issue 18): the uvicorn access logger's
records are rewritten before any handler formats them."""

from __future__ import annotations

import logging

import pytest

from sphere.web.log_redaction import ACCESS_LOGGER, RedactingFilter, redact_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/cockpit/contacts?q=K-100342", "/cockpit/contacts?…"),
        ("/portal/login/AbC123-secret_token", "/portal/login/…"),
        ("/portal/login/AbC123?next=/portal/", "/portal/login/…?…"),
        ("/portal/login/handle", "/portal/login/handle"),
        ("/portal/login/handle/check", "/portal/login/handle/check"),
        ("/portal/login", "/portal/login"),
        ("/cockpit/", "/cockpit/"),
    ],
    ids=["search", "token", "token-query", "handle", "handle-check", "form", "plain"],
)
def test_redact_path(path: str, expected: str) -> None:
    assert redact_path(path) == expected


def test_access_log_lines_carry_no_query_and_no_token(caplog, client) -> None:  # noqa: ANN001
    logger = logging.getLogger(ACCESS_LOGGER)
    assert any(isinstance(f, RedactingFilter) for f in logger.filters)  # create_app did it
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        # the record uvicorn's access logger emits, in its own format
        logger.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/portal/login/tok-SECRET-1?x=K-100342",
            "1.1",
            200,
        )
    assert "tok-SECRET-1" not in caplog.text and "K-100342" not in caplog.text
    assert "/portal/login/…?…" in caplog.text
