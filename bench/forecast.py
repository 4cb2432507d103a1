"""Cash-in forecast back-test and dashboard timing on a demo ledger (issue 8).

Usage (a database that holds a demo, e.g. built by `relance demo --customers 300`):

    RELANCE_DATABASE_URL=sqlite:///demo.sqlite3 .venv/bin/relance predict train
    RELANCE_DATABASE_URL=sqlite:///demo.sqlite3 .venv/bin/relance predict
    RELANCE_DATABASE_URL=sqlite:///demo.sqlite3 .venv/bin/python bench/forecast.py [WEEKS_BACK ...]

For each day D (13, 26 and 39 weeks before the latest Monday whose 13 weeks have passed,
by default): learn from what was known before D only, forecast 13 weeks, compare with
the payments allocated to the items open then; print a Markdown table. Then time the
dashboard page (first request of the process, and the next one) and its xlsx export.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from relance.ledger.queries import default_creditor
    from relance.reports import forecast

    creditor = default_creditor()
    latest = forecast.default_backtest_day(timezone.localdate())
    back = [int(w) for w in sys.argv[1:]] or [0, 13, 26]
    print("| forecast from | items open | collected in 13 weeks | forecast for them | "
          "WAPE | MAPE | weeks inside P10-P90 | seconds |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for weeks in back:
        at = latest - timedelta(weeks=weeks)
        start = time.perf_counter()
        result = forecast.backtest(creditor, at)
        seconds = time.perf_counter() - start
        for plan, score in result.scores:
            actual = sum(c.actual for c in score.weeks)
            print(f"| {at} ({plan.currency}) | {result.items} | {actual / 100:,.2f} | "
                  f"{plan.horizon / 100:,.2f} | {score.wape} % | {score.mape} % | "
                  f"{score.coverage} % | {seconds:.1f} |")  # fmt: skip
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    for label, url in (("dashboard, first request", "/dashboard/"),
                       ("dashboard, next request", "/dashboard/"),
                       ("dashboard xlsx", "/dashboard/?format=xlsx")):  # fmt: skip
        start = time.perf_counter()
        response = client.get(url)
        print(f"{label}: {time.perf_counter() - start:.2f} s ({response.status_code}, "
              f"{len(response.content):,} bytes)")  # fmt: skip


if __name__ == "__main__":
    main()
