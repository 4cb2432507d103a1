"""Time the aged balance and the indicators on the database named by RELANCE_DATABASE_URL.

    RELANCE_DATABASE_URL=sqlite:////tmp/demo100k.sqlite3 .venv/bin/python bench/aging.py [--date D] [--repeat 3]

Each figure is the best of `--repeat` runs (seconds), beside its floor: one aggregate SQL
query that reads the same rows without the history (the aged balance's floor sums
today's open amounts per currency, customer and bucket; the DSO's sums the open amounts
and the period's sales per currency). Reads only: the database is left as it was.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from relance.core import indicators as core  # noqa: E402
from relance.core.aging import due_date_floors, parse_buckets  # noqa: E402
from relance.ledger import flows  # noqa: E402
from relance.ledger.models import Flow, Invoice  # noqa: E402
from relance.ledger.queries import default_creditor  # noqa: E402
from relance.reports import exports, indicators, queries  # noqa: E402


def best(label: str, fn: Callable[[], Any], repeat: int) -> Any:
    """Wall clock and CPU time of this process (SQLite runs in it), best of `repeat`:
    on a shared machine the CPU time is the steadier figure."""
    times, cpu, value = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"| {label} | {min(times):.2f} | {min(cpu):.2f} |", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", type=date.fromisoformat, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    day, n = args.date or timezone.localdate(), args.repeat
    creditor = default_creditor()
    buckets = parse_buckets("")
    floors = due_date_floors(day, buckets)

    def aging_floor() -> int:
        case = " ".join(f"WHEN due_date >= %s THEN {i}" for i in range(len(floors)))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT currency, customer_id, CASE {case} ELSE {len(floors)} END, "
                "SUM(open_amount), COUNT(*) FROM ledger_invoice "
                "WHERE creditor_id = %s AND status IN ('open', 'partially_paid') "
                "GROUP BY 1, 2, 3",
                [*floors, creditor.pk],
            )
            return len(cursor.fetchall())

    def dso_floor() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT currency, SUM(open_amount), SUM(CASE WHEN kind = 'invoice' AND "
                "issue_date > %s AND issue_date <= %s THEN amount ELSE 0 END) "
                "FROM ledger_invoice WHERE creditor_id = %s GROUP BY currency",
                [day - timedelta(days=90), day, creditor.pk],
            )
            return len(cursor.fetchall())

    invoices = Invoice.objects.filter(creditor=creditor).count()
    print(f"{connection.vendor}, {day}, {invoices:,} invoices\n")
    print("| step | seconds | CPU seconds |\n|---|---|---|")
    best("floor: today's open amounts per currency, customer and bucket (one query)",
         aging_floor, n)  # fmt: skip
    agings = best(
        "aged balance today, query and core (totals, customers sorted)",
        lambda: queries.aging(creditor, day, buckets), n,
    )  # fmt: skip
    print(f"| ({len(agings[0].customers):,} customers with something open) | | |")
    best("aged balance today: the JSON document", lambda: exports.document(agings), n)
    for back in (90, 365):
        past = day - timedelta(days=back)
        best(f"aged balance {back} days ago (query + core)",
             lambda past=past: queries.aging(creditor, past, buckets), n)  # fmt: skip
    best("floor: open amounts and the period's sales per currency (one query)", dso_floor, n)
    rows = Flow.objects.filter(creditor=creditor).count()
    found = best(f"indicators: the receivables' flows, read from their table ({rows:,} rows)",
                 lambda: flows.read(creditor.pk), n)  # fmt: skip
    best("(the same flows summed from the ledger, what the table spares)",
         lambda: flows.history(creditor.pk), 1)  # fmt: skip
    ends = core.month_ends(day, 12)
    dates = [day, day - timedelta(days=90), ends[0].replace(day=1) - timedelta(days=1), *ends]
    best("indicators: receivables on 15 dates from the flows (core)",
         lambda: core.receivables_on(found[0], dates), n)  # fmt: skip
    best("DSO, ADD, CEI, no trend (relance report dso --months 0)",
         lambda: indicators.report(creditor, day, 90, 0), n)  # fmt: skip
    best("DSO, ADD, CEI and the 12-month trend (relance report dso)",
         lambda: indicators.report(creditor, day, 90), n)  # fmt: skip


if __name__ == "__main__":
    main()
