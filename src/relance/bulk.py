"""Fast inserts for the few places that write hundreds of thousands of rows at once."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

BATCH_SIZE = 5000


class Inserter:
    """Rows of one model written in bulk: COPY on PostgreSQL, executemany elsewhere.

    bulk_create spends most of a million-row write preparing SQL value by value. Here
    each row is a plain tuple of the given fields, already in database form; every other
    field takes its model default (auto_now fields: when the Inserter was made), prepared
    once, as bulk_create would have set it. The database numbers the rows.
    """

    def __init__(self, model: type[Model], given: tuple[str, ...]) -> None:
        now = timezone.now()
        meta = model._meta
        rest = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in given]
        self.defaults = tuple(
            f.get_db_prep_save(
                now
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_default(),
                connection,
            )
            for f in rest
        )
        columns = [meta.get_field(name).column for name in given] + [f.column for f in rest]
        quote = connection.ops.quote_name
        table = f"{quote(meta.db_table)} ({', '.join(quote(c) for c in columns)})"
        self.copy_sql = f"COPY {table} FROM STDIN"
        self.insert_sql = f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(columns))})"

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> int:
        count = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row + self.defaults)
                        count += 1
                return count
            it = iter(rows)
            while batch := [row + self.defaults for row in itertools.islice(it, BATCH_SIZE)]:
                cursor.executemany(self.insert_sql, batch)
                count += len(batch)
        return count


def analyze(*models: type[Model]) -> None:
    """Refresh the planner's statistics after a large write.

    A table that grew from nothing to a million rows in one import still has the
    statistics of an empty table until autovacuum comes by, and PostgreSQL then picks
    the creditor index to find 2,000 invoice numbers (a full scan per chunk).
    """
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
