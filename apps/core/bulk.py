"""Writing many rows without model instances, for demo data at scale: COPY on PostgreSQL,
multi-row INSERTs on SQLite. At 240,000 availability rows, building instances for
bulk_create cost more than the database work (bench/bench_availability.py, 10,000
instructors: bulk_create 12.6 s; COPY on PostgreSQL 1.6 s; multi-row INSERTs on SQLite 2.1 s).

Rows give one Python value per named field (a foreign key's id for a relation). Datetimes,
UUIDs and JSON are adapted by their fields exactly as the ORM stores them (on SQLite a
datetime is naive UTC text, a UUID 32 hex digits); other values go to the driver as they are.
A non-null field left out gets its model default (a field added later needs no change here);
other fields left out get NULL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

ROWS_PER_INSERT = 200
_ADAPTED_TYPES = frozenset({"DateTimeField", "UUIDField", "JSONField"})


def _adapter(field: Field[Any, Any]) -> Callable[[Any], Any] | None:
    if field.get_internal_type() not in _ADAPTED_TYPES:
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def rows_insert(model: type[Model], fields: list[str], rows: Sequence[Sequence[object]]) -> None:
    if not rows:
        return
    concrete = {field.name: field for field in model._meta.concrete_fields}
    defaulted = [f for f in concrete.values() if f.name not in fields and not f.null and f.has_default()]
    if defaulted:
        fields = [*fields, *(f.name for f in defaulted)]
        rows = [[*row, *(f.get_default() for f in defaulted)] for row in rows]
    model_fields = [concrete[name] for name in fields]
    adapters = [(index, adapt) for index, field in enumerate(model_fields) if (adapt := _adapter(field)) is not None]
    if adapters:
        rows = [_adapted(row, adapters) for row in rows]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in model_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Statements of one size within the backend's parameter limit (SQLite has one).
        size = min(ROWS_PER_INSERT, connection.ops.bulk_batch_size(model_fields, rows))
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for offset in range(0, len(rows), size):
            chunk = rows[offset : offset + size]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))}"  # noqa: S608 - identifiers from model metadata, values as parameters
            params: list[Any] = [value for row in chunk for value in row]
            cursor.execute(sql, params)


def _adapted(row: Sequence[object], adapters: list[tuple[int, Callable[[Any], Any]]]) -> list[object]:
    values = list(row)
    for index, adapt in adapters:
        values[index] = adapt(values[index])
    return values
