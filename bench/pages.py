"""Time the main pages on the database named by RELANCE_DATABASE_URL.

    RELANCE_DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/pages.py

Each page is rendered in-process through Django's test client (the full middleware,
query and template stack, without the network), 5 times after one warm-up; the median
is printed with the number of SQL queries.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")
os.environ.setdefault("RELANCE_DEBUG", "0")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from relance.ledger.models import Customer, Invoice  # noqa: E402


def main() -> None:
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True})
    client = Client()
    client.force_login(user)
    busiest = (
        Customer.objects.annotate(n=Count("invoices"))
        .order_by("-n")
        .values_list("code", flat=True)
        .first()
    )
    print(
        f"{Invoice.objects.count():,} invoices, {Customer.objects.count():,} customers ({connection.vendor})"
    )
    pages = {
        "customers list (sorted by overdue)": "/customers/",
        "customers list, page 100": "/customers/?page=100",
        "customers search 'transports'": "/customers/?q=transports",
        f"customer page ({busiest})": f"/customers/{busiest}/",
        "invoices list": "/invoices/",
        "invoices, overdue 31-60": "/invoices/?bucket=31-60",
        "invoices, not fully paid": "/invoices/?status=unpaid",
        f"invoices of {busiest}": f"/invoices/?customer={busiest}",
        "invoices, number search": "/invoices/?q=F2026-00012",
    }
    print("| page | median ms | queries |\n|---|---|---|")
    for label, url in pages.items():
        client.get(url)
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"| {label} | {statistics.median(times):.0f} | {len(queries)} |")


if __name__ == "__main__":
    main()
