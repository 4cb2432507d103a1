"""Reads behind the cash-in forecast (core.forecast) and its back-test.

Today's forecast takes each open invoice's stored prediction (`relance predict`), and the
trained model's hold-out residuals as the spread; an open invoice without a prediction
(issued since the last refresh, or no model yet) is expected on its due date plus its
customer's mean days late. The back-test goes back to a past day D, learns from what was
known on D only, forecasts, and compares with the payments allocated after D to the items
open on D.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Sum

from relance.core import prediction as core_prediction
from relance.core.forecast import (
    WEEKS,
    BacktestScore,
    Forecast,
    Lateness,
    OpenItem,
    compare,
    fallback_centre,
    forecast,
    mean_days_late,
    spread_points,
    week_index,
)
from relance.core.money import format_minor
from relance.core.prediction import InvoiceRecord
from relance.ledger.models import Allocation, Creditor
from relance.prediction import queries as prediction_queries
from relance.prediction.models import InvoicePrediction, TrainedModel
from relance.prediction.services import MIN_TRAINING_ROWS


@dataclass(frozen=True)
class CashIn:
    forecasts: list[Forecast]
    predicted: int  # items centred on their stored prediction
    fallback: int  # items centred on due date + the customer's mean days late
    spread: tuple[int, ...]  # residual days; (0,) without a model


def _spread(creditor: Creditor) -> tuple[int, ...]:
    row = TrainedModel.objects.filter(creditor=creditor).first()
    if row is None:
        return (0,)
    try:
        model = prediction_queries.load(row)
    except prediction_queries.StaleModel:
        return (0,)
    return spread_points(getattr(model, "residuals", ()))


def lateness(history: list[InvoiceRecord], at: date) -> Lateness:
    """Days late of the invoices paid before `at`, and of those open then and past due."""
    return Lateness.estimate(
        paid=[r.days_late for r in history if r.settled_on is not None],
        still_open=[(at - r.due_date).days for r in history
                    if r.settled_on is None and r.due_date < at],
    )  # fmt: skip


def _items(
    history: list[InvoiceRecord],
    amounts: dict[str, int],
    centres: dict[str, date],
    at: date,
) -> tuple[list[OpenItem], int]:
    """The open items of `amounts` (key: open amount on `at`), centred on their
    prediction, or on the due date plus the customer's mean days late; and how many had
    no prediction."""
    means = mean_days_late(
        ((r.customer, r.settled_on, r.days_late) for r in history if r.settled_on is not None),
        at,
    )
    items, fallback = [], 0
    for r in history:
        amount = amounts.get(r.key, 0)
        if r.settled_on is not None or amount <= 0:
            continue
        centre = centres.get(r.key)
        if centre is None:
            fallback += 1
            centre = fallback_centre(r.due_date, means.get(r.customer), at)
        items.append(OpenItem(r.key, r.currency, amount, max(centre, at), r.due_date))
    return items, fallback


def cash_in(creditor: Creditor, today: date, weeks: int = WEEKS) -> CashIn:
    """The forecast of the creditor's open invoices from `today`, per currency."""
    history, open_items = prediction_queries.records(creditor, today)
    centres = {
        str(pk): day
        for pk, day in InvoicePrediction.objects.filter(creditor=creditor).values_list(
            "invoice_id", "payment_date"
        )
    }
    amounts = {r.key: amount for r, amount in open_items.items()}
    items, fallback = _items(history, amounts, centres, today)
    spread = _spread(creditor)
    plans = forecast(items, today, weeks, spread, lateness(history, today))
    return CashIn(plans, len(items) - fallback, fallback, spread)


@dataclass(frozen=True)
class Backtest:
    at: date
    scores: list[tuple[Forecast, BacktestScore]]
    items: int
    training_rows: int  # 0: too little history on D, the fallback was used
    spread: tuple[int, ...]


