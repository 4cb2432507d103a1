"""Time `relance.risk.queries.assess` (every customer's score) on the database of
RELANCE_DATABASE_URL, next to its floor: reading the same rows with plain SQL.

    RELANCE_DATABASE_URL=... .venv/bin/python bench/risk.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")
import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from relance.ledger import balances  # noqa: E402
from relance.ledger.queries import default_creditor  # noqa: E402
from relance.risk import queries  # noqa: E402


def main() -> None:
    creditor = default_creditor()
    today = timezone.localdate()
    balances.ensure_current(creditor, today)
    started = time.perf_counter()
    rows = queries.assess(creditor, today)
    took = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.customer_id, i.due_date, i.amount, MAX(a.date) FROM ledger_invoice i "
            "JOIN ledger_allocation a ON a.invoice_id = i.id WHERE i.creditor_id = %s "
            "AND i.open_amount = 0 GROUP BY i.id, i.customer_id, i.due_date, i.amount",
            [creditor.pk],
        )
        settled = len(cursor.fetchall())
    floor = time.perf_counter() - started
    print(f"{connection.vendor}: {len(rows)} customers scored in {took:.2f} s; "
          f"floor (the paid invoices' rows alone, {settled}): {floor:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
