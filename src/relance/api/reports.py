"""Reports: the aged balance, DSO and indicators, the cash-in forecast.

Each answers the document `relance report aging|dso|forecast --json` prints, built by
the same functions (relance.reports): one document for one currency, else a list.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from relance.api.auth import REPORTS_READ, creditor_of
from relance.core.aging import parse_buckets
from relance.ledger import queries as ledger
from relance.reports import exports, forecast, indicators, queries

router = Router(tags=["reports"], auth=REPORTS_READ)

DAY = "YYYY-MM-DD; default today."


class AgingQuery(Schema):
    date: datetime.date | None = Field(None, description=DAY)
    buckets: str = Field(
        "", description="Bucket limits in days, e.g. 30,60,90,120; default RELANCE_AGING_BUCKETS."
    )
    segment: str = Field("", description="One segment only.")
    collector: str = Field("", description="One collector's customers (a username).")


class AgingCell(Schema):
    label: str
    amount: str
    count: int


class AgingCustomer(Schema):
    code: str
    name: str
    segment: str
    collector: str
    buckets: list[AgingCell]
    total: str


class AgingDoc(Schema):
    date: datetime.date
    currency: str
    buckets: list[AgingCell]
    total: str
    customers: list[AgingCustomer]


@router.get(
    "/reports/aging",
    response=AgingDoc | list[AgingDoc],
    summary="The aged balance on a date (one document per currency)",
)
def aging(request: HttpRequest, q: Query[AgingQuery]) -> Any:
    day = q.date or timezone.localdate()
    # Bad limits are a DomainError: a 422 problem saying why.
    limits = parse_buckets(q.buckets or settings.AGING_BUCKETS)
    agings = queries.aging(
        creditor_of(request), day, limits, q.segment or None, q.collector or None
    )
    return exports.document(agings)


class DsoQuery(Schema):
    date: datetime.date | None = Field(None, description=DAY)
    period: int = Field(90, ge=1, description="Days of sales for the standard DSO and the CEI.")
    months: int = Field(
        indicators.TREND_MONTHS, ge=0, description="Months of trend; 0: none (faster)."
    )
    customer: str = Field("", description="Also this customer's payment habits.")


class Figures(Schema):
    dso_countback: str | None
    dso_standard: str | None
    best_dso: str | None
    add: str | None
    cei: str | None
    receivables: str
    sales: str


class TrendMonth(Figures):
    month: str
    date: datetime.date
    dso: str | None


class Habits(Schema):
    customer: str
    average_days_late: str | None
    days_late_last_3_months: str | None
    days_late_before: str | None
    days_late_change: str | None
    paid_after_first_reminder: str | None
    promise_keeping: str | None
    dispute_rate: str | None


class DsoDoc(Figures):
    date: datetime.date
    currency: str
    period: int
    trend: list[TrendMonth]
    customer: Habits | None = Field(None, description="Only when a customer is asked for.")


@router.get(
    "/reports/dso",
    response=DsoDoc | list[DsoDoc],
    exclude_unset=True,
    summary="DSO, best possible DSO, ADD and CEI, with their monthly trend",
)
def dso(request: HttpRequest, q: Query[DsoQuery]) -> Any:
    creditor = creditor_of(request)
    found = ledger.get_customer(creditor, q.customer) if q.customer else None
    day = q.date or timezone.localdate()
    return exports.one_or_many(indicators.documents(creditor, day, q.period, q.months, found))


class ForecastQuery(Schema):
    date: datetime.date | None = Field(None, description=DAY)
    weeks: int = Field(forecast.WEEKS, ge=1, le=104, description="Weeks to forecast.")
    backtest: bool = Field(
        False,
        description="Forecast as on a past day (`at`) from what was known then, and "
        "compare with what was collected.",
    )
    at: datetime.date | None = Field(
        None, description="The back-test's day; default the Monday whose weeks have all passed."
    )


class Week(Schema):
    week: str
    start: datetime.date
    end: datetime.date
    expected: str
    p10: str
    p90: str
    actual: str | None = Field(None, description="Back-test: what was collected.")
    inside: bool | None = Field(None, description="Back-test: inside the P10-P90 band.")


class ForecastDoc(Schema):
    date: datetime.date
    currency: str
    open: str
    weeks: list[Week]
    within: str
    later: str
    backtest: bool | None = None
    items: int | None = None
    training_rows: int | None = None
    actual: str | None = None
    wape: str | None = None
    mape: str | None = None
    band_coverage: str | None = None


@router.get(
    "/reports/forecast",
    response=ForecastDoc | list[ForecastDoc],
    exclude_unset=True,
    summary="Cash-in forecast per week with a P10-P90 band, or its back-test",
)
def cash_in(request: HttpRequest, q: Query[ForecastQuery]) -> Any:
    day = q.date or timezone.localdate()
    on = (q.at or forecast.default_backtest_day(day, q.weeks)) if q.backtest else None
    docs = forecast.documents(creditor_of(request), day, q.weeks, backtest_at=on)
    return exports.one_or_many(docs)
