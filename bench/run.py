"""Time the collection run on the database named by RELANCE_DATABASE_URL.

    RELANCE_DATABASE_URL=sqlite:////tmp/demo100k.sqlite3 .venv/bin/python bench/run.py [--date D]

Prints the floor (one plain SQL SELECT of the same open items), then loading the
engine's inputs, planning (the pure core), a dry run, and the whole run with
persistence. The persisted run is rolled back, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from relance.collection import queries  # noqa: E402
from relance.collection.services import run_collection  # noqa: E402
from relance.core import engine  # noqa: E402
from relance.ledger.queries import default_creditor  # noqa: E402


class Rollback(Exception):
    pass


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn()
    print(f"| {label} | {time.perf_counter() - start:.2f} |")
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", type=date.fromisoformat, default=None)
    day = parser.parse_args().date or timezone.localdate()
    creditor = default_creditor()

    def floor() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, number, customer_id, currency, due_date, issue_date, open_amount, scenario_id "
                "FROM ledger_invoice WHERE creditor_id = %s AND open_amount > 0 AND status <> 'paid'",
                [creditor.pk],
            )
            return len(cursor.fetchall())

    print(f"{connection.vendor}, {day}\n\n| step | seconds |\n|---|---|")
    rows = timed("floor: one SELECT of the open items", floor)
    book = timed("load the engine's inputs", lambda: queries.ledger(creditor, day))
    result = timed("plan (pure core)", lambda: engine.plan(book, day))
    timed(
        "dry run (load + plan + JSON)",
        lambda: run_collection(creditor, day, actor="bench", dry_run=True),
    )

    def persisted() -> None:
        try:
            with transaction.atomic():
                run_collection(creditor, day, actor="bench")
                raise Rollback
        except Rollback:
            pass

    timed("whole run with persistence (rolled back)", persisted)
    print(
        f"\n{rows:,} open items, {len(book.customers):,} customers, "
        f"{len(result.actions):,} actions, {len(result.skipped):,} skipped"
    )


if __name__ == "__main__":
    main()
