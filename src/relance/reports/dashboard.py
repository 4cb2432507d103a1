"""The finance dashboard: the aged balance, DSO and CEI over 12 months, the 13-week
cash-in forecast and the most overdue customers, per currency, as charts with their
numbers; and the same numbers as an xlsx file. Reads only, through the reports' own
queries (queries.aging, indicators.report, forecast.cash_in)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from relance.core.aging import Aging, Cell, by_group, parse_buckets
from relance.core.currencies import minor_units
from relance.core.forecast import Forecast
from relance.core.indicators import Indicators
from relance.core.money import format_minor
from relance.ledger.models import Creditor
from relance.reports import charts, exports, forecast, indicators, queries

TOP_CUSTOMERS = 10


def _major(minor: int, currency: str) -> float:
    """For drawing only: the amount in major units as a float."""
    return float(Decimal(minor).scaleb(-minor_units(currency)))


@dataclass(frozen=True)
class Data:
    day: date
    agings: list[Aging]
    indicators: list[tuple[str, Indicators, list[Indicators]]]
    forecasts: list[Forecast]
    predicted: int
    fallback: int


def gather(creditor: Creditor, day: date) -> Data:
    agings = queries.aging(creditor, day, parse_buckets(settings.AGING_BUCKETS))
    cash = forecast.cash_in(creditor, day)
    return Data(
        day, agings, indicators.report(creditor, day), cash.forecasts, cash.predicted,
        cash.fallback,
    )  # fmt: skip


def _aging_chart(aging: Aging, titles: dict[str, str]) -> SafeString:
    cur = aging.currency
    ages = [c.label for c in aging.buckets if c.label != "credits"]
    lines = [(_("All customers"), aging.buckets)] + [
        (s.account.segment or _("no segment"), _cells(aging, s.amounts))
        for s in by_group(aging, "segment")
    ]
    series = [
        charts.Series(
            titles[label],
            [_major(max(0, cells[i].amount), cur) for _name, cells in lines],
            [format_minor(cells[i].amount, cur) for _name, cells in lines],
            charts.PALETTE[i % len(charts.PALETTE)],
        )
        for i, label in enumerate(ages)
    ]
    return charts.stacked_bars(
        _("Aged balance (%(currency)s) by days past due") % {"currency": cur},
        _("Stacked bars: open amounts per bucket of days past due, all customers and each "
          "segment; the numbers are in the table below."),
        [name for name, _cells_ in lines],
        series,
    )  # fmt: skip


def _cells(aging: Aging, amounts: Sequence[int]) -> list[Any]:
    return [Cell(c.label, a, 0) for c, a in zip(aging.buckets, amounts, strict=True)]


def _figure(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _text(value: Decimal | None) -> str:
    return "—" if value is None else str(value)


def _trend_charts(trend: list[Indicators], currency: str) -> tuple[SafeString, SafeString]:
    months = [i.as_of.strftime("%Y-%m") for i in trend]
    dso = charts.lines(
        _("DSO over 12 months (%(currency)s), days") % {"currency": currency},
        _("Lines: countback DSO, best possible DSO, each month end; the numbers are in "
          "the table below."),
        months,
        [
            charts.Series(_("DSO, countback"), [_figure(i.dso_countback) for i in trend],
                          [_text(i.dso_countback) for i in trend], "#1565c0"),
            charts.Series(_("Best possible DSO"), [_figure(i.best_dso) for i in trend],
                          [_text(i.best_dso) for i in trend], "#9e9e9e"),
        ],
    )  # fmt: skip
    cei = charts.lines(
        _("Collection effectiveness over 12 months (%(currency)s), %%") % {"currency": currency},
        _("Line: the collection effectiveness index of each month; the numbers are in the "
          "table below."),
        months,
        [charts.Series(_("Collection effectiveness (%)"), [_figure(i.cei) for i in trend],
                       [_text(i.cei) for i in trend], "#2e7d32")],
    )  # fmt: skip
    return dso, cei


def _forecast_chart(plan: Forecast) -> SafeString:
    cur = plan.currency
    labels = [w.start.strftime("%d/%m") for w in plan.weeks]

    def series(label: str, values: list[int], colour: str) -> charts.Series:
        return charts.Series(label, [_major(v, cur) for v in values],
                             [format_minor(v, cur) for v in values], colour)  # fmt: skip

    return charts.band(
        _("Cash-in forecast, 13 weeks (%(currency)s)") % {"currency": cur},
        _(
            "Columns: expected collections per week from the predicted payment dates; the "
            "shaded band runs from the 10th to the 90th percentile; the numbers are in the "
            "table below."
        ),
        labels,
        series(_("Expected"), [w.expected for w in plan.weeks], "#1565c0"),
        series("P10", [w.low for w in plan.weeks], "#90caf9"),
        series("P90", [w.high for w in plan.weeks], "#90caf9"),
    )


def _top(aging: Aging) -> list[Any]:
    return [line for line in aging.customers if line.overdue > 0][:TOP_CUSTOMERS]


def _top_chart(aging: Aging) -> SafeString:
    cur = aging.currency
    rows = [
        (f"{line.account.code} {line.account.name}", _major(line.overdue, cur),
         format_minor(line.overdue, cur), reverse("customer", args=[line.account.code]))
        for line in _top(aging)
    ]  # fmt: skip
    return charts.ranking(
        _("Top %(n)s customers by overdue amount (%(currency)s)")
        % {"n": TOP_CUSTOMERS, "currency": cur},
        _("Horizontal bars: the overdue amount of each customer, the largest first; each "
          "bar links to the customer."),
        rows,
    )  # fmt: skip


def sections(data: Data, titles: dict[str, str]) -> list[dict[str, Any]]:
    """Per currency, the charts and the numbers of their tables."""
    by_currency: dict[str, dict[str, Any]] = {}
    for aging in data.agings:
        by_currency.setdefault(aging.currency, {"currency": aging.currency})
        top = _top(aging)
        by_currency[aging.currency] |= {
            "aging": aging,
            "aging_chart": _aging_chart(aging, titles),
            "cells": [{"title": titles[c.label], "amount": c.amount} for c in aging.buckets],
            "top": top,
            "top_chart": _top_chart(aging) if top else None,
        }
    for currency, now, trend in data.indicators:
        entry = by_currency.setdefault(currency, {"currency": currency})
        dso, cei = _trend_charts(trend, currency)
        entry |= {"now": now, "trend": trend, "dso_chart": dso, "cei_chart": cei}
    for plan in data.forecasts:
        entry = by_currency.setdefault(plan.currency, {"currency": plan.currency})
        entry |= {"forecast": plan, "forecast_chart": _forecast_chart(plan)}
    return [by_currency[c] for c in sorted(by_currency)]


def xlsx(data: Data) -> bytes:
    """Sheets aging, indicators, forecast and top_customers, amounts as numbers."""
    trend_header = ["currency", "month", "dso_countback", "dso_standard", "best_dso", "add",
                    "cei", "receivables", "sales"]  # fmt: skip
    trend_rows = []
    for currency, now, trend in data.indicators:
        places = minor_units(currency)
        for i in [*trend, now]:
            month = i.as_of.strftime("%Y-%m") if i is not now else f"{now.period} days"
            trend_rows.append([currency, month, i.dso_countback, i.dso_standard, i.best_dso,
                               i.add, i.cei, Decimal(i.receivables).scaleb(-places),
                               Decimal(i.sales).scaleb(-places)])  # fmt: skip
    top_rows = []
    for aging in data.agings:
        places = minor_units(aging.currency)
        for rank, line in enumerate(_top(aging), 1):
            top_rows.append([aging.currency, rank, line.account.code, line.account.name,
                             Decimal(line.overdue).scaleb(-places),
                             Decimal(line.total).scaleb(-places)])  # fmt: skip
    header, rows = exports.forecast_rows([forecast.forecast_json(f) for f in data.forecasts])
    return exports.workbook([
        ("aging", lambda sheet: exports.aging_sheet(sheet, data.agings)),
        ("indicators", lambda sheet: exports.table_sheet(sheet, trend_header, trend_rows)),
        ("forecast", lambda sheet: exports.table_sheet(sheet, header, rows)),
        ("top_customers", lambda sheet: exports.table_sheet(
            sheet, ["currency", "rank", "customer", "name", "overdue", "total"], top_rows)),
    ])  # fmt: skip
