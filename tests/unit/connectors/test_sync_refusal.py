"""The reason a refused CRM sync record is given: record id, column, constraint, the
target's message - and never a value of the record (drivers quote them)."""

from __future__ import annotations

import sqlite3

import pymysql.err
import pytest
from sqlalchemy import Column, MetaData, String, Table, Text, UniqueConstraint
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError

from sphere.connectors.sync_refusal import is_refusal, refusal

TABLE = Table(
    "sphere_records",
    MetaData(),
    Column("sphere_id", String(36), primary_key=True),
    Column("email", String(254)),
    Column("channel", String(8)),
    Column("body", Text),
    UniqueConstraint("email", name="crm_email_key"),
)
ROW = {"sphere_id": "r-1", "email": "lena@example.org", "channel": "mastodon", "body": "Hallo"}
FIELDS = {"sphere_id": "record_id", "email": "email", "channel": "channel", "body": "text"}


def _wrap(kind: type[SQLAlchemyError], orig: Exception) -> SQLAlchemyError:
    return kind("INSERT …", None, orig)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("exc", "column", "constraint", "text"),
    [
        (
            _wrap(IntegrityError, pymysql.err.IntegrityError(
                1062, "Duplicate entry 'lena@example.org' for key 'crm_email_key'")),
            "email", "crm_email_key",
            "IntegrityError: Duplicate entry '…' for key 'crm_email_key'",
        ),
        (
            _wrap(DataError, pymysql.err.DataError(
                1406, "Data too long for column 'channel' at row 1")),
            "channel", None, "DataError: Data too long for column 'channel' at row 1",
        ),
        (
            _wrap(IntegrityError, sqlite3.IntegrityError(
                "UNIQUE constraint failed: sphere_records.email")),
            "email", None, "IntegrityError: UNIQUE constraint failed: sphere_records.email",
        ),
        (
            _wrap(IntegrityError, sqlite3.IntegrityError(
                'duplicate key value violates unique constraint "crm_email_key"\n'
                "DETAIL:  Key (email)=(lena@example.org) already exists.")),
            "email", "crm_email_key",
            'IntegrityError: duplicate key value violates unique constraint "crm_email_key"',
        ),
    ],
    ids=["mariadb-duplicate-quotes-the-value", "mariadb-too-long", "sqlite-unique",
         "postgres-detail-repeats-the-value"],
)  # fmt: skip
def test_reason_names_column_and_constraint_never_a_value(
    exc: SQLAlchemyError, column: str | None, constraint: str | None, text: str
) -> None:
    refused = refusal(exc, TABLE, "r-1", ROW, FIELDS)
    assert is_refusal(exc)
    assert (refused.column, refused.constraint) == (column, constraint)
    assert refused.reason.startswith("record r-1 refused:") and refused.reason.endswith(text)
    assert "lena@example.org" not in refused.reason and "Hallo" not in refused.reason


def test_too_long_without_a_named_column_is_found_by_length() -> None:
    # PostgreSQL: "value too long for type character varying(8)" names no column
    exc = _wrap(DataError, sqlite3.DataError("value too long for type character varying(8)"))
    refused = refusal(exc, TABLE, "r-1", {**ROW, "channel": "mastodon-x"}, FIELDS)
    assert refused.column == "channel" and "column channel:" in refused.reason


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (_wrap(OperationalError, pymysql.err.OperationalError(
            4025, "CONSTRAINT `body_short` failed for `crm`.`sphere_records`")), True),
        (_wrap(OperationalError, pymysql.err.OperationalError(
            2003, "Can't connect to MySQL server")), False),
        (_wrap(OperationalError, sqlite3.OperationalError("no such table: x")), False),
    ],
    ids=["mariadb-check-constraint", "mariadb-down", "sqlite-no-table"],
)  # fmt: skip
def test_only_a_refused_value_is_a_refusal(exc: SQLAlchemyError, expected: bool) -> None:
    # the system failing (down, no table) fails the whole batch instead
    assert is_refusal(exc) is expected
