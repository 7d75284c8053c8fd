"""Statements Django's ORM cannot write: many rows updated in one linear-time
statement, and counters added to in one upsert.

:func:`update_rows` is hand-written because Django's ``bulk_update()`` builds one
``CASE WHEN pk = …`` branch per row for every field, which databases evaluate
row by row: recording 1,000 sent messages that way costs a million comparisons
per field. PostgreSQL and SQLite (3.33+) both accept ``WITH v(…) AS (VALUES …)
UPDATE … FROM v``, which joins instead; other databases fall back to
``bulk_update()`` in small batches.

:func:`add_to_rows` is hand-written because ``bulk_create(update_conflicts=True)``
can only overwrite a column with the inserted value, never add to it (Django
ticket #36567). PostgreSQL and SQLite (3.24+) both accept ``INSERT … ON CONFLICT
(…) DO UPDATE SET n = table.n + excluded.n``; other databases add with an
``UPDATE … SET n = n + %s`` per row and insert the rows that did not exist.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, connections, models, transaction
from django.db.models import F

#: Stay below SQLite's default limit of 32,766 parameters per statement.
MAX_PARAMS = 30_000
_JOIN_VENDORS = ("postgresql", "sqlite")
_UPSERT_VENDORS = ("postgresql", "sqlite")


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


def add_to_rows(
    model: type[models.Model],
    rows: Sequence[tuple[Mapping[str, Any], Mapping[str, int]]],
    *,
    using: str,
) -> None:
    """For each (key, amounts): add ``amounts`` to the counters of the row whose
    unique columns equal ``key``, or insert it with ``amounts``.

    One statement on PostgreSQL and SQLite; the rows are written in the order
    given, so writers that sort them take their locks in the same order.
    """
    if not rows:
        return
    connection = connections[using]
    if connection.vendor not in _UPSERT_VENDORS:
        for key, amounts in rows:
            _add_to_row(model, key, amounts, using)
        return
    sql, params = _upsert(model, rows, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _upsert(
    model: type[models.Model],
    rows: Sequence[tuple[Mapping[str, Any], Mapping[str, int]]],
    connection: Any,
) -> tuple[str, list[Any]]:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys, amounts = list(rows[0][0]), list(rows[0][1])
    fields = [_field(model, name) for name in [*keys, *amounts]]
    columns = ", ".join(quote(field.column) for field in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        _prep(field, value, connection)
        for key, amount in rows
        for field, value in zip(fields, [*key.values(), *amount.values()], strict=True)
    ]
    additions = ", ".join(
        f"{column} = {table}.{column} + excluded.{column}"
        for column in (quote(field.column) for field in fields[len(keys) :])
    )
    conflict = ", ".join(quote(field.column) for field in fields[: len(keys)])
    # Identifiers are quoted by the backend and every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(rows))}"  # noqa: S608
    sql += f" ON CONFLICT ({conflict}) DO UPDATE SET {additions}"
    return sql, params


def _add_to_row(
    model: type[models.Model],
    key: Mapping[str, Any],
    amounts: Mapping[str, int],
    using: str,
) -> None:
    rows = model._default_manager.using(using).filter(**key)
    additions = {name: F(name) + amount for name, amount in amounts.items()}
    if rows.update(**additions):
        return
    try:
        with transaction.atomic(using=using):
            model._default_manager.using(using).create(**key, **amounts)
    except IntegrityError:  # a concurrent writer inserted it first
        rows.update(**additions)
