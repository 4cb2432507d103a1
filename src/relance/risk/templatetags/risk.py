"""The risk panel of the customer page and the risk alerts of the worklist."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.core.paginator import Paginator
from django.utils import timezone

from relance.core.money import format_minor
from relance.ledger.models import Creditor, Customer
from relance.risk import labels, queries

register = template.Library()
LIMITS_PER_PAGE = 25  # customers near their credit limit shown at once on the worklist


@register.inclusion_tag("risk/_customer.html", takes_context=True)
def risk_panel(context: dict[str, Any], customer: Customer) -> dict[str, Any]:
    today = timezone.localdate()
    r = queries.customer_risk(customer, today)
    e = r.exposure
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "customer": customer,
        "today": today,
        "r": r,
        "class_label": labels.CLASSES[r.risk.risk_class],
        "raised": [
            {"label": labels.FACTORS[f.key], "measure": labels.measure(f), "points": f.points}
            for f in r.risk.raised_by
        ],
        "limit_value": "" if e.limit is None else format_minor(e.limit, r.currency),
        "bar": None if e.ratio is None else min(100, int(e.ratio * 100)),
        "percent": None if e.ratio is None else labels.percent(e.ratio),
        "exposure_label": None if e.level is None else labels.EXPOSURE[e.level],
        "terms": labels.terms_text(r.recommendation.terms, r.recommendation.deposit_percent),
        "reasons": [labels.REASONS[x] for x in r.recommendation.reasons],
        "cover": queries.covers_on(customer.creditor, today, [customer.pk]).get(customer.pk),
        "score": queries.latest_scores(customer.creditor, [customer.pk]).get(customer.pk),
    }


@register.inclusion_tag("risk/_worklist.html", takes_context=True)
def risk_alerts(context: dict[str, Any], creditor: Creditor, day: date) -> dict[str, Any]:
    request = context.get("request")
    limits = Paginator(queries.limit_alerts(creditor, day), LIMITS_PER_PAGE).get_page(
        request.GET.get("limits_page") if request else None
    )
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "day": day,
        "declarations": [
            {"d": d, "label": labels.DECLARATION[d.alert]}
            for d in queries.declaration_alerts(creditor, day)
        ],
        "limits": limits,
        "limit_rows": [
            {
                "customer": c,
                "e": e,
                "percent": labels.percent(e.ratio or 0),
                "label": labels.EXPOSURE[e.level] if e.level else "",
            }
            for c, e in limits.object_list
        ],
        "currency": creditor.currency,
    }
