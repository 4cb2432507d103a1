"""Reads behind the indicators: receivables on month ends, credit sales per day, and a
customer's payments, reminders, promises and disputes; the formulas are in
relance.core.indicators (definitions in docs/reports.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min, Q

from relance.core import indicators as core
from relance.core.indicators import Flow, Indicators, Settled, Snapshot
from relance.ledger.models import Allocation, Creditor, Customer
from relance.reports.queries import as_date, receivables

TREND_MONTHS = 12
HISTORY_MONTHS = 24  # how far back the countback may walk


def daily_sales(creditor: Creditor, start: date, end: date) -> dict[str, dict[date, int]]:
    """Credit sales (invoices, not credit notes) per currency and day, `start` to `end`."""
    # Read in the order of the `invoice_flows` index, so the grouping needs no sort. On
    # SQLite the dates are filtered row by row (`+`): given the range, the planner jumps
    # through the index per currency and then sorts 1,000,000 rows (0.4 s against 1.4 s
    # of CPU on the demo ledger, bench/README.md).
    column = "+issue_date" if connection.vendor == "sqlite" else "issue_date"
    sql = f"""
SELECT currency, issue_date, SUM(amount) FROM ledger_invoice
WHERE creditor_id = %(c)s AND kind = 'invoice' AND {column} >= %(start)s
    AND {column} <= %(end)s
GROUP BY kind, currency, issue_date
"""
    sales: dict[str, dict[date, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"c": creditor.pk, "start": start, "end": end})
        for currency, day, total in cursor.fetchall():
            sales[currency][as_date(day)] = int(total)
    return sales


def _later(a: str, b: str) -> str:
    return f"CASE WHEN {a} > {b} THEN {a} ELSE {b} END"


# Grouped flows of the receivables (core.indicators.Flow): invoices and credit notes from
# their issue date, less what was settled elsewhere from the due date, written off,
# allocated, paid on account. Columns: currency, kind ('invoice' flows count in the
# current receivables until due), start, due, amount. An allocation dated after the due
# date never touches the receivables not yet due: its due date is left out, so that the
# many late payments of a day group together (fewer groups to sort). A payment on account
# owes the customer what it has unapplied: from its date, what is unapplied today plus
# what was allocated later, and each later allocation from its own date (allocations
# are normally dated as their payment, so these are few rows to group).
# In the order of the `invoice_flows` index: SQLite groups a million invoices without a
# sort.
_FLOWS = """
SELECT currency, kind, issue_date, due_date, SUM(amount), SUM(settled_elsewhere)
FROM ledger_invoice WHERE creditor_id = %(c)s
GROUP BY kind, currency, issue_date, due_date
"""
_OTHER_FLOWS = f"""
WITH late_allocations AS (
    SELECT p.currency, p.date AS paid_on, a.date AS allocated_on, a.amount
    FROM ledger_allocation a JOIN ledger_payment p ON p.id = a.payment_id
    WHERE p.creditor_id = %(c)s AND p.customer_id IS NOT NULL AND a.date > p.date
)
SELECT currency, kind, {_later("written_off_on", "issue_date")}, due_date, -SUM(written_off)
FROM ledger_invoice WHERE creditor_id = %(c)s AND written_off <> 0
GROUP BY 1, 2, 3, 4
UNION ALL
SELECT i.currency, i.kind, {_later("a.date", "i.issue_date")},
    CASE WHEN a.date <= i.due_date THEN i.due_date END, -SUM(a.amount)
