"""Reads behind the indicators: receivables on any date and credit sales per day from
the receivables' flows (ledger.flows), and a customer's payments, reminders, promises
and disputes; the formulas are in relance.core.indicators (definitions in
docs/reports.md)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, Min, Q

from relance.core import indicators as core
from relance.core.indicators import Indicators, Settled, Snapshot
from relance.ledger import flows
from relance.ledger.models import Allocation, Creditor, Customer

TREND_MONTHS = 12
HISTORY_MONTHS = 24  # how far back the countback may walk


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
    found, sales = flows.read(creditor.pk)
    snapshots = core.receivables_on(found, sorted({as_of, start, first, *ends}))
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
