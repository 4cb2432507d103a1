"""Report pages: the aged balance with its drill-down and exports, and the indicators.
Reads only."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.accounts.access import access, access_of, current_creditor
from relance.core.aging import CREDITS, CREDITS_LABEL, NOT_DUE, Aging, by_group, parse_buckets
from relance.core.errors import DomainError
from relance.core.roles import Permission
from relance.ledger.queries import NotFound, get_customer
from relance.reports import dashboard, exports, indicators, queries

SHOWN_CUSTOMERS = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bucket_title(label: str) -> str:
    """A bucket label ("31-60", "over_90") as people read it."""
    if label == NOT_DUE:
        return _("Not yet due")
    if label == CREDITS_LABEL:
        return _("Unapplied credits")
    if label.startswith("over_"):
        return _("Over %(days)s days") % {"days": label.removeprefix("over_")}
    low, high = label.split("-")
    return _("%(low)s to %(high)s days") % {"low": low, "high": high}


def _day(request: HttpRequest, name: str = "date") -> date:
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return timezone.localdate()


def _keys(aging: Aging) -> list[int]:
    """The query's bucket index of each cell: ages in order, then the credits."""
    return [*range(len(aging.buckets) - 1), CREDITS]


def _groups(aging: Aging, field: str) -> list[dict[str, Any]]:
    keys = _keys(aging)
    return [
        {"name": g.account.name, "cells": list(zip(keys, g.amounts, strict=True)),
         "total": g.total, "overdue": g.overdue}
        for g in by_group(aging, field)
    ]  # fmt: skip


def _section(aging: Aging) -> dict[str, Any]:
    keys = _keys(aging)
    return {
        "aging": aging,
        "cells": [
            {"key": k, "title": bucket_title(c.label), "amount": c.amount, "count": c.items}
            for k, c in zip(keys, aging.buckets, strict=True)
        ],
        "segments": _groups(aging, "segment"),
        "collectors": _groups(aging, "collector"),
        "customers": [
            {
                "account": line.account,
                "cells": list(zip(keys, line.amounts, strict=True)),
                "total": line.total,
                "overdue": line.overdue,
            }
            for line in aging.customers[:SHOWN_CUSTOMERS]
        ],
        "more": max(0, len(aging.customers) - SHOWN_CUSTOMERS),
    }


@access(Permission.VIEW_ALL)
def aging_page(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    day = _day(request)
    limits = request.GET.get("buckets", "").strip()
    try:
        buckets = parse_buckets(limits or settings.AGING_BUCKETS)
    except DomainError as exc:
        messages.error(request, str(exc))
        limits, buckets = "", parse_buckets(settings.AGING_BUCKETS)
    segment = request.GET.get("segment") or None
    collector = request.GET.get("collector") or None
    agings = queries.aging(creditor, day, buckets, segment, collector)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        body = exports.aging_csv(agings) if fmt == "csv" else exports.aging_xlsx(agings)
        kind = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
        response = HttpResponse(body, content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="aging-{day}.{fmt}"'
        return response
    drill: dict[str, Any] | None = None
    bucket, customer = request.GET.get("bucket"), request.GET.get("customer")
    if bucket is not None or customer:
        try:
            index = None if bucket in (None, "") else int(bucket)
        except ValueError:
            index = None
        found = queries.items(
            creditor, day, buckets, bucket=index, customer=customer or None,
            currency=request.GET.get("currency") or None,
        )  # fmt: skip
        if segment is not None or collector is not None:
            allowed = {c.account.code for a in agings for c in a.customers}
            found = [i for i in found if i.customer in allowed]
        title = []
        if customer:
            title.append(customer)
        if index is not None and -1 <= index < len(buckets):
            title.append(bucket_title(CREDITS_LABEL if index == CREDITS else buckets[index].label))
        drill = {
            "items": [
                {"item": i, "late": (day - i.due_date).days if i.due_date else None} for i in found
            ],
            "title": " · ".join(title),
            "limit": len(found) >= 500,
        }
    return render(request, "reports/aging.html", {
        "nav": "aging", "day": day, "today": timezone.localdate(), "limits": limits,
        "segment": segment or "", "segments": queries.segments(creditor),
        "collector": collector or "", "collectors": queries.collectors(creditor),
        "sections": [_section(a) for a in agings], "drill": drill,
        "base": urlencode({"date": day.isoformat(), "segment": segment or "",
                           "collector": collector or "", "buckets": limits}),
    })  # fmt: skip


@access(Permission.VIEW_ALL)
def indicators_page(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    day = _day(request)
    try:
        period = max(1, int(request.GET.get("period") or 90))
    except ValueError:
        period = 90
    docs = [
        indicators.indicators_json(currency, now, trend)
        for currency, now, trend in indicators.report(creditor, day, period)
    ]
    habits = None
    code = request.GET.get("customer", "").strip()
    if code:
        try:
            habits = indicators.customer_indicators(get_customer(creditor, code), day)
        except NotFound as exc:
            messages.error(request, str(exc))
    return render(request, "reports/indicators.html", {
        "nav": "aging", "day": day, "period": period, "docs": docs,
        "customer": code, "habits": habits,
    })  # fmt: skip


@access()
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The finance dashboard, or its numbers as xlsx (`?format=xlsx`). A collector, whose
    reports would be the whole creditor's, lands on their worklist instead."""
    if not access_of(request).can(Permission.VIEW_ALL):
        return redirect("worklist")
    creditor = current_creditor(request)
    day = _day(request)
    data = dashboard.gather(creditor, day)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(dashboard.xlsx(data), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="dashboard-{day}.xlsx"'
        return response
    titles = {c.label: bucket_title(c.label) for a in data.agings for c in a.buckets}
    return render(request, "reports/dashboard.html", {
        "nav": "dashboard", "day": day, "today": timezone.localdate(),
        "sections": dashboard.sections(data, titles), "predicted": data.predicted,
        "fallback": data.fallback,
    })  # fmt: skip
