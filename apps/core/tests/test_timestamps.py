"""PostgreSQL timestamps are parsed by psycopg's C loader (apps/core/timestamps.py) and come
back exactly as Django's own loader gives them: aware, in `datetime.timezone.utc`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from psycopg.postgres import types
from psycopg.pq import Format

from apps.core.timestamps import CompiledUtcLoader

pytestmark = pytest.mark.django_db

VALUES = [
    ("2026-03-08 06:59:59.999999+00", datetime(2026, 3, 8, 6, 59, 59, 999999, tzinfo=UTC)),  # New York's DST starts
    ("2026-11-01 01:30:00-04", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # the repeated hour, first time
    ("2026-11-01 01:30:00-05", datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),  # and the second
    ("1999-12-31 23:59:59+14", datetime(1999, 12, 31, 9, 59, 59, tzinfo=UTC)),
    ("9999-12-31 23:59:59.5+00", datetime(9999, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)),
]


def test_connections_parse_timestamps_in_c_with_djangos_time_zone() -> None:
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    assert loader is CompiledUtcLoader
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"'{text}'::timestamptz" for text, _ in VALUES))
        row = cursor.fetchone()
    assert list(row) == [expected for _, expected in VALUES]
    assert all(value.tzinfo is UTC for value in row)  # the very object Django's loader attaches


def test_a_model_round_trip_keeps_the_instant() -> None:
    from apps.accounts.tests.factories import StudentFactory

    joined = datetime(2026, 11, 1, 5, 30, 0, 123456, tzinfo=UTC)
    user = StudentFactory.create(date_joined=joined)
    user.refresh_from_db()
    assert user.date_joined == joined
    assert user.date_joined.tzinfo is UTC