FROM ledger_allocation a JOIN ledger_invoice i ON i.id = a.invoice_id
WHERE i.creditor_id = %(c)s
GROUP BY 1, 2, 3, 4
UNION ALL
SELECT i.currency, i.kind, {_later("a.date", "i.issue_date")}, NULL, SUM(a.amount)
FROM ledger_allocation a JOIN ledger_invoice i ON i.id = a.credit_note_id
WHERE i.creditor_id = %(c)s
GROUP BY 1, 2, 3
UNION ALL
SELECT currency, 'payment', date, NULL, -SUM(unapplied)
FROM ledger_payment
WHERE creditor_id = %(c)s AND customer_id IS NOT NULL AND unapplied <> 0
GROUP BY 1, 2, 3
UNION ALL
SELECT currency, 'payment', paid_on, NULL, -SUM(amount) FROM late_allocations GROUP BY 1, 2, 3
UNION ALL
SELECT currency, 'payment', allocated_on, NULL, SUM(amount) FROM late_allocations GROUP BY 1, 2, 3
"""


def flows(creditor: Creditor) -> tuple[list[Flow], dict[str, dict[date, int]]]:
    """The receivables' flows, and the credit sales per currency and day, in a few
    grouped queries over the whole history (the same open amounts as the aged balance:
    tests/reports check both agree)."""
    found: list[Flow] = []
    sales: dict[str, dict[date, int]] = defaultdict(dict)
    params = {"c": creditor.pk}
    with connection.cursor() as cursor:
        cursor.execute(_FLOWS, params)
        for currency, kind, issued, due, amount, elsewhere in cursor.fetchall():
            issued, due = as_date(issued), as_date(due)
            invoice = kind == "invoice"
            found.append(Flow(currency, issued, due if invoice else None, int(amount)))
            if elsewhere:
                found.append(Flow(currency, max(issued, due), due if invoice else None,
                                  -int(elsewhere)))  # fmt: skip
            if invoice:
                daily = sales[currency]
                daily[issued] = daily.get(issued, 0) + int(amount)
        cursor.execute(_OTHER_FLOWS, params)
        for currency, kind, start, due, amount in cursor.fetchall():
            current = as_date(due) if kind == "invoice" and due is not None else None
            found.append(Flow(currency, as_date(start), current, int(amount)))
    return found, sales


def _zero(snapshots: dict[str, Snapshot], currency: str) -> Snapshot:
    return snapshots.get(currency, Snapshot(0, 0))


def report(
    creditor: Creditor, as_of: date, period: int = 90, trend_months: int = TREND_MONTHS
) -> list[tuple[str, Indicators, list[Indicators]]]:
    """Per currency (in order), the indicators on `as_of` over `period` days, and the
    trend: the indicators of each of the last `trend_months` calendar months (DSO and
    CEI over that month), the oldest first; none when `trend_months` is 0."""
    ends = core.month_ends(as_of, trend_months) if trend_months else []
    start = as_of - timedelta(days=period)
    first = ends[0].replace(day=1) - timedelta(days=1) if ends else start
    dates = sorted({as_of, start, first, *ends})
    if ends:
        found, sales = flows(creditor)
        snapshots = core.receivables_on(found, dates)
    else:
        # Two dates: two aged-balance totals and one window of sales read less than the
        # whole history as flows.
        snapshots = {day: receivables(creditor, day) for day in dates}
        sales = daily_sales(creditor, core.add_months(start, -HISTORY_MONTHS), as_of)
    currencies = sorted(set(sales).union(*(s.keys() for s in snapshots.values())))
    result = []
    for currency in currencies or [creditor.currency]:
        daily = sales.get(currency, {})
        now = core.indicators(
            as_of, period, daily,
            _zero(snapshots[as_of], currency),
            _zero(snapshots[as_of - timedelta(days=period)], currency),
            HISTORY_MONTHS,
        )  # fmt: skip
        trend, before = [], first
        for end in ends:
            trend.append(
                core.indicators(
                    end,
                    end.day,
                    daily,
                    _zero(snapshots[end], currency),
                    _zero(snapshots[before], currency),
                    HISTORY_MONTHS,
                )
            )
            before = end
        result.append((currency, now, trend))
    return result


def _figure(value: Any) -> str | None:
    return None if value is None else str(value)


def indicators_json(currency: str, now: Indicators, trend: list[Indicators]) -> dict[str, Any]:
    """`{"date", "currency", "period", "dso_countback", "dso_standard", "best_dso",
    "add", "cei", "receivables", "sales", "trend": [{"month", ...}]}`; figures are
    decimal strings (days, or percent for the CEI), null where undefined."""
    from relance.core.money import format_minor

    def figures(i: Indicators) -> dict[str, Any]:
        return {
            "dso_countback": _figure(i.dso_countback),
            "dso_standard": _figure(i.dso_standard),
            "best_dso": _figure(i.best_dso),
            "add": _figure(i.add),
            "cei": _figure(i.cei),
            "receivables": format_minor(i.receivables, currency),
            "sales": format_minor(i.sales, currency),
        }

    return {
        "date": now.as_of.isoformat(),
        "currency": currency,
        "period": now.period,
        **figures(now),
        "trend": [
            {
                "month": i.as_of.strftime("%Y-%m"),
                "date": i.as_of.isoformat(),
                "dso": _figure(i.dso_countback),
                **figures(i),
            }
            for i in trend
        ],
    }


def documents(
    creditor: Creditor,
    as_of: date,
    period: int = 90,
    trend_months: int = TREND_MONTHS,
    customer: Customer | None = None,
) -> list[dict[str, Any]]:
    """The `relance report dso --json` documents, one per currency; with `customer`,
    each also carries that customer's payment habits."""
    docs = [
        indicators_json(c, now, trend)
        for c, now, trend in report(creditor, as_of, period, trend_months)
    ]
    if customer is not None:
        habits = customer_indicators(customer, as_of)
        for doc in docs:
            doc["customer"] = habits
    return docs


def customer_indicators(customer: Customer, as_of: date) -> dict[str, Any]:
    """A customer's payment habits up to `as_of`: average days late (weighted by the
    amounts paid), the last three months against before, the share of invoices paid
    after a first reminder was sent, promise keeping and the share of disputed invoices."""
    from relance.collection.models import ActionItem
    from relance.collection.queries import promise_keeping

    settled = [
        Settled(due, paid_on, amount)
        for due, paid_on, amount in Allocation.objects.filter(
            invoice__customer=customer, payment__isnull=False, date__lte=as_of
        ).values_list("invoice__due_date", "date", "amount")
    ]
    trend = core.days_late_trend(settled, as_of)
    invoices = customer.invoices.filter(kind="invoice", issue_date__lte=as_of)
    paid = invoices.filter(status="paid", written_off=0).annotate(last=Max("allocations__date"))
    last_paid = {pk: last for pk, last in paid.values_list("pk", "last") if last}
    first_reminder = dict(
        ActionItem.objects.filter(
            invoice_id__in=list(last_paid), action__status="sent", date__lte=as_of
        )
        .exclude(step="pre_due")
        .values_list("invoice_id")
        .annotate(first=Min("date"))
        .order_by()
    )
    after = sum(
        1 for pk, last in last_paid.items() if pk in first_reminder and last > first_reminder[pk]
    )
    counts = invoices.aggregate(
        n=Count("id"), disputed=Count("id", filter=Q(disputes__isnull=False), distinct=True)
    )
    promises = promise_keeping(customer)
    decided = promises["kept"] + promises["broken"]
    return {
        "customer": customer.code,
        "average_days_late": _figure(core.average_days_late(settled)),
        "days_late_last_3_months": _figure(trend.recent),
        "days_late_before": _figure(trend.before),
        "days_late_change": _figure(trend.change),
        "paid_after_first_reminder": _figure(core.share(after, len(last_paid))),
        "promise_keeping": _figure(core.share(promises["kept"], decided)),
        "dispute_rate": _figure(core.share(counts["disputed"], counts["n"])),
    }
