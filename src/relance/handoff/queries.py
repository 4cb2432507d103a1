"""Reads of the hand-off: who is in a partner's hands on a day, cases and partners."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Max, Q, QuerySet

from relance.core import handoff as core
from relance.core.money import format_minor
from relance.handoff.models import Case, CaseItem, Partner
from relance.ledger.models import Creditor, Customer
from relance.ledger.queries import NotFound


def handed_off(customers: QuerySet[Customer], day: date, terminal: QuerySet[Any]) -> set[int]:
    """The customers out of dunning on `day`: those with a case open that day, and those
    with a live hand-off action (`terminal`) planned after their last case closed (a
    withdrawn case gives the customer back to dunning)."""
    cases = Case.objects.filter(customer__in=customers, handed_off_on__lte=day)
    open_ = cases.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
    out = set(open_.values_list("customer_id", flat=True))
    closed = dict(
        cases.filter(closed_on__lte=day)
        .values("customer_id")
        .annotate(last=Max("closed_on"))
        .values_list("customer_id", "last")
    )
    for customer_id, planned in terminal.values_list("customer_id", "date"):
        last = closed.get(customer_id)
        if last is None or planned > last:
            out.add(customer_id)
    return out


def open_cases() -> QuerySet[Case]:
    return Case.objects.filter(status=core.CaseStatus.HANDED_OFF)


def open_case(customer: Customer) -> Case | None:
    return (
        open_cases()
        .filter(customer=customer)
        .select_related("partner", "customer", "creditor")
        .first()
    )


def latest_case(customer: Customer) -> Case:
    """The customer's open case, else its latest one."""
    case = open_case(customer) or (
        Case.objects.filter(customer=customer)
        .select_related("partner", "customer", "creditor")
        .order_by("-handed_off_on", "-pk")
        .first()
    )
    if case is None:
        raise NotFound(f"{customer.code} was never handed off")
    return case


def partner(creditor: Creditor, name: str) -> Partner:
    """A partner by name (any case) or by number."""
    found = Partner.objects.filter(creditor=creditor, name__iexact=name.strip()).first()
    if found is None and name.strip().isdigit():
        found = Partner.objects.filter(creditor=creditor, pk=int(name)).first()
    if found is None:
        raise NotFound(f"no partner {name!r}: add it with `relance partner add`")
    return found


def cases(creditor: Creditor, status: str = "") -> QuerySet[Case]:
    qs = Case.objects.filter(creditor=creditor).select_related("customer", "partner")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-handed_off_on", "-pk")


def items(case: Case) -> list[Any]:
    return list(
        case.items.select_related("invoice").order_by("invoice__due_date", "invoice__number")
    )


def totals(case: Case) -> list[core.Totals]:
    return core.totals(claimed(case))


def totals_of(cases: list[Case]) -> dict[int, list[core.Totals]]:
    """The totals of many cases (the case list) from one query of their items."""
    found: dict[int, list[core.Claimed]] = defaultdict(list)
    rows = CaseItem.objects.filter(case__in=cases).select_related("invoice")
    for item in rows.order_by("invoice__due_date", "invoice__number"):
        found[item.case_id].append(_claimed(item))
    return {case.pk: core.totals(found[case.pk]) for case in cases}


def claimed(case: Case) -> list[core.Claimed]:
    return [_claimed(i) for i in items(case)]


def _claimed(item: CaseItem) -> core.Claimed:
    return core.Claimed(
        item.invoice.number, item.currency, item.principal, item.penalties, item.indemnity
    )


def amounts_json(found: list[core.Totals]) -> list[dict[str, str]]:
    return [
        {
            "currency": t.currency,
            "principal": format_minor(t.principal, t.currency),
            "penalties": format_minor(t.penalties, t.currency),
            "indemnity": format_minor(t.indemnity, t.currency),
            "total": format_minor(t.total, t.currency),
        }
        for t in found
    ]


def case_json(case: Case) -> dict[str, Any]:
    return {
        "case": case.pk,
        "customer": case.customer.code,
        "partner": case.partner.name,
        "status": case.status,
        "outcome": case.outcome,
        "handed_off_on": case.handed_off_on.isoformat(),
        "penalties_until": case.penalties_until.isoformat(),
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "invoices": [
            {
                "number": c.invoice,
                "currency": c.currency,
                "principal": format_minor(c.principal, c.currency),
                "penalties": format_minor(c.penalties, c.currency),
                "indemnity": format_minor(c.indemnity, c.currency),
                "total": format_minor(c.total, c.currency),
            }
            for c in claimed(case)
        ],
        "totals": amounts_json(totals(case)),
        "payments": [
            {
                "date": p.payment.date.isoformat(),
                "amount": format_minor(p.payment.amount, p.payment.currency),
                "currency": p.payment.currency,
                "reference": p.payment.reference,
            }
            for p in case.payments.select_related("payment").order_by("payment__date", "pk")
        ],
    }