def backtest(creditor: Creditor, at: date, weeks: int = WEEKS) -> Backtest:
    """Forecast as at the start of `at` from what was known then (the days before it),
    and compare with what was collected from `at` on each forecast week, on the items
    open then. As at the start of a day: today's payments are not imported yet when
    people look at the forecast, and are part of it."""
    known = at - timedelta(days=1)
    history, _open = prediction_queries.records(creditor, known)
    open_then = [r for r in history if r.settled_on is None]
    allocated = dict(
        Allocation.objects.filter(invoice__creditor=creditor, date__lte=known)
        .values_list("invoice_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    amounts = {r.key: r.amount - int(allocated.get(int(r.key), 0)) for r in open_then}
    settled = [r for r in history if r.settled_on is not None]
    centres: dict[str, date] = {}
    spread: tuple[int, ...] = (0,)
    training_rows = 0
    if len(settled) >= MIN_TRAINING_ROWS:
        index = core_prediction.History(history)
        checked = core_prediction.validate(history)
        model = core_prediction.train(index, settled)
        spread = spread_points(checked.residuals)
        training_rows = model.rows
        centres = {p.key: p.payment_date for p in model.predict(index, open_then, as_of=at)}
    items, _fallback = _items(history, amounts, centres, at)
    plans = forecast(items, at, weeks, spread, lateness(history, at))
    keys = {int(i.key) for i in items}
    end = plans[0].weeks[-1].end if plans else at
    actual: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for invoice, currency, day, amount in Allocation.objects.filter(
        invoice__creditor=creditor, payment__isnull=False, date__gte=at, date__lte=end
    ).values_list("invoice_id", "invoice__currency", "date", "amount"):
        if invoice in keys:
            actual[currency][week_index(day, at)] += amount
    return Backtest(
        at=at,
        scores=[(f, compare(f, dict(actual[f.currency]))) for f in plans],
        items=len(items),
        training_rows=training_rows,
        spread=spread,
    )


def _week_json(week: Any, currency: str) -> dict[str, Any]:
    return {
        "week": f"{week.start.isocalendar().year}-W{week.start.isocalendar().week:02d}",
        "start": week.start.isoformat(),
        "end": week.end.isoformat(),
        "expected": format_minor(week.expected, currency),
        "p10": format_minor(week.low, currency),
        "p90": format_minor(week.high, currency),
    }


def forecast_json(plan: Forecast) -> dict[str, Any]:
    """`{"date", "currency", "open", "weeks": [{"week", "start", "end", "expected",
    "p10", "p90"}], "within", "later"}`, amounts as decimal strings."""
    cur = plan.currency
    return {
        "date": plan.today.isoformat(),
        "currency": cur,
        "open": format_minor(plan.total, cur),
        "weeks": [_week_json(w, cur) for w in plan.weeks],
        "within": format_minor(plan.horizon, cur),
        "later": format_minor(plan.later, cur),
    }


def _figure(value: Any) -> str | None:
    return None if value is None else str(value)


def backtest_json(result: Backtest) -> list[dict[str, Any]]:
    """One document per currency: the forecast's weeks with what was collected, WAPE,
    MAPE and the share of weeks inside the P10-P90 band (percentages)."""
    docs = []
    for plan, score in result.scores:
        cur = plan.currency
        doc = forecast_json(plan)
        doc["weeks"] = [
            _week_json(c.week, cur) | {"actual": format_minor(c.actual, cur), "inside": c.covered}
            for c in score.weeks
        ]
        doc |= {
            "backtest": True,
            "items": result.items,
            "training_rows": result.training_rows,
            "actual": format_minor(sum(c.actual for c in score.weeks), cur),
            "wape": _figure(score.wape),
            "mape": _figure(score.mape),
            "band_coverage": _figure(score.coverage),
        }
        docs.append(doc)
    return docs


def documents(
    creditor: Creditor, today: date, weeks: int = WEEKS, *, backtest_at: date | None = None
) -> list[dict[str, Any]]:
    """The `relance report forecast --json` documents, one per currency: the forecast
    from `today`, or the back-test as on `backtest_at`."""
    if backtest_at is not None:
        return backtest_json(backtest(creditor, backtest_at, weeks))
    return [forecast_json(f) for f in cash_in(creditor, today, weeks).forecasts]


def default_backtest_day(today: date, weeks: int = WEEKS) -> date:
    """The latest Monday whose `weeks` forecast weeks have all passed by `today`."""
    return today - timedelta(weeks=weeks, days=today.weekday())
