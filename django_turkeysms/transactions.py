"""Transactions that read, then write, without "database is locked" on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models, router, transaction


@contextmanager
def write_transaction(
    model: type[models.Model], *, savepoint: bool = True
) -> Iterator[None]:
    """``transaction.atomic()`` for a block that locks rows of ``model`` and writes.

    ``savepoint=False``: inside a caller's transaction, an error in the block
    fails the whole transaction (no SAVEPOINT statements), for blocks that no
    caller recovers from part-way.

    On PostgreSQL and the others ``select_for_update()`` inside the block does the
    locking. SQLite has no row locks and starts every transaction as a reader; a
    reader that writes later fails at once with "database is locked" when another
    connection wrote meanwhile (waiting could deadlock, so SQLite does not wait).
    A write that changes nothing, as the first statement, takes SQLite's write
    lock up front instead, and that one *is* waited for (the busy timeout).
    """
    using = router.db_for_write(model)
    with transaction.atomic(using=using, savepoint=savepoint):
        connection = transaction.get_connection(using)
        if connection.vendor == "sqlite":
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(model._meta.pk.column)
            with connection.cursor() as cursor:
                # Identifiers quoted by the backend; no values at all.
                cursor.execute(f"UPDATE {table} SET {column} = {column} WHERE 1 = 0")  # noqa: S608
        yield
