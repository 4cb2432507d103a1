"""Reads of risk: every customer's score, loaded in a few set-based queries (never one
query per customer); the worklist's alerts (insurer declarations, credit limits)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, QuerySet, Sum

from relance.collection.models import Dispute, Promise
from relance.core import risk as core
from relance.core.ledger import InvoiceKind
from relance.core.money import format_minor
from relance.core.promises import PromiseStatus
from relance.ledger import balances
from relance.ledger.models import NEAR_LIMIT, Creditor, Customer, Invoice
from relance.prediction.models import InvoicePrediction
from relance.risk import labels
from relance.risk.models import CreditCover, Declaration, ExternalScore


@dataclass(frozen=True)
class CustomerRisk:
    customer_id: int
    code: str
    name: str
    currency: str
    risk: core.Risk
    exposure: core.Exposure
    recommendation: core.Recommendation


def _only(qs: QuerySet[Any], field: str, ids: list[int] | None) -> QuerySet[Any]:
    return qs if ids is None else qs.filter(**{f"{field}__in": ids})


def _settled(creditor: Creditor, today: date, ids: list[int] | None) -> dict[int, core.Behaviour]:
    """Per customer, how it paid over the last year: fully paid invoices in the
    creditor's currency (amounts of two currencies are never added), settled on the date
    of their last allocation. Written-off items and those settled outside Relance have no
    payment date and are left out, as in prediction."""
    since = today - timedelta(days=core.HISTORY_DAYS)
    rows = (
        _only(Invoice.objects, "customer_id", ids)
        .filter(
            creditor=creditor,
            kind=InvoiceKind.INVOICE,
            amount__gt=0,
            open_amount=0,
            written_off=0,
            settled_elsewhere=0,
            currency=creditor.currency,
            due_date__gt=since - timedelta(days=core.HISTORY_DAYS),
        )
        .annotate(settled_on=Max("allocations__date"))
        .filter(settled_on__gt=since, settled_on__lte=today)
        .order_by("customer_id")
        .values_list("customer_id", "due_date", "settled_on", "amount")
    )
    return {
        customer: core.behaviour((core.Settled(d, s, a) for _, d, s, a in group), today)
        for customer, group in groupby(rows.iterator(chunk_size=5000), key=lambda r: r[0])
    }


def _counts(qs: QuerySet[Any], field: str) -> dict[int, int]:
    return dict(qs.values(field).annotate(n=Count("id")).values_list(field, "n"))


def latest_scores(creditor: Creditor, ids: list[int] | None = None) -> dict[int, ExternalScore]:
    rows = _only(ExternalScore.objects, "customer_id", ids).filter(customer__creditor=creditor)
    out: dict[int, ExternalScore] = {}
    for s in rows.order_by("customer_id", "-recorded_on", "-pk"):
        out.setdefault(s.customer_id, s)
    return out


def covers_on(
    creditor: Creditor, day: date, ids: list[int] | None = None
) -> dict[int, CreditCover]:
    """The cover running on `day` per customer (the latest started)."""
    rows = _only(CreditCover.objects, "customer_id", ids).filter(
        creditor=creditor, starts_on__lte=day
    )
    out: dict[int, CreditCover] = {}
    for c in rows.exclude(ends_on__lt=day).order_by("customer_id", "-starts_on", "-pk"):
        out.setdefault(c.customer_id, c)
    return out


def _predicted(creditor: Creditor, ids: list[int] | None) -> dict[int, Decimal]:
    """Per customer, the amount-weighted probability that its open items are paid more
    than 30 days late: amount at risk over the open amount of the predicted items."""
    rows = (
        _only(InvoicePrediction.objects, "invoice__customer_id", ids)
        .filter(creditor=creditor, currency=creditor.currency, invoice__open_amount__gt=0)
        .values("invoice__customer_id")
        .annotate(at_risk=Sum("amount_at_risk"), open=Sum("invoice__open_amount"))
        .values_list("invoice__customer_id", "at_risk", "open")
    )
    return {c: Decimal(r) / Decimal(o) for c, r, o in rows if o}


def assess(
    creditor: Creditor, today: date, customers: Iterable[Customer] | None = None
) -> list[CustomerRisk]:
    """The risk of the given customers (None: every customer with an invoice), riskiest
    first, from seven queries whatever their number."""
    balances.ensure_current(creditor, today)
    ids = None if customers is None else [c.pk for c in customers]
    since = today - timedelta(days=core.HISTORY_DAYS)
    settled = _settled(creditor, today, ids)
    first = dict(
        _only(Invoice.objects, "customer_id", ids)
        .filter(creditor=creditor)
        .values("customer_id")
        .annotate(first=Min("issue_date"))
        .values_list("customer_id", "first")
    )
    broken = _counts(
        _only(Promise.objects, "customer_id", ids).filter(
            customer__creditor=creditor, status=PromiseStatus.BROKEN, closed_on__gt=since
        ),
        "customer_id",
    )
    disputes = _counts(
        _only(Dispute.objects, "invoice__customer_id", ids).filter(
            invoice__creditor=creditor, closed_on__isnull=True
        ),
        "invoice__customer_id",
    )
    scores = latest_scores(creditor, ids)
    predicted = _predicted(creditor, ids)
    rows = _only(Customer.objects, "pk", ids).filter(creditor=creditor)
    out = []
    for pk, code, name, open_total, overdue_total, limit in rows.values_list(
        "pk", "code", "name", "open_total", "overdue_total", "credit_limit"
    ):
        if ids is None and pk not in first:
            continue
        score = scores.get(pk)
        inputs = core.RiskInputs(
            today=today, behaviour=settled.get(pk, core.Behaviour()), open_amount=open_total,
            overdue_amount=overdue_total, credit_limit=limit, customer_since=first.get(pk),
            broken_promises=broken.get(pk, 0), open_disputes=disputes.get(pk, 0),
            external_value=None if score is None else score.value,
            predicted_very_late=predicted.get(pk),
        )  # fmt: skip
        result = core.assess(inputs)
        exposure = core.exposure(open_total, limit)
        out.append(
            CustomerRisk(
                pk,
                code,
                name,
                creditor.currency,
                result,
                exposure,
                core.recommend(result.risk_class, exposure.level),
            )
        )
    out.sort(key=lambda r: (-r.risk.score, -r.exposure.amount, r.code))
    return out


def customer_risk(customer: Customer, today: date) -> CustomerRisk:
    return assess(customer.creditor, today, [customer])[0]


def _money(minor: int | None, currency: str) -> str | None:
    return None if minor is None else format_minor(minor, currency)


def cover_json(c: CreditCover | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "insurer": c.insurer, "amount": format_minor(c.amount, c.currency),
        "currency": c.currency, "policy": c.policy, "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat() if c.ends_on else None,
        "declaration_days": c.declaration_days, "notes": c.notes,
    }  # fmt: skip


def score_json(s: ExternalScore | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"provider": s.provider, "grade": s.grade, "value": s.value,
            "recorded_on": s.recorded_on.isoformat()}  # fmt: skip


def risk_json(r: CustomerRisk) -> dict[str, Any]:
    """The JSON document of `relance risk`: score, class, every factor with its points
    (those that raised the score first), exposure and recommended terms."""
    e, rec = r.exposure, r.recommendation
    return {
        "customer": r.code,
        "name": r.name,
        "score": r.risk.score,
        "class": str(r.risk.risk_class),
        "raised_by": [f.key.value for f in r.risk.raised_by],
        "factors": [
            {
                "factor": f.key.value,
                "label": str(labels.FACTORS[f.key]),
                "measure": labels.measure(f),
                "level": str(f.level.quantize(Decimal("0.01"))),
                "weight": f.weight,
                "points": str(f.points),
            }
            for f in sorted(r.risk.factors, key=lambda f: -f.points)
        ],
        "exposure": {
            "currency": r.currency,
            "amount": format_minor(e.amount, r.currency),
            "limit": _money(e.limit, r.currency),
            "ratio": None if e.ratio is None else str(e.ratio.quantize(Decimal("0.0001"))),
            "level": None if e.level is None else str(e.level),
        },
        "terms": {
            "terms": str(rec.terms),
            "deposit_percent": rec.deposit_percent,
            "text": labels.terms_text(rec.terms, rec.deposit_percent),
            "reasons": [str(x) for x in rec.reasons],
        },
    }


@dataclass(frozen=True)
class DeclarationDue:
    invoice: Invoice
    cover: CreditCover
    deadline: date
    alert: core.DeclarationAlert
    days_left: int  # negative once the deadline has passed


def declaration_alerts(
    creditor: Creditor, today: date, days: int = core.DECLARATION_WARNING_DAYS
) -> list[DeclarationDue]:
    """Overdue items of insured customers, invoiced since their cover started and not
    declared to the insurer, whose deadline comes within `days` days or has passed, the
    most urgent first."""
    covers = covers_on(creditor, today)
    if not covers:
        return []
    reach = (
        today
        + timedelta(days=days)
        - timedelta(days=min(c.declaration_days for c in covers.values()))
    )
    insured = CreditCover.objects.filter(
        customer=OuterRef("customer"), starts_on__lte=today
    ).exclude(ends_on__lt=today)
    items = (
        Invoice.objects.filter(
            Exists(insured),
            creditor=creditor,
            kind=InvoiceKind.INVOICE,
            open_amount__gt=0,
            due_date__lt=today,
            due_date__lte=reach,
        )
        .exclude(Exists(Declaration.objects.filter(invoice=OuterRef("pk"))))
        .select_related("customer")
        .order_by("due_date", "number")
    )
    out = []
    for invoice in items:
        cover = covers[invoice.customer_id]
        if invoice.issue_date < cover.starts_on:  # invoiced before the cover: not insured
            continue
        alert = core.declaration_alert(invoice.due_date, cover.declaration_days, today, days)
        if alert is not None:
            deadline = core.declaration_deadline(invoice.due_date, cover.declaration_days)
            out.append(DeclarationDue(invoice, cover, deadline, alert, (deadline - today).days))
    out.sort(key=lambda d: (d.deadline, d.invoice.number))
    return out


def limit_alerts(creditor: Creditor, today: date) -> list[tuple[Customer, core.Exposure]]:
    """Customers whose exposure is at 80 % of their credit limit or more, the highest
    ratio first."""
    balances.ensure_current(creditor, today)
    near = Customer.objects.filter(NEAR_LIMIT, creditor=creditor)
    near = near.only("code", "name", "open_total", "credit_limit").order_by("code")
    rows = [(c, core.exposure(c.open_total, c.credit_limit)) for c in near]
    return sorted(
        (r for r in rows if r[1].level != core.ExposureLevel.OK),
        key=lambda r: (-(r[1].ratio or 0), r[0].code),
    )
