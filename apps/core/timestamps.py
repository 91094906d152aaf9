"""Reading PostgreSQL timestamps in C.

Django's psycopg backend loads every `timestamptz` with a Python subclass of psycopg's
pure-Python loader (to attach the connection's time zone), about 3 µs a value even with
psycopg's C extension installed: a search reads a few hundred of them. When the session's
zone is UTC (ours always is: USE_TZ, no per-database TIME_ZONE) psycopg's C loader gives the
very same values with the very same `datetime.timezone.utc`, so each new connection gets a
loader that hands the parsing to it (about 0.7 µs a value; bench/README.md). Django checks the
loader's `timezone` on every cursor, hence the attribute.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Any

import psycopg
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format

_TIMESTAMPTZ = types["timestamptz"].oid
_COMPILED = psycopg.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)


class CompiledUtcLoader(Loader):
    """Django's loader's interface (`timezone`), psycopg's C parsing."""

    timezone: tzinfo = UTC

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        assert _COMPILED is not None
        self._compiled = _COMPILED(oid, context)

    def load(self, data: Any) -> Any:
        return self._compiled.load(data)


def fast_timestamps_install(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: install the C-backed loader on PostgreSQL connections
    in UTC (any other setting, or no C extension, keeps Django's own loader)."""
    if connection.vendor != "postgresql" or connection.timezone is not UTC or not settings.USE_TZ:
        return
    if _COMPILED is None or _COMPILED.__module__.startswith("psycopg.types"):
        return
    connection.connection.adapters.register_loader("timestamptz", CompiledUtcLoader)
