"""Update many rows, each with its own values, in one linear-time statement.

Hand-written because Django's ``bulk_update()`` builds one ``CASE WHEN pk = …``
branch per row for every field, which databases evaluate row by row: recording
1,000 sent messages that way costs a million comparisons per field. PostgreSQL and SQLite (3.33+) both accept
``WITH v(…) AS (VALUES …) UPDATE … FROM v``, which joins instead; other databases
fall back to ``bulk_update()`` in small batches.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, models

#: Stay below SQLite's default limit of 32,766 parameters per statement.
MAX_PARAMS = 30_000
_JOIN_VENDORS = ("postgresql", "sqlite")


def update_rows(
    queryset: models.QuerySet[Any],
    objs: Sequence[models.Model],
    fields: Sequence[str],
    *,
    constants: Mapping[str, Any],
    where: Mapping[str, Any],
) -> None:
    """Write ``fields`` of each of ``objs``, plus ``constants`` for all of them.

    Only rows that also match ``where`` (column equality) are changed.
    """
    if not objs:
        return
    connection = connections[queryset.db]
    if not _supports_join(connection):
        for obj in objs:
            for name, value in constants.items():
                setattr(obj, name, value)
        queryset.filter(**where).bulk_update(
            objs, [*fields, *constants], batch_size=100
        )
        return
    per_statement = max(MAX_PARAMS // (len(fields) + 1), 1)
    for start in range(0, len(objs), per_statement):
        chunk = objs[start : start + per_statement]
        sql, params = _statement(
            queryset.model, chunk, fields, constants, where, connection
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _supports_join(connection: Any) -> bool:
    if connection.vendor not in _JOIN_VENDORS:
        return False
    # UPDATE … FROM arrived in SQLite 3.33.
    return connection.vendor != "sqlite" or sqlite3.sqlite_version_info >= (3, 33)


def _statement(
    model: type[models.Model],
    objs: Sequence[models.Model],
    fields: Sequence[str],
    constants: Mapping[str, Any],
    where: Mapping[str, Any],
    connection: Any,
) -> tuple[str, list[Any]]:
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    varying = [_field(model, name) for name in fields]
    pk_column = quote(meta.pk.column)
    names = ", ".join(["pk", *(f"c{index}" for index in range(len(varying)))])
    row_sql = "(" + ", ".join(["%s"] * (len(varying) + 1)) + ")"
    params: list[Any] = []
    for obj in objs:
        params.append(obj.pk)
        params.extend(
            _prep(field, getattr(obj, field.attname), connection) for field in varying
        )
    assignments = [
        f"{quote(field.column)} = CAST(v.c{index} AS {field.db_type(connection)})"
        for index, field in enumerate(varying)
    ]
    for name, value in constants.items():
        field = _field(model, name)
        assignments.append(f"{quote(field.column)} = %s")
        params.append(_prep(field, value, connection))
    conditions = [f"{table}.{pk_column} = v.pk"]
    for name, value in where.items():
        field = _field(model, name)
        conditions.append(f"{table}.{quote(field.column)} = %s")
        params.append(_prep(field, value, connection))
    # Identifiers are quoted by the backend and every value is a parameter.
    values = ", ".join([row_sql] * len(objs))
    sql = f"WITH v ({names}) AS (VALUES {values}) UPDATE {table} SET "  # noqa: S608
    sql += f"{', '.join(assignments)} FROM v WHERE {' AND '.join(conditions)}"
    return sql, params


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):  # pragma: no cover - programming error
        raise TypeError(f"{name!r} is not a concrete field of {model.__name__}.")
    return field


def _prep(field: Any, value: Any, connection: Any) -> Any:
    return field.get_db_prep_save(value, connection)
