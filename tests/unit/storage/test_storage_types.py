"""UTCDateTime refuses naive datetimes and always returns aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from sphere.storage.types import UTCDateTime


def test_naive_datetime_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), sqlite.dialect())


def test_other_zone_converted_to_utc() -> None:
    berlin = timezone(timedelta(hours=2))
    bound = UTCDateTime().process_bind_param(
        datetime(2026, 6, 1, 14, 0, tzinfo=berlin), postgresql.dialect()
    )
    assert bound == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert bound is not None and bound.utcoffset() == timedelta(0)


def test_sqlite_result_gets_utc() -> None:
    result = UTCDateTime().process_result_value(datetime(2026, 6, 1, 12, 0), sqlite.dialect())
    assert result == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert result is not None and result.tzinfo is UTC
